import Testing

@testable import ServiceDesk

/// The hand-written binary forms write exactly the bytes of the `Codable` path.
@Suite struct BinaryWriterTests {
    private func expectSameBytes<Value: Encodable>(_ value: Value, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let general = try BinaryCoding.encode(value, handWritten: false)
        let byHand = try BinaryCoding.encode(value)
        #expect(byHand == general, "\(value)", sourceLocation: sourceLocation)
    }

    private let time = Timestamp(millisecondsSinceEpoch: 1_764_000_000_123)

    @Test func messagesAuthorsAndAttachments() throws {
        let file = Attachment(name: "收据.pdf", contentType: "application/pdf", bytes: -1, url: "https://files/r")
        for attachments in [[], [file], [file, file]] {
            for author in [MessageAuthor(type: .customer, id: "c1"), MessageAuthor(type: .bot, id: "Lily")] {
                let message = Message(
                    id: "m-1", conversationID: "v/é", seq: 300, author: author, text: "你好 \u{0}",
                    attachments: attachments, internal: attachments.count == 1, createdAt: time, index: .max)
                try expectSameBytes(message)
                try expectSameBytes(StoredRecord.message(message))
                try expectSameBytes(DeskResult.message(message))
                try expectSameBytes(StoredRecord.idempotency(IdempotencyEntry(key: "customer:c1|k", index: 9, result: .message(message))))
            }
        }
    }

    @Test func conversationsWithAndWithoutEachOptionalField() throws {
        let bare = Conversation(id: "v1", customerID: "c1", channel: .wechat, language: "zh", subject: "", createdAt: time, updatedAt: time)
        var full = bare
        full.assigneeID = "a1"
        full.customerReadSeq = 3
        full.firstResponseAt = time
        full.lastAssignedAt = time
        full.lastAssigneeID = "a0"
        full.lastRoutedAt = time
        full.offer = Offer(agentID: "a2", offeredAt: time, expiresAt: time.adding(seconds: 30))
        full.queue = "support"
        full.queueEnteredAt = time
        full.queuedAt = time
        full.rating = ConversationRating(score: 4, comment: "ok", ratedAt: time)
        full.resolvedAt = time
        full.sentiment = .angry
        full.staffReadSeq = 2
        full.teamID = "t1"
        full.tags = ["late", "order"]
        full.declinedBy = ["a3"]
        full.lastMessageSeq = 12
        full.priority = .urgent
        full.status = .pending
        let customer = Customer(id: "c1", name: "Li", createdAt: time, updatedAt: time)
        for conversation in [bare, full] {
            try expectSameBytes(conversation)
            try expectSameBytes(StoredRecord.conversation(conversation))
            try expectSameBytes(IdempotencyEntry(key: "k", index: 1, result: .conversation(conversation, customer: customer)))
        }
    }

    /// Every record a random workload writes, re-encoded through `Codable`, is the stored bytes.
    @Test(arguments: [3, 17] as [UInt64])
    func everyStoredRecordMatches(seed: UInt64) throws {
        var generator = CommandGenerator(seed: seed)
        var desk = Desk()
        var store = RecordStore()
        for index in 1...1_500 as ClosedRange<UInt64> { store.write(desk.apply(generator.next(), index: index).changes) }
        var kinds = Set<String>()
        for (key, value) in store.sorted {
            let record = try StoredRecord.decode(value)
            #expect(try BinaryCoding.encode(record, handWritten: false) == value)
            kinds.insert(String(String(decoding: key, as: UTF8.self).split(separator: "/")[1]))
        }
        #expect(kinds.isSuperset(of: ["message", "conversation", "idempotency"]))
    }
}
