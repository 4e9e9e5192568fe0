/// Values written to the binary form by hand rather than through their `Codable` conformance:
/// the records every message post writes on every node (the message, its conversation and the
/// idempotency entry that holds the message again). Going through `Encoder` costs an encoder
/// object per nested value, a container existential per field and a sort of each object's keys;
/// here each field is appended in key order directly.
///
/// The bytes are exactly those of the `Codable` path (`BinaryOutput(handWritten: false)`), which
/// the tests compare over many values, so readers cannot tell the two apart.
protocol BinaryWritable {
    func write(to output: BinaryOutput) throws
}

/// Writes one object: the header, then each field, whose keys must come in UTF-8 byte order.
/// `end()` fills in the field count, so callers never count their optional fields.
struct BinaryObjectWriter {
    let output: BinaryOutput
    /// Where the count goes: one byte, because a hand-written object has fewer than 128 fields
    /// (a varint under 128 is that byte).
    private let countPosition: Int
    private var count = 0
    #if DEBUG
    private var previousKey: String?
    #endif

    init(_ output: BinaryOutput) {
        self.output = output
        output.bytes.append(BinaryCoding.Tag.object.rawValue)
        countPosition = output.bytes.count
        output.bytes.append(0)
    }

    /// Starts the field `key`; its value is appended next.
    mutating func key(_ key: StaticString) {
        #if DEBUG
        let text = String(describing: key)
        precondition(previousKey.map { utf8Precedes($0, text) } ?? true, "fields out of key order at \(text)")
        previousKey = text
        #endif
        count += 1
        writeVarint(UInt64(key.utf8CodeUnitCount), to: &output.bytes)
        output.bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
    }

    mutating func field(_ key: StaticString, _ value: String) {
        self.key(key)
        output.append(value)
    }

    mutating func field(_ key: StaticString, _ value: UInt64) {
        self.key(key)
        output.append(unsigned: value)
    }

    mutating func field(_ key: StaticString, _ value: Timestamp) {
        self.key(key)
        output.append(signed: value.millisecondsSinceEpoch)
    }

    mutating func field(_ key: StaticString, _ value: Bool) {
        self.key(key)
        output.append(value)
    }

    mutating func field(_ key: StaticString, _ value: [String]) {
        self.key(key)
        output.bytes.append(BinaryCoding.Tag.array.rawValue)
        writeVarint(UInt64(value.count), to: &output.bytes)
        for element in value { output.append(element) }
    }

    mutating func field(_ key: StaticString, _ value: [Attachment]) {
        self.key(key)
        output.bytes.append(BinaryCoding.Tag.array.rawValue)
        writeVarint(UInt64(value.count), to: &output.bytes)
        for attachment in value { attachment.write(to: output) }
    }

    /// Any other value, through the general path (which still writes hand-written types by hand).
    mutating func field<Value: Encodable>(_ key: StaticString, _ value: Value) throws {
        self.key(key)
        try output.append(value)
    }

    /// An optional field is left out when `nil`, as `encodeIfPresent` does.
    mutating func fieldIfPresent(_ key: StaticString, _ value: String?) {
        if let value { field(key, value) }
    }

    mutating func fieldIfPresent(_ key: StaticString, _ value: UInt64?) {
        if let value { field(key, value) }
    }

    mutating func fieldIfPresent(_ key: StaticString, _ value: Timestamp?) {
        if let value { field(key, value) }
    }

    mutating func fieldIfPresent<Value: Encodable>(_ key: StaticString, _ value: Value?) throws {
        if let value { try field(key, value) }
    }

    /// Writes the field count; every object ends with this.
    func end() {
        precondition(count < 0x80, "a hand-written object has fewer than 128 fields")
        output.bytes[countPosition] = UInt8(count)
    }
}

extension Message: BinaryWritable {
    func write(to output: BinaryOutput) throws {
        var object = BinaryObjectWriter(output)
        object.field("attachments", attachments)
        object.key("author")
        author.write(to: output)
        object.field("conversationID", conversationID)
        object.field("createdAt", createdAt)
        object.field("id", id)
        object.field("index", index)
        object.field("internal", `internal`)
        object.field("seq", seq)
        object.field("text", text)
        object.end()
    }
}

extension MessageAuthor: BinaryWritable {
    func write(to output: BinaryOutput) {
        var object = BinaryObjectWriter(output)
        object.field("id", id)
        object.field("type", type.rawValue)
        object.end()
    }
}

extension Attachment: BinaryWritable {
    func write(to output: BinaryOutput) {
        var object = BinaryObjectWriter(output)
        object.key("bytes")
        output.append(signed: bytes)
        object.field("contentType", contentType)
        object.field("name", name)
        object.field("url", url)
        object.end()
    }
}

extension Conversation: BinaryWritable {
    func write(to output: BinaryOutput) throws {
        var object = BinaryObjectWriter(output)
        object.fieldIfPresent("assigneeID", assigneeID)
        object.field("channel", channel.rawValue)
        object.field("createdAt", createdAt)
        object.field("customerID", customerID)
        object.fieldIfPresent("customerReadSeq", customerReadSeq)
        object.field("declinedBy", declinedBy)
        object.fieldIfPresent("firstResponseAt", firstResponseAt)
        object.field("id", id)
        object.field("language", language)
        object.fieldIfPresent("lastAssignedAt", lastAssignedAt)
        object.fieldIfPresent("lastAssigneeID", lastAssigneeID)
        object.field("lastMessageSeq", lastMessageSeq)
        object.fieldIfPresent("lastRoutedAt", lastRoutedAt)
        try object.fieldIfPresent("offer", offer)
        object.field("priority", priority.rawValue)
        object.fieldIfPresent("queue", queue)
        object.fieldIfPresent("queueEnteredAt", queueEnteredAt)
        object.fieldIfPresent("queuedAt", queuedAt)
        try object.fieldIfPresent("rating", rating)
        object.fieldIfPresent("resolvedAt", resolvedAt)
        try object.fieldIfPresent("sentiment", sentiment)
        object.fieldIfPresent("staffReadSeq", staffReadSeq)
        object.field("status", status.rawValue)
        object.field("subject", subject)
        object.field("tags", tags)
        object.fieldIfPresent("teamID", teamID)
        object.field("updatedAt", updatedAt)
        object.end()
    }
}

extension IdempotencyEntry: BinaryWritable {
    func write(to output: BinaryOutput) throws {
        var object = BinaryObjectWriter(output)
        object.field("index", index)
        object.field("key", key)
        try object.field("result", result)
        object.end()
    }
}

extension DeskResult: BinaryWritable {
    /// A message result by hand, as the synthesized form `{"message": {"_0": …}}`; the others,
    /// rarer on the write path, through `Codable`.
    func write(to output: BinaryOutput) throws {
        guard case .message(let message) = self else { return try output.appendCodable(self) }
        var outer = BinaryObjectWriter(output)
        outer.key("message")
        var inner = BinaryObjectWriter(output)
        try inner.field("_0", message)
        inner.end()
        outer.end()
    }
}

extension StoredRecord: BinaryWritable {
    /// The envelope `{"type": …, "v": 1, "value": …}` by hand for the records of a message post;
    /// the others through `Codable`.
    func write(to output: BinaryOutput) throws {
        let type: String
        let value: any BinaryWritable
        switch self {
        case .conversation(let conversation): (type, value) = ("conversation", conversation)
        case .message(let message): (type, value) = ("message", message)
        case .idempotency(let entry): (type, value) = ("idempotency", entry)
        default: return try output.appendCodable(self)
        }
        var object = BinaryObjectWriter(output)
        object.field("type", type)
        object.key("v")
        output.append(signed: Int64(Self.encodingVersion))
        object.key("value")
        try value.write(to: output)
        object.end()
    }
}

extension DeskReply: BinaryWritable {
    /// `{"error"?, "replayed"?, "result"?, "v"}`: the answer a leader sends back for every
    /// message posted at another node.
    func write(to output: BinaryOutput) throws {
        var object = BinaryObjectWriter(output)
        if case .failure(let error) = result { try object.field("error", error) }
        if replayed { object.field("replayed", true) }
        if case .success(let value) = result { try object.field("result", value) }
        object.key("v")
        output.append(signed: Int64(Self.encodingVersion))
        object.end()
    }
}
