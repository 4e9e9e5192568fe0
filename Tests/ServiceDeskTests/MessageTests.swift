import Testing
@testable import ServiceDesk

@Suite struct MessageTests {
    private func post(_ id: String, _ text: String = "hello", to conversationID: String = "v1", `internal`: Bool = false) -> Command.Action {
        .postMessage(PostMessage(conversationID: conversationID, messageID: id, text: text, internal: `internal`))
    }

    @Test func sequenceNumbersIncreaseWithoutGaps() {
        var harness = Harness.populated()
        for number in 1...25 {
            let actor = number.isMultiple(of: 2) ? Harness.customer : Harness.agent
            harness.ok(actor, post("m\(number)", internal: number % 10 == 5))
        }
        let all = harness.desk.messages(conversationID: "v1", limit: 100)
        #expect(all.map(\.seq) == Array(1...25))
        #expect(harness.desk.conversation(id: "v1")?.lastMessageSeq == 25)
        #expect(harness.desk.messages(conversationID: "v1", afterSeq: 20, limit: 3).map(\.seq) == [21, 22, 23])
    }

    @Test func customerMessageCarriesWholeMessageInEvent() throws {
        var harness = Harness.populated()
        let outcome = harness.run(
            Harness.customer,
            .postMessage(PostMessage(conversationID: "v1", messageID: "m1", text: "你好", attachments: [Attachment(name: "a.png", contentType: "image/png", bytes: 10, url: "https://files/a.png")])))
        let message = try #require(try outcome.result.get().message)
        #expect(message.author == MessageAuthor(type: .customer, id: "c1") && message.index == harness.index)
        #expect(outcome.events == [DeskEvent(type: .messageCreated, conversationID: "v1", payload: .message(message))])
        #expect(harness.desk.message(id: "m1") == message)
    }

    /// The messages read after a restart are the ones written, whichever form (binary, or
    /// JSON from earlier builds) their records have, and their ids stay taken.
    @Test func messagesLoadFromTheirRecordsAndReadTheSame() throws {
        var harness = Harness.populated()
        for number in 1...5 { harness.ok(number.isMultiple(of: 2) ? Harness.agent : Harness.customer, post("m\(number)", "text \(number)")) }
        let records = harness.desk.records()
        let restarted = try Desk(records: records)
        #expect(restarted == harness.desk)
        #expect(restarted.messages(conversationID: "v1", limit: 10) == harness.desk.messages(conversationID: "v1", limit: 10))
        #expect(restarted.message(id: "m4")?.text == "text 4")

        let isMessage = { (key: [UInt8]) in String(decoding: key, as: UTF8.self).hasPrefix("sd/message/") }
        let asJSON = try records.map { record in
            isMessage(record.key) ? (key: record.key, value: DeskJSON.encode(try StoredRecord.decode(record.value))) : record
        }
        let fromJSON = try Desk(records: asJSON)
        #expect(fromJSON == harness.desk)
        #expect(fromJSON.messages(conversationID: "v1", afterSeq: 3, limit: 10).map(\.text) == ["text 4", "text 5"])
        harness.desk = restarted
        harness.rejects(Harness.customer, post("m2"), .conflict)
    }

    @Test func messageKeysCompareInPlace() {
        for (conversationID, seq) in [("v1", UInt64(1)), ("a/b", 10), ("é", 12_345_678_901_234_567_890), ("", 0)] {
            let key = RecordKey.message(conversationID, seq: seq)
            #expect(RecordKey.isMessageKey(key, conversationID: conversationID, seq: seq))
            #expect(!RecordKey.isMessageKey(key, conversationID: conversationID, seq: seq + 1))
            #expect(!RecordKey.isMessageKey(key, conversationID: conversationID + "x", seq: seq))
            #expect(!RecordKey.isMessageKey(RecordKey.customer(conversationID), conversationID: conversationID, seq: seq))
        }
        #expect(!RecordKey.isMessageKey(RecordKey.message("v1", seq: 7), conversationID: "v2", seq: 7))
    }

    @Test func damagedMessageRecordsStopTheLoad() throws {
        var harness = Harness.populated()
        harness.ok(Harness.customer, post("m1"))
        harness.ok(Harness.customer, post("m2"))
        let records = harness.desk.records()
        let first = try #require(records.firstIndex { String(decoding: $0.key, as: UTF8.self).hasPrefix("sd/message/") })
        var swapped = records
        swapped[first].value = records[first + 1].value
        #expect(throws: DeskDecodingError.malformed("record stored under the wrong key")) { try Desk(records: swapped) }
        var truncated = records
        truncated[first].value.removeLast()
        #expect(throws: DeskDecodingError.self) { try Desk(records: truncated) }
        var otherKind = records
        otherKind[first].value = try #require(records.first { String(decoding: $0.key, as: UTF8.self).hasPrefix("sd/customer/") }).value
        #expect(throws: DeskDecodingError.malformed("record stored under the wrong key")) { try Desk(records: otherKind) }
        var missing = records
        missing.remove(at: first)
        #expect(throws: DeskDecodingError.malformed("messages of conversation v1 do not match it")) { try Desk(records: missing) }
    }

    @Test func internalNotesAreFlaggedAndHiddenFromCustomers() throws {
        var harness = Harness.populated()
        harness.ok(Harness.customer, post("m1"))
        let note = try #require(harness.ok(Harness.otherAgent, post("m2", "watch out", internal: true))?.message)
        #expect(note.internal && note.author.type == .agent)
        harness.ok(Harness.agent, post("m3", "hi there"))
        #expect(harness.desk.messages(conversationID: "v1", limit: 10, includeInternal: false).map(\.id) == ["m1", "m3"])
        #expect(harness.desk.conversation(id: "v1")?.firstResponseAt != nil)
    }

    @Test func firstResponseIgnoresInternalNotes() {
        var harness = Harness.populated()
        harness.ok(Harness.agent, post("m1", internal: true))
        #expect(harness.desk.conversation(id: "v1")?.firstResponseAt == nil)
        let outcome = harness.run(Harness.agent, post("m2"))
        #expect(outcome.events.map(\.type) == [.messageCreated, .conversationUpdated])
        #expect(harness.desk.conversation(id: "v1")?.firstResponseAt?.millisecondsSinceEpoch == harness.time)
    }

    @Test func customerMessageReopensResolvedConversation() {
        var harness = Harness.populated()
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v1", status: .resolved)))
        harness.ok(Harness.customer, post("m1"))
        #expect(harness.desk.conversation(id: "v1")?.status == .open)
        #expect(harness.desk.conversation(id: "v1")?.resolvedAt == nil)
    }

    @Test func systemSpeaksAsBotOrSystem() {
        var harness = Harness.populated()
        let bot = harness.ok(.system, .postMessage(PostMessage(conversationID: "v1", messageID: "m1", text: "Hi, I am Lily", botName: "Lily")))
        #expect(bot?.message?.author == MessageAuthor(type: .bot, id: "Lily"))
        let notice = harness.ok(.system, post("m2", "Assigned to Alex", internal: true))
        #expect(notice?.message?.author == MessageAuthor(type: .system, id: "system"))
    }

    @Test func postMessageRejections() {
        var harness = Harness.populated()
        harness.rejects(Harness.otherCustomer, post("m1"), .forbidden)
        harness.rejects(Harness.customer, post("m1", internal: true), .forbidden)
        harness.rejects(Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m1", text: "x", botName: "Lily")), .forbidden)
        harness.rejects(Harness.customer, post("m1", to: "nope"), .notFound)
        harness.rejects(Harness.customer, post("m1", "  \n"), .invalid)
        harness.rejects(Harness.customer, post("m1", String(repeating: "x", count: 64 * 1_024 + 1)), .invalid)
        harness.rejects(Harness.customer, post("bad id"), .invalid)
        harness.ok(Harness.customer, post("m1"))
        harness.rejects(Harness.customer, post("m1"), .conflict)
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("a1"))))
        harness.rejects(Harness.otherAgent, post("m2"), .forbidden)
        harness.ok(Harness.otherAgent, post("m2", internal: true))
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v1", status: .closed)))
        harness.rejects(Harness.customer, post("m3"), .conflict)
    }

    @Test func messageCountIsBounded() {
        var limits = DeskLimits()
        limits.messagesPerConversationMax = 3
        var harness = Harness.populated(limits: limits)
        for number in 1...3 { harness.ok(Harness.customer, post("m\(number)")) }
        harness.rejects(Harness.customer, post("m4"), .conflict)
    }

    @Test func attachmentLimits() {
        var harness = Harness.populated()
        let file = Attachment(name: "f", contentType: "text/plain", bytes: 1, url: "https://f")
        harness.ok(Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m1", text: "", attachments: [file])))
        harness.rejects(Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m2", text: "x", attachments: Array(repeating: file, count: 11))), .invalid)
        var negative = file
        negative.bytes = -1
        harness.rejects(Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m2", text: "x", attachments: [negative])), .invalid)
    }
}
