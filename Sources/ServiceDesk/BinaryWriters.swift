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

/// Writes one object: the header, then each field, whose keys must come in UTF-8 byte order
/// and must number `fieldCount`.
struct BinaryObjectWriter {
    let output: BinaryOutput
    #if DEBUG
    private var previousKey: String?
    private var remaining: Int
    #endif

    init(_ output: BinaryOutput, fieldCount: Int) {
        self.output = output
        output.bytes.append(BinaryCoding.Tag.object.rawValue)
        writeVarint(UInt64(fieldCount), to: &output.bytes)
        #if DEBUG
        remaining = fieldCount
        #endif
    }

    /// Starts the field `key`; its value is appended next.
    mutating func key(_ key: StaticString) {
        #if DEBUG
        let text = String(describing: key)
        precondition(previousKey.map { utf8Precedes($0, text) } ?? true, "fields out of key order at \(text)")
        previousKey = text
        remaining -= 1
        precondition(remaining >= 0, "more fields than announced at \(text)")
        #endif
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

    /// Checks, in debug builds, that every announced field was written.
    func end() {
        #if DEBUG
        precondition(remaining == 0, "\(remaining) announced fields were not written")
        #endif
    }
}

extension Message: BinaryWritable {
    func write(to output: BinaryOutput) throws {
        var object = BinaryObjectWriter(output, fieldCount: 9)
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
        var object = BinaryObjectWriter(output, fieldCount: 2)
        object.field("id", id)
        object.field("type", type.rawValue)
        object.end()
    }
}

extension Attachment: BinaryWritable {
    func write(to output: BinaryOutput) {
        var object = BinaryObjectWriter(output, fieldCount: 4)
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
        let optionalCount =
            one(assigneeID) + one(customerReadSeq) + one(firstResponseAt) + one(lastAssignedAt) + one(lastAssigneeID)
            + one(lastRoutedAt) + one(offer) + one(queue) + one(queueEnteredAt) + one(queuedAt)
            + one(rating) + one(resolvedAt) + one(sentiment) + one(staffReadSeq) + one(teamID)
        var object = BinaryObjectWriter(output, fieldCount: 12 + optionalCount)
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

/// 1 for a field that is present, 0 for one left out.
private func one<Value>(_ value: Value?) -> Int { value == nil ? 0 : 1 }

extension IdempotencyEntry: BinaryWritable {
    func write(to output: BinaryOutput) throws {
        var object = BinaryObjectWriter(output, fieldCount: 3)
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
        var outer = BinaryObjectWriter(output, fieldCount: 1)
        outer.key("message")
        var inner = BinaryObjectWriter(output, fieldCount: 1)
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
        var object = BinaryObjectWriter(output, fieldCount: 3)
        object.field("type", type)
        object.key("v")
        output.append(signed: Int64(Self.encodingVersion))
        object.key("value")
        try value.write(to: output)
        object.end()
    }
}
