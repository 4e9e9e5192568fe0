import Testing
@testable import ServiceDesk

@Suite struct MessageTests {
    private func post(_ id: String, _ text: String = "hello", to conversationID: String = "v1", `internal`: Bool = false) -> Command.Action {
        .postMessage(PostMessage(conversationID: conversationID, messageID: id, text: text, internal: `internal`))
    }

    @Test func sequenceNumbersIncreaseWithoutGaps() throws {
        var harness = Harness.populated()
        for number in 1...25 {
            let actor = number.isMultiple(of: 2) ? Harness.customer : Harness.agent
            harness.ok(actor, post("m\(number)", internal: number % 10 == 5))
        }
        let all = try harness.messages("v1", limit: 100)
        #expect(all.map(\.seq) == Array(1...25))
        #expect(harness.desk.conversation(id: "v1")?.lastMessageSeq == 25)
        #expect(try harness.messages("v1", afterSeq: 20, limit: 3).map(\.seq) == [21, 22, 23])
        #expect(try harness.messages("v1", afterSeq: 20, limit: 3, includeInternal: false).map(\.seq) == [21, 22, 23])
        #expect(try harness.messages("v1", afterSeq: 3, limit: 3, includeInternal: false).map(\.seq) == [4, 6, 7])
        #expect(try harness.messages("v1", afterSeq: 25, limit: 3).isEmpty)
        // Any number a client sends: past the last seq is an empty page, not an overflow.
        #expect(try harness.messages("v1", afterSeq: 26, limit: 3).isEmpty)
        #expect(try harness.messages("v1", afterSeq: .max, limit: 3).isEmpty)
    }

    @Test func customerMessageCarriesWholeMessageInEvent() throws {
        var harness = Harness.populated()
        let outcome = harness.run(
            Harness.customer,
            .postMessage(PostMessage(conversationID: "v1", messageID: "m1", text: "你好", attachments: [Attachment(name: "a.png", contentType: "image/png", bytes: 10, url: "https://files/a.png")])))
        let message = try #require(try outcome.result.get().message)
        #expect(message.author == MessageAuthor(type: .customer, id: "c1") && message.index == harness.index)
        #expect(outcome.events == [DeskEvent(type: .messageCreated, conversationID: "v1", payload: .message(message))])
        #expect(try harness.message(id: "m1") == message)
    }

    /// A restart loads no message; the messages read afterwards are the ones written, whichever
    /// form (binary, or JSON from earlier builds) their records have, and seqs go on from there.
    @Test func messagesReadFromTheirRecordsAfterARestart() throws {
        var harness = Harness.populated()
        for number in 1...5 { harness.ok(number.isMultiple(of: 2) ? Harness.agent : Harness.customer, post("m\(number)", "text \(number)")) }
        let restarted = try Desk(records: harness.store.sorted)
        #expect(restarted == harness.desk)
        let page = try #require(restarted.messagePage(conversationID: "v1", limit: 10))
        #expect(try page.read(from: harness.store) == harness.messages("v1", limit: 10))

        var asJSON = RecordStore()
        for (key, value) in harness.store.sorted {
            asJSON.records[key] = RecordKey.isMessage(key) ? DeskJSON.encode(try StoredRecord.decode(value)) : value
        }
        let fromJSON = try Desk(records: asJSON.sorted)
        #expect(fromJSON == harness.desk)
        let later = try #require(fromJSON.messagePage(conversationID: "v1", afterSeq: 3, limit: 10))
        #expect(try later.read(from: asJSON).map(\.text) == ["text 4", "text 5"])

        harness.desk = restarted
        harness.ok(Harness.customer, post("m6"))
        #expect(try harness.messages("v1", afterSeq: 4, limit: 10).map(\.seq) == [5, 6])
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

    /// The keys every message post builds byte by byte are the text forms that older builds
    /// wrote: a prefix, the id, and numbers as 20 zero-padded digits.
    @Test func keysBuiltByteByByteAreTheirTextForms() {
        let edges: [UInt64] = [0, 1, 9, 10, 99, 100, 12_345, UInt64.max - 1, UInt64.max]
        let numbers = edges + (0..<500).map { _ in UInt64.random(in: 0...UInt64.max) >> UInt64.random(in: 0...63) }
        for number in numbers {
            let digits = String(number)
            let padded = String(repeating: "0", count: 20 - digits.count) + digits
            #expect(RecordKey.message("v1", seq: number) == Array("sd/message/v1/\(padded)".utf8))
            #expect(RecordKey.idempotency(index: number) == Array("sd/idempotency/\(padded)".utf8))
            #expect(RecordKey.audit(number) == Array("sd/audit/\(padded)".utf8))
            #expect(RecordKey.messageKeyParts(RecordKey.message("v-1.a:b", seq: number)).map { Array($0.conversationID) } == Array("v-1.a:b".utf8))
            #expect(RecordKey.messageKeyParts(RecordKey.message("v-1.a:b", seq: number))?.seq == number)
        }
        #expect(RecordKey.conversation("v-1.a:b") == Array("sd/conversation/v-1.a:b".utf8))
        #expect(RecordKey.messageKeyParts(RecordKey.conversation("v1")) == nil)
        #expect(RecordKey.messageKeyParts(Array("sd/message/v1/99999999999999999999".utf8)) == nil, "more than UInt64.max")
        #expect(RecordKey.messageKeyParts(Array("sd/message/v1/0000000000000000000x".utf8)) == nil)
    }

    /// Message records are read when asked for, not at load; a damaged one is reported then.
    @Test func damagedMessageRecordsAreReportedWhenRead() throws {
        var harness = Harness.populated()
        harness.ok(Harness.customer, post("m1"))
        harness.ok(Harness.customer, post("m2"))
        let first = RecordKey.message("v1", seq: 1)
        let page = try #require(harness.desk.messagePage(conversationID: "v1", limit: 10))
        let damaged = DeskDecodingError.malformed("message 1 of conversation v1 is damaged")
        var swapped = harness.store
        swapped.records[first] = harness.store.records[RecordKey.message("v1", seq: 2)]
        #expect(throws: damaged) { try page.read(from: swapped) }
        var otherKind = harness.store
        otherKind.records[first] = harness.store.records[RecordKey.customer("c1")]
        #expect(throws: damaged) { try page.read(from: otherKind) }
        var truncated = harness.store
        truncated.records[first]?.removeLast()
        #expect(throws: DeskDecodingError.self) { try page.read(from: truncated) }
        var missing = harness.store
        missing.records[first] = nil
        #expect(throws: DeskDecodingError.malformed("messages of conversation v1 are missing")) { try page.read(from: missing) }
        #expect(try Desk(records: truncated.sorted) == harness.desk, "a load reads only each conversation's last message")
        // The last message is read: a load refuses it damaged, of another kind, or orphaned.
        let last = RecordKey.message("v1", seq: 2)
        var damagedLast = harness.store
        damagedLast.records[last]?.removeLast()
        #expect(throws: DeskDecodingError.self) { try Desk(records: damagedLast.sorted) }
        var lastOfOtherKind = harness.store
        lastOfOtherKind.records[last] = harness.store.records[RecordKey.customer("c1")]
        #expect(throws: DeskDecodingError.malformed("record stored under the wrong key")) { try Desk(records: lastOfOtherKind.sorted) }
        var orphaned = harness.store
        orphaned.records[RecordKey.conversation("v1")] = nil
        #expect(throws: DeskDecodingError.malformed("message m2 of a missing conversation v1")) { try Desk(records: orphaned.sorted) }
    }

    /// A post that changes nothing but the conversation's tail (last seq, update time) writes
    /// the message record alone; a load takes the tail from it. A post that changes more (the
    /// first staff reply sets the first-response time) writes the conversation too.
    @Test func tailOnlyPostsWriteTheMessageAloneAndALoadRestoresTheTail() throws {
        var harness = Harness.populated()
        harness.ok(Harness.customer, post("m1"))
        let storedAfterFirst = harness.store.records[RecordKey.conversation("v1")]
        harness.ok(Harness.customer, post("m2"))
        harness.ok(Harness.customer, post("m3"))
        #expect(harness.store.records[RecordKey.conversation("v1")] == storedAfterFirst)
        #expect(try Desk(records: harness.store.sorted) == harness.desk)
        #expect(try harness.store.loadedAsOnRestart() == harness.desk)
        #expect(try Desk(records: harness.store.sorted).conversation(id: "v1")?.lastMessageSeq == 3)

        harness.ok(Harness.agent, post("m4", "on it"))
        let stored = try StoredRecord.decode(try #require(harness.store.records[RecordKey.conversation("v1")]))
        #expect(stored == .conversation(try #require(harness.desk.conversation(id: "v1"))))
        #expect(try Desk(records: harness.store.sorted) == harness.desk)
    }

    @Test func internalNotesAreFlaggedAndHiddenFromCustomers() throws {
        var harness = Harness.populated()
        harness.ok(Harness.customer, post("m1"))
        let note = try #require(harness.ok(Harness.otherAgent, post("m2", "watch out", internal: true))?.message)
        #expect(note.internal && note.author.type == .agent)
        harness.ok(Harness.agent, post("m3", "hi there"))
        #expect(try harness.messages("v1", limit: 10, includeInternal: false).map(\.id) == ["m1", "m3"])
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
