/// Values read from the binary form by hand rather than through their `Codable` conformance:
/// the records a restart loads by the hundred thousand (customers, conversations, audit and
/// idempotency entries) and the message, which an idempotency entry and every page of messages holds.
/// They accept exactly what the `Codable` path accepts (`BinaryInput.decode(_:at:handWritten:)`
/// with `false`), which the tests compare over many values: fields in key order, fields a later
/// build added skipped, optional fields absent or null.
protocol BinaryReadable {
    init(binary input: BinaryInput, at offset: Int) throws
}

/// Reads one object's fields. Keys must be asked for in UTF-8 byte order, the order they are
/// written in; a field that is not asked for is skipped.
struct BinaryObjectReader {
    let input: BinaryInput
    private var position: Int
    private var remaining: Int

    init(_ input: BinaryInput, at offset: Int, as type: Any.Type) throws {
        guard input.tag(at: offset) == .object else { throw input.mismatch(type, at: offset, expected: "an object") }
        self.input = input
        position = offset + 1
        remaining = try BinaryInput.readCount(input.bytes, &position)
    }

    /// Where the value of `key` starts, or `nil` if the object has no such field (or it is null).
    mutating func offset(of key: StaticString) throws -> Int? {
        while remaining > 0 {
            var cursor = position
            let length = try BinaryInput.readCount(input.bytes, &cursor)
            let order = input.bytes.withUnsafeBufferPointer { stored in
                byteOrder(UnsafeBufferPointer(rebasing: stored[cursor..<(cursor + length)]), UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            }
            if order > 0 { return nil }
            let valueOffset = cursor + length
            position = try BinaryInput.skip(input.bytes, at: valueOffset, depth: 0)
            remaining -= 1
            if order == 0 { return input.isNull(at: valueOffset) ? nil : valueOffset }
        }
        return nil
    }

    /// The value of `key` read by `body`, which is handed its offset; a failure names the key.
    mutating func read<Value>(_ key: StaticString, _ body: (Int) throws -> Value) throws -> Value {
        guard let offset = try offset(of: key) else {
            throw DecodingError.keyNotFound(BinaryPathKey(stringValue: "\(key)"), .init(codingPath: [], debugDescription: "no value for \(key)"))
        }
        return try Self.naming(key) { try body(offset) }
    }

    mutating func readIfPresent<Value>(_ key: StaticString, _ body: (Int) throws -> Value) throws -> Value? {
        guard let offset = try offset(of: key) else { return nil }
        return try Self.naming(key) { try body(offset) }
    }

    static func naming<Value>(_ key: StaticString, _ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch let error as DecodingError {
            throw error.nested(under: BinaryPathKey(stringValue: "\(key)"))
        }
    }

    mutating func string(_ key: StaticString) throws -> String { let input = self.input; return try read(key) { try input.string(at: $0) } }
    mutating func stringIfPresent(_ key: StaticString) throws -> String? { let input = self.input; return try readIfPresent(key) { try input.string(at: $0) } }
    mutating func unsigned(_ key: StaticString) throws -> UInt64 { let input = self.input; return try read(key) { try input.integer(UInt64.self, at: $0) } }
    mutating func unsignedIfPresent(_ key: StaticString) throws -> UInt64? { let input = self.input; return try readIfPresent(key) { try input.integer(UInt64.self, at: $0) } }
    mutating func bool(_ key: StaticString) throws -> Bool { let input = self.input; return try read(key) { try input.bool(at: $0) } }
    mutating func time(_ key: StaticString) throws -> Timestamp { let input = self.input; return try read(key) { try input.timestamp(at: $0) } }
    mutating func timeIfPresent(_ key: StaticString) throws -> Timestamp? { let input = self.input; return try readIfPresent(key) { try input.timestamp(at: $0) } }

    mutating func value<Value: Decodable>(_ key: StaticString, as type: Value.Type = Value.self) throws -> Value {
        let input = self.input
        return try read(key) { try input.decode(type, at: $0) }
    }

    mutating func valueIfPresent<Value: Decodable>(_ key: StaticString, as type: Value.Type = Value.self) throws -> Value? {
        let input = self.input
        return try readIfPresent(key) { try input.decode(type, at: $0) }
    }

    mutating func attachments(_ key: StaticString) throws -> [Attachment] {
        let input = self.input
        return try read(key) { try input.array(at: $0) { try Attachment(binary: input, at: $0) } }
    }

    /// A string-backed enum, as its synthesized conformance reads it.
    mutating func raw<Value: RawRepresentable>(_ key: StaticString, as type: Value.Type = Value.self) throws -> Value where Value.RawValue == String {
        let input = self.input
        return try read(key) { offset in
            let text = try input.string(at: offset)
            guard let value = Value(rawValue: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "Cannot initialize \(Value.self) from invalid String value \(text)"))
            }
            return value
        }
    }
}

extension BinaryInput {
    func timestamp(at offset: Int) throws -> Timestamp {
        Timestamp(millisecondsSinceEpoch: try integer(Int64.self, at: offset))
    }

    /// The elements of the array at `offset`, each read by `body`.
    func array<Element>(at offset: Int, _ body: (Int) throws -> Element) throws -> [Element] {
        guard tag(at: offset) == .array else { throw mismatch([Element].self, at: offset, expected: "an array") }
        var position = offset + 1
        let count = try Self.readCount(bytes, &position)
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for index in 0..<count {
            do {
                elements.append(try body(position))
            } catch let error as DecodingError {
                throw error.nested(under: BinaryPathKey(intValue: index))
            }
            position = try Self.skip(bytes, at: position, depth: 0)
        }
        return elements
    }
}

extension Message: BinaryReadable {
    init(binary input: BinaryInput, at offset: Int) throws {
        var object = try BinaryObjectReader(input, at: offset, as: Message.self)
        attachments = try object.attachments("attachments")
        author = try object.read("author") { try MessageAuthor(binary: input, at: $0) }
        conversationID = try object.string("conversationID")
        createdAt = try object.time("createdAt")
        id = try object.string("id")
        index = try object.unsigned("index")
        `internal` = try object.bool("internal")
        seq = try object.unsigned("seq")
        text = try object.string("text")
    }
}

extension MessageAuthor: BinaryReadable {
    init(binary input: BinaryInput, at offset: Int) throws {
        var object = try BinaryObjectReader(input, at: offset, as: MessageAuthor.self)
        id = try object.string("id")
        type = try object.raw("type")
    }
}

extension Attachment: BinaryReadable {
    init(binary input: BinaryInput, at offset: Int) throws {
        var object = try BinaryObjectReader(input, at: offset, as: Attachment.self)
        bytes = try object.read("bytes") { try input.integer(Int64.self, at: $0) }
        contentType = try object.string("contentType")
        name = try object.string("name")
        url = try object.string("url")
    }
}

extension Conversation: BinaryReadable {
    init(binary input: BinaryInput, at offset: Int) throws {
        var object = try BinaryObjectReader(input, at: offset, as: Conversation.self)
        assigneeID = try object.stringIfPresent("assigneeID")
        channel = try object.raw("channel")
        createdAt = try object.time("createdAt")
        customerID = try object.string("customerID")
        customerReadSeq = try object.unsignedIfPresent("customerReadSeq")
        declinedBy = try object.readIfPresent("declinedBy") { try input.array(at: $0) { try input.string(at: $0) } } ?? []
        firstResponseAt = try object.timeIfPresent("firstResponseAt")
        id = try object.string("id")
        language = try object.string("language")
        lastAssignedAt = try object.timeIfPresent("lastAssignedAt")
        lastAssigneeID = try object.stringIfPresent("lastAssigneeID")
        lastMessageSeq = try object.unsigned("lastMessageSeq")
        lastRoutedAt = try object.timeIfPresent("lastRoutedAt")
        offer = try object.valueIfPresent("offer")
        priority = try object.raw("priority")
        queue = try object.stringIfPresent("queue")
        queueEnteredAt = try object.timeIfPresent("queueEnteredAt")
        queuedAt = try object.timeIfPresent("queuedAt")
        rating = try object.valueIfPresent("rating")
        resolvedAt = try object.timeIfPresent("resolvedAt")
        sentiment = try object.valueIfPresent("sentiment")
        staffReadSeq = try object.unsignedIfPresent("staffReadSeq")
        status = try object.raw("status")
        subject = try object.string("subject")
        tags = try object.read("tags") { try input.array(at: $0) { try input.string(at: $0) } }
        teamID = try object.stringIfPresent("teamID")
        updatedAt = try object.time("updatedAt")
        settleWaitOfEarlierRecord()
    }
}

extension Customer: BinaryReadable {
    init(binary input: BinaryInput, at offset: Int) throws {
        var object = try BinaryObjectReader(input, at: offset, as: Customer.self)
        attributes = try object.value("attributes")
        createdAt = try object.time("createdAt")
        email = try object.stringIfPresent("email")
        externalIDs = try object.value("externalIDs")
        id = try object.string("id")
        language = try object.stringIfPresent("language")
        name = try object.string("name")
        phone = try object.stringIfPresent("phone")
        tier = try object.raw("tier")
        updatedAt = try object.time("updatedAt")
    }
}

extension IdempotencyEntry: BinaryReadable {
    init(binary input: BinaryInput, at offset: Int) throws {
        var object = try BinaryObjectReader(input, at: offset, as: IdempotencyEntry.self)
        index = try object.unsigned("index")
        key = try object.string("key")
        result = try object.value("result")
    }
}

extension DeskResult: BinaryReadable {
    /// A message or conversation result by hand, from the synthesized form `{"message": {"_0": …}}`;
    /// the others through `Codable`, and so is an object of other than one key, which `Codable`
    /// reads by the keys it knows (ignoring any other).
    init(binary input: BinaryInput, at offset: Int) throws {
        guard try input.objectCount(at: offset) == 1 else {
            self = try DeskResult(from: BinaryDecoderImpl(input: input, offset: offset))
            return
        }
        var probe = try BinaryObjectReader(input, at: offset, as: DeskResult.self)
        if let payload = try probe.offset(of: "conversation") {
            var fields = try BinaryObjectReader(input, at: payload, as: DeskResult.self)
            let conversation = try fields.value("_0", as: Conversation.self)
            self = .conversation(conversation, customer: try fields.value("customer"))
        } else if let payload = try probe.offset(of: "message") {
            var fields = try BinaryObjectReader(input, at: payload, as: DeskResult.self)
            self = .message(try fields.value("_0"))
        } else {
            self = try DeskResult(from: BinaryDecoderImpl(input: input, offset: offset))
        }
    }
}

extension StoredRecord: BinaryReadable {
    init(binary input: BinaryInput, at offset: Int) throws {
        var object = try BinaryObjectReader(input, at: offset, as: StoredRecord.self)
        let type = try object.string("type")
        let version = try object.read("v") { try input.integer(Int.self, at: $0) }
        guard version == Self.encodingVersion else { throw DeskDecodingError.unsupportedVersion(version) }
        switch type {
        case "customer": self = .customer(try object.value("value"))
        case "conversation": self = .conversation(try object.value("value"))
        case "message": self = .message(try object.value("value"))
        case "idempotency": self = .idempotency(try object.value("value"))
        case "audit": self = .audit(try object.value("value"))
        default: self = try StoredRecord(from: BinaryDecoderImpl(input: input, offset: offset))
        }
    }
}

extension AuditEntry: BinaryReadable {
    init(binary input: BinaryInput, at offset: Int) throws {
        var object = try BinaryObjectReader(input, at: offset, as: AuditEntry.self)
        action = try object.string("action")
        actor = try object.read("actor") { try Actor(binary: input, at: $0) }
        details = try object.string("details")
        index = try object.unsigned("index")
        target = try object.string("target")
        time = try object.time("time")
    }
}

extension Actor: BinaryReadable {
    /// The synthesized form: one key naming the case, holding an object of its values. An
    /// object of other than one key goes to `Codable`, which reads it by the keys it knows.
    init(binary input: BinaryInput, at offset: Int) throws {
        guard try input.objectCount(at: offset) == 1 else {
            self = try Actor(from: BinaryDecoderImpl(input: input, offset: offset))
            return
        }
        var probe = try BinaryObjectReader(input, at: offset, as: Actor.self)
        if let values = try probe.offset(of: "adminToken") {
            _ = try BinaryObjectReader(input, at: values, as: Actor.self)
            self = .adminToken
        } else if let values = try probe.offset(of: "customer") {
            var fields = try BinaryObjectReader(input, at: values, as: Actor.self)
            self = .customer(id: try fields.string("id"))
        } else if let values = try probe.offset(of: "staff") {
            var fields = try BinaryObjectReader(input, at: values, as: Actor.self)
            let id = try fields.string("id")
            self = .staff(id: id, role: try fields.raw("role"))
        } else if let values = try probe.offset(of: "system") {
            _ = try BinaryObjectReader(input, at: values, as: Actor.self)
            self = .system
        } else {
            self = try Actor(from: BinaryDecoderImpl(input: input, offset: offset))
        }
    }
}

extension DeskReply: BinaryReadable {
    /// The version first, as the `Codable` form checks it, then the fields in key order.
    init(binary input: BinaryInput, at offset: Int) throws {
        var probe = try BinaryObjectReader(input, at: offset, as: DeskReply.self)
        let version = try probe.read("v") { try input.integer(Int.self, at: $0) }
        guard version == Self.encodingVersion else { throw DeskDecodingError.unsupportedVersion(version) }
        var object = try BinaryObjectReader(input, at: offset, as: DeskReply.self)
        let error = try object.valueIfPresent("error", as: CommandError.self)
        let replayed = try object.readIfPresent("replayed") { try input.bool(at: $0) } ?? false
        if let error {
            self.init(result: .failure(error), replayed: replayed)
        } else {
            self.init(result: .success(try object.value("result", as: DeskResult.self)), replayed: replayed)
        }
    }
}
