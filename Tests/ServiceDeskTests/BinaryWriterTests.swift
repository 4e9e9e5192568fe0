import Testing

@testable import ServiceDesk

/// The hand-written binary forms write exactly the bytes of the `Codable` path.
@Suite struct BinaryWriterTests {
    /// Both ways of writing give the same bytes, and both ways of reading give the value back.
    private func expectSameBytes<Value: Codable & Equatable>(_ value: Value, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let general = try BinaryCoding.encode(value, handWritten: false)
        let byHand = try BinaryCoding.encode(value)
        #expect(byHand == general, "\(value)", sourceLocation: sourceLocation)
        #expect(try BinaryCoding.decode(Value.self, from: byHand) == value, sourceLocation: sourceLocation)
        #expect(try BinaryCoding.decode(Value.self, from: byHand, handWritten: false) == value, sourceLocation: sourceLocation)
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
        let store = RecordStore.written(byRandomCommands: 1_500, seed: seed)
        var kinds = Set<String>()
        for (key, value) in store.sorted {
            let record = try StoredRecord.decode(value)
            #expect(try BinaryCoding.encode(record, handWritten: false) == value)
            kinds.insert(String(String(decoding: key, as: UTF8.self).split(separator: "/")[1]))
        }
        #expect(kinds.isSuperset(of: ["message", "conversation", "idempotency"]))
    }
}

/// The hand-written binary readers read what the `Codable` path reads, and refuse what it refuses.
/// The answer to a forwarded proposal, written and read by hand, against the `Codable` path.
@Suite struct BinaryReplyTests {
    private let message = Message(
        id: "m1", conversationID: "v1", seq: 4, author: MessageAuthor(type: .customer, id: "c1"), text: "hi",
        attachments: [], internal: false, createdAt: Timestamp(millisecondsSinceEpoch: 9), index: 12)

    private var replies: [DeskReply] {
        let customer = Customer(id: "c1", name: "Ada", createdAt: Timestamp(millisecondsSinceEpoch: 1), updatedAt: Timestamp(millisecondsSinceEpoch: 2))
        let results: [Result<DeskResult, CommandError>] = [
            .success(.message(message)), .success(.customer(customer)), .success(.cannedResponseDeleted(id: "r1")),
            .failure(CommandError(.notFound, "conversation v9")), .failure(CommandError(.conflict, "closed")),
        ]
        return results.flatMap { result in [false, true].map { DeskReply(result: result, replayed: $0) } }
    }

    @Test func everyShapeWritesTheCodableBytesAndReadsBack() throws {
        for reply in replies {
            let byHand = try BinaryCoding.encode(reply)
            #expect(byHand == (try BinaryCoding.encode(reply, handWritten: false)), "\(reply)")
            #expect(try BinaryCoding.decode(DeskReply.self, from: byHand) == reply)
            #expect(try DeskReply.decode(reply.encoded()) == reply)
        }
    }

    struct Other: Codable {
        var error: String?
        var replayed: Int?
        var result: [String: [String: String]]?
        var v: Int?
    }

    /// A later version, missing or mistyped fields: both ways fail alike (or agree).
    @Test func damagedRepliesFailBothWays() throws {
        let shapes = [
            Other(v: 2), Other(v: 1), Other(replayed: 1, v: 1), Other(error: "x", v: 1), Other(result: ["team": ["_0": "x"]], v: 1),
            Other(result: ["message": ["_0": "x"]], v: 1), Other(), Other(result: ["message": [:]], v: nil),
        ]
        for shape in shapes {
            let bytes = try BinaryCoding.encode(shape)
            let general = Result { try BinaryCoding.decode(DeskReply.self, from: bytes, handWritten: false) }
            let byHand = Result { try BinaryCoding.decode(DeskReply.self, from: bytes) }
            switch (general, byHand) {
            case (.success(let expected), .success(let actual)): #expect(actual == expected)
            case (.failure(let expected as DeskDecodingError), .failure(let actual as DeskDecodingError)): #expect(actual == expected)
            case (.failure(let expected), .failure(let actual)): #expect(!(expected is DeskDecodingError) && !(actual is DeskDecodingError))
            default: Issue.record("\(shape): Codable \(general), by hand \(byHand)")
            }
        }
        #expect(throws: DeskDecodingError.unsupportedVersion(2)) { try BinaryCoding.decode(DeskReply.self, from: try BinaryCoding.encode(Other(v: 2))) }
    }
}

@Suite struct BinaryReaderTests {
    private func expectSameValue<Value: Codable & Equatable>(
        _ type: Value.Type, from bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let general = Result { try BinaryCoding.decode(type, from: bytes, handWritten: false) }
        let byHand = Result { try BinaryCoding.decode(type, from: bytes) }
        switch (general, byHand) {
        case (.success(let expected), .success(let actual)): #expect(actual == expected, sourceLocation: sourceLocation)
        case (.failure, .failure): break
        default: Issue.record("Codable: \(general), by hand: \(byHand)", sourceLocation: sourceLocation)
        }
    }

    /// Every record a random workload stores reads back the same both ways.
    @Test(arguments: [5, 23] as [UInt64])
    func everyStoredRecordReadsTheSame(seed: UInt64) throws {
        let store = RecordStore.written(byRandomCommands: 1_500, seed: seed)
        for (_, value) in store.sorted {
            #expect(try BinaryCoding.decode(StoredRecord.self, from: value) == BinaryCoding.decode(StoredRecord.self, from: value, handWritten: false))
        }
    }

    struct LaterMessage: Codable {
        var attachments: [ServiceDesk.Attachment] = []
        var author = MessageAuthor(type: .agent, id: "a1")
        var conversationID = "v1"
        var createdAt = Timestamp(millisecondsSinceEpoch: 5)
        var edited: Bool? = true
        var id = "m1"
        var index: UInt64 = 3
        var `internal` = false
        var seq: UInt64 = 1
        var text: String? = "hi"
        var zone: [String: Int]? = ["a": 1]
    }

    /// Fields a later build added are skipped; missing, null or mistyped fields fail both ways.
    @Test func unknownMissingAndMistypedFields() throws {
        expectSameValue(Message.self, from: try BinaryCoding.encode(LaterMessage()))
        #expect(try BinaryCoding.decode(Message.self, from: try BinaryCoding.encode(LaterMessage())).text == "hi")
        var withoutText = LaterMessage()
        withoutText.text = nil
        expectSameValue(Message.self, from: try BinaryCoding.encode(withoutText))
        #expect(throws: (any Error).self) { try BinaryCoding.decode(Message.self, from: try BinaryCoding.encode(withoutText)) }
        struct Mistyped: Codable { var id = 7 }
        expectSameValue(Message.self, from: try BinaryCoding.encode(Mistyped()))
        expectSameValue(Conversation.self, from: try BinaryCoding.encode(Mistyped()))
        expectSameValue(Customer.self, from: try BinaryCoding.encode(Mistyped()))
        expectSameValue(StoredRecord.self, from: try BinaryCoding.encode(Mistyped()))
        expectSameValue(DeskResult.self, from: try BinaryCoding.encode(["message": ["_0": Mistyped()], "team": ["_0": Mistyped()]]))
    }

    @Test func auditEntriesOfEveryActor() throws {
        let actors: [Actor] = [.adminToken, .staff(id: "s1", role: .supervisor), .customer(id: "c1"), .system]
        for actor in actors {
            let entry = AuditEntry(index: 7, time: Timestamp(millisecondsSinceEpoch: 3), actor: actor, action: "team.create", target: "t1", details: "")
            let bytes = try BinaryCoding.encode(StoredRecord.audit(entry))
            expectSameValue(StoredRecord.self, from: bytes)
            #expect(try BinaryCoding.decode(StoredRecord.self, from: bytes) == .audit(entry))
        }
        expectSameValue(Actor.self, from: try BinaryCoding.encode(["staff": ["id": "s1", "role": "owner"]]))
        expectSameValue(Actor.self, from: try BinaryCoding.encode(["staff": ["id": "s1"], "system": [:]]))
        expectSameValue(Actor.self, from: try BinaryCoding.encode(["robot": [String: String]()]))
    }

    /// A conversation record from before routing existed gets the same wait both ways.
    @Test func earlierConversationRecords() throws {
        struct Early: Codable {
            var id = "v1", customerID = "c1", channel = "web", status = "open", queue: String? = "support"
            var priority = "normal", tags: [String] = [], language = "en", subject = ""
            var createdAt: Int64 = 1, updatedAt: Int64 = 9, lastMessageSeq: UInt64 = 0
        }
        let bytes = try BinaryCoding.encode(Early())
        expectSameValue(Conversation.self, from: bytes)
        #expect(try BinaryCoding.decode(Conversation.self, from: bytes).queuedAt == Timestamp(millisecondsSinceEpoch: 9))
    }
}

/// The message command by hand, every other command through `Codable`: same bytes, same values.
@Suite struct BinaryCommandTests {
    @Test func messageCommandsOfEveryActor() throws {
        let file = ServiceDesk.Attachment(name: "a.png", contentType: "image/png", bytes: 10, url: "https://files/a.png")
        let actors: [Actor] = [.adminToken, .staff(id: "s1", role: .agent), .customer(id: "c1"), .system]
        for (actor, format) in zip(actors, [1, 2, 1, 2]) {
            for key in [nil, "k-1"] as [String?] {
                for body in [
                    PostMessage(conversationID: "v1", messageID: "m1", text: "你好"),
                    PostMessage(conversationID: "v1", messageID: "m2", text: "", attachments: [file, file], internal: true, botName: "Lily"),
                ] {
                    let command = Command(
                        time: Timestamp(millisecondsSinceEpoch: -5), actor: actor, idempotencyKey: key, action: .postMessage(body),
                        formatVersion: format)
                    let bytes = command.encoded()
                    #expect(bytes == (try BinaryCoding.encode(command, handWritten: false)))
                    #expect(try Command.decode(bytes) == command)
                    #expect(try BinaryCoding.decode(Command.self, from: bytes, handWritten: false) == command)
                }
            }
        }
    }

    /// Every command of a random workload, message or not, encodes and decodes the same both ways.
    @Test func randomCommandsMatch() throws {
        var generator = CommandGenerator(seed: 31)
        for _ in 0..<1_000 {
            let command = generator.next()
            let bytes = command.encoded()
            #expect(bytes == (try BinaryCoding.encode(command, handWritten: false)))
            #expect(try Command.decode(bytes) == command)
        }
    }

    /// A damaged message command fails both ways and names the field.
    @Test func damagedMessageCommandsAreRefused() throws {
        struct Body: Codable { var conversationID = "v1", messageID = 7, text = "x", `internal` = false, attachments: [String] = [] }
        struct Envelope: Codable { var v = 1, time: Int64 = 1, actor = ["system": [String: String]()], type = "postMessage", body = Body() }
        let bytes = try BinaryCoding.encode(Envelope())
        #expect(throws: (any Error).self) { try BinaryCoding.decode(Command.self, from: bytes, handWritten: false) }
        #expect(throws: DeskDecodingError.self) { try Command.decode(bytes) }
        do {
            _ = try Command.decode(bytes)
        } catch {
            #expect("\(error)".contains("body") && "\(error)".contains("messageID"))
        }
        var future = Envelope()
        future.v = 3
        #expect(throws: DeskDecodingError.unsupportedVersion(3)) { try Command.decode(try BinaryCoding.encode(future)) }
    }
}

/// The hand-written coders name every stored property; one added later would be dropped
/// silently, so the count of each type's properties is pinned here.
@Suite struct HandWrittenCoderCoverageTests {
    private func propertyCount(_ value: Any) -> Int { Mirror(reflecting: value).children.count }

    @Test func everyPropertyIsCoded() {
        let time = Timestamp(millisecondsSinceEpoch: 0)
        let message = Message(
            id: "m", conversationID: "v", seq: 1, author: MessageAuthor(type: .agent, id: "a"), text: "",
            attachments: [], internal: false, createdAt: time, index: 1)
        let reminder = "a property was added: write and read it in BinaryWriters, BinaryReaders and BinaryCommands"
        #expect(propertyCount(message) == 9, "\(reminder)")
        #expect(propertyCount(MessageAuthor(type: .agent, id: "a")) == 2, "\(reminder)")
        #expect(propertyCount(ServiceDesk.Attachment(name: "", contentType: "", bytes: 0, url: "")) == 4, "\(reminder)")
        #expect(propertyCount(Conversation(id: "v", customerID: "c", channel: .web, language: "", subject: "", createdAt: time, updatedAt: time)) == 27, "\(reminder)")
        #expect(propertyCount(Customer(id: "c", name: "", createdAt: time, updatedAt: time)) == 10, "\(reminder)")
        #expect(propertyCount(IdempotencyEntry(key: "k", index: 1, result: .message(message))) == 3, "\(reminder)")
        #expect(propertyCount(DeskReply(result: .success(.message(message)), replayed: false)) == 2, "\(reminder)")
        #expect(propertyCount(AuditEntry(index: 1, time: time, actor: .system, action: "", target: "", details: "")) == 6, "\(reminder)")
        #expect(propertyCount(PostMessage(conversationID: "v", messageID: "m", text: "")) == 6, "\(reminder)")
        #expect(propertyCount(Command(time: time, actor: .system, action: .postMessage(PostMessage(conversationID: "v", messageID: "m", text: "")))) == 5, "\(reminder)")
    }
}
