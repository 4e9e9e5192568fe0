import Foundation
import Testing
@testable import ServiceDesk

@Suite struct EncodingTests {
    private func sample(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Samples"))
        return Array(try Data(contentsOf: url))
    }

    private let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    @Test func versionOneSamplesDecode() throws {
        let created = try Command.decode(try sample("v1-create-conversation"))
        #expect(created == Command(
            time: Timestamp(millisecondsSinceEpoch: 1_700_000_123_456), actor: .system, idempotencyKey: "wechat:MsgId-1234567890",
            action: .createConversation(CreateConversation(
                id: "conv-01HX", customer: .external(channel: .wechat, externalID: "oX9a-openid", newCustomerID: "cust-01HX", name: "微信用户"),
                channel: .wechat, subject: "订单查询", priority: .high, queue: "orders", tags: ["order"])),
            formatVersion: 1))

        let posted = try Command.decode(try sample("v1-post-message"))
        #expect(posted.actor == .customer(id: "cust-01HX"))
        #expect(posted.action == .postMessage(PostMessage(
            conversationID: "conv-01HX", messageID: "msg-01HY", text: "Where is my parcel?",
            attachments: [Attachment(name: "receipt.pdf", contentType: "application/pdf", bytes: 48_213, url: "https://files.example.com/r/1")])))

        let updated = try Command.decode(try sample("v1-update-conversation"))
        #expect(updated.action == .updateConversation(UpdateConversation(
            conversationID: "conv-01HX", status: .pending, assigneeID: .set("agent-9"), teamID: .clear, tags: ["order", "late"])))

        let staff = try Command.decode(try sample("v1-create-staff"))
        #expect(staff.actor == .adminToken)
        guard case .createStaff(let body) = staff.action else { throw DeskDecodingError.malformed("not createStaff") }
        #expect(body.skills == ["billing": 4, "mandarin": 5] && body.concurrentConversationsMax == 6)
    }

    @Test func samplesStillApply() throws {
        var desk = Desk()
        var store = RecordStore()
        let names = ["v1-create-staff", "v1-create-conversation", "v1-post-message"]
        for (offset, name) in names.enumerated() {
            let outcome = desk.apply(encodedCommand: try sample(name), index: UInt64(offset + 1))
            #expect(throws: Never.self) { try outcome.result.get() }
            store.write(outcome.changes)
        }
        let page = try #require(desk.messagePage(conversationID: "conv-01HX", limit: 10))
        #expect(try page.read(from: store).map(\.text) == ["Where is my parcel?"])
    }

    @Test func everyActionRoundTrips() throws {
        let actions: [Command.Action] = [
            .createCustomer(CreateCustomer(id: "c", name: "N", email: "e@x.com", externalIDs: [.phone: "+86"], attributes: ["a": "b"], tier: .vip)),
            .updateCustomer(UpdateCustomer(customerID: "c", email: .clear, phone: .set("1"), tier: .standard)),
            .createConversation(CreateConversation(id: "v", customer: .existing(id: "c"), channel: .email, language: "en")),
            .updateConversation(UpdateConversation(conversationID: "v", assigneeID: .clear, queue: .set("q"), priority: .urgent)),
            .postMessage(PostMessage(conversationID: "v", messageID: "m", text: "t", internal: true, botName: "b")),
            .createStaff(CreateStaff(id: "s", email: "s@x.com", name: "S", role: .admin, passwordHash: "h")),
            .updateStaff(UpdateStaff(staffID: "s", role: .agent, active: false)),
            .setStaffStatus(SetStaffStatus(staffID: "s", status: .away)),
            .createTeam(CreateTeam(id: "t", name: "T", description: "d")),
            .updateTeam(UpdateTeam(teamID: "t", description: "e")),
            .createCannedResponse(CreateCannedResponse(id: "r", title: "T", text: "x", shortcut: "/x", teamID: "t")),
            .updateCannedResponse(UpdateCannedResponse(cannedResponseID: "r", teamID: .clear)),
            .deleteCannedResponse(DeleteCannedResponse(cannedResponseID: "r")),
        ]
        let actors: [Actor] = [.adminToken, .system, .customer(id: "c"), .staff(id: "s", role: .supervisor)]
        for (offset, action) in actions.enumerated() {
            let command = Command(time: time, actor: actors[offset % actors.count], idempotencyKey: offset.isMultiple(of: 2) ? "k\(offset)" : nil, action: action)
            let bytes = command.encoded()
            #expect(try Command.decode(bytes) == command)
            #expect(try Command.decode(bytes).encoded() == bytes, "encoding is canonical")
        }
    }

    @Test func unknownVersionsAndTypesAreRejected() {
        let future = Array(#"{"v":3,"time":1,"actor":{"system":{}},"type":"createTeam","body":{"id":"t","name":"T","description":""}}"#.utf8)
        #expect(throws: DeskDecodingError.unsupportedVersion(3)) { try Command.decode(future) }
        let unknown = Array(#"{"v":1,"time":1,"actor":{"system":{}},"type":"launchRocket","body":{}}"#.utf8)
        #expect(throws: DeskDecodingError.malformed(#"unknown command type "launchRocket""#)) { try Command.decode(unknown) }
        #expect(throws: DeskDecodingError.self) { try Command.decode(Array("{".utf8)) }
        var desk = Harness.populated().desk
        let before = desk.snapshotData()
        let outcome = desk.apply(encodedCommand: future, index: 100)
        #expect(outcome.result == .failure(CommandError(.invalid, "undecodable command: unsupported format version 3")))
        #expect(desk.snapshotData() == before)
    }

    /// Format 2 refuses control characters in labels and names; an entry of format 1 in a log
    /// (written by an earlier build) still applies as it did, and keeps its format through an
    /// encoding, so every build applies the same entries the same way.
    @Test func controlCharactersAreRefusedFromFormatTwoOn() throws {
        let bodies: [(Command.Action, String)] = [
            (.createConversation(CreateConversation(id: "v8", customer: .existing(id: "c1"), channel: .web, tags: ["late\u{7}"])),
             "tag must not contain control characters"),
            (.createConversation(CreateConversation(id: "v9", customer: .existing(id: "c1"), channel: .web, queue: "sales\u{1B}[2J")),
             "queue must not contain control characters"),
            (.createTeam(CreateTeam(id: "t9", name: "Night\nshift", description: "")), "name must not contain control characters"),
            (.createCustomer(CreateCustomer(id: "c9", name: "An\u{85}n", email: nil)), "name must not contain control characters"),
        ]
        for (action, message) in bodies {
            var desk = Harness.populated().desk
            let before = desk.snapshotData()
            let current = Command(time: time, actor: .adminToken, action: action)
            let refused = desk.apply(try Command.decode(current.encoded()), index: 100)
            #expect(refused.result == .failure(CommandError(.invalid, message)))
            let unchanged = desk.snapshotData() == before
            #expect(unchanged, "a refused command changes nothing")

            let earlier = Command(time: time, actor: .adminToken, action: action, formatVersion: 1)
            let decoded = try Command.decode(earlier.encoded())
            #expect(decoded.formatVersion == 1 && decoded == earlier)
            #expect(throws: Never.self) { try desk.apply(decoded, index: 101).result.get() }
            #expect(desk.limits.controlCharactersRefused, "the next command is checked by its own format")
        }
    }

    @Test func repliesRoundTrip() throws {
        let message = Message(
            id: "m", conversationID: "v", seq: 1, author: MessageAuthor(type: .agent, id: "a"), text: "t",
            attachments: [], internal: true, createdAt: time, index: 9)
        let replies = [
            DeskReply(result: .success(.message(message)), replayed: true),
            DeskReply(result: .failure(CommandError(.notFound, "conversation v")), replayed: false),
            DeskReply(result: .success(.cannedResponseDeleted(id: "r")), replayed: false),
        ]
        for reply in replies {
            #expect(try DeskReply.decode(reply.encoded()) == reply)
            #expect(try DeskReply.decode(DeskJSON.encode(reply)) == reply, "replies of earlier builds were JSON")
        }
        let error = String(decoding: DeskJSON.encode(replies[1]), as: UTF8.self)
        #expect(error == #"{"error":{"code":"notFound","message":"conversation v"},"v":1}"#)
    }

    @Test func recordsCarryTheirVersion() throws {
        let desk = Harness.populated().desk
        let team = try #require(desk.records().first { String(decoding: $0.key, as: UTF8.self) == "sd/team/t1" })
        #expect(team.value.first == BinaryCoding.marker)
        let text = String(decoding: DeskJSON.encode(try StoredRecord.decode(team.value)), as: UTF8.self)
        #expect(text.hasPrefix(#"{"type":"team","v":1,"value":{"#))
        #expect(try Desk(records: [(key: team.key, value: Array(text.utf8))]).records().map(\.value) == [team.value], "JSON records still load")
        let future = Array(text.replacingOccurrences(of: #""v":1"#, with: #""v":7"#).utf8)
        #expect(throws: DeskDecodingError.unsupportedVersion(7)) { try Desk(records: [(key: team.key, value: future)]) }
    }
}
