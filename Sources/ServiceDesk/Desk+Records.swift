/// Keys of the desk's records in the `state` column family. All start with ``prefix`` so the
/// desk can share the column family; numbers are zero-padded so keys sort numerically.
public enum RecordKey {
    /// The prefix of every desk record key.
    public static let prefix = "sd/"

    static func customer(_ id: String) -> [UInt8] { key("customer/" + id) }
    static func conversation(_ id: String) -> [UInt8] { conversationPrefixBytes + id.utf8 }
    /// Built byte by byte, as the idempotency and audit keys: every message post builds them.
    static func message(_ conversationID: String, seq: UInt64) -> [UInt8] {
        var key = messagePrefixBytes
        key.reserveCapacity(key.count + conversationID.utf8.count + 21)
        key.append(contentsOf: conversationID.utf8)
        key.append(UInt8(ascii: "/"))
        appendPadded(seq, to: &key)
        return key
    }

    /// Whether `key` is `message(conversationID, seq:)`, compared in place: reading a page of
    /// messages checks this for every message.
    static func isMessageKey(_ key: [UInt8], conversationID: String, seq: UInt64) -> Bool {
        guard let parts = messageKeyParts(key), parts.seq == seq else { return false }
        var id = conversationID
        return id.withUTF8 { $0.elementsEqual(parts.conversationID) }
    }

    private static let messagePrefixBytes = Array((prefix + "message/").utf8)

    /// The keys of every message record: `[start, end)`. Loads skip them; messages are read
    /// from the store when asked for (`MessagePage`).
    public static let messageKeys = (start: messagePrefixBytes, end: Array((prefix + "message0").utf8))

    /// Whether `key` is a message record's.
    static func isMessage(_ key: [UInt8]) -> Bool { key.starts(with: messagePrefixBytes) }

    /// The conversation id and seq of a message record's key, or nil for any other key.
    static func messageKeyParts(_ key: [UInt8]) -> (conversationID: ArraySlice<UInt8>, seq: UInt64)? {
        let idStart = messagePrefixBytes.count
        guard key.count >= idStart + 21, isMessage(key), key[key.count - 21] == UInt8(ascii: "/") else { return nil }
        var seq: UInt64 = 0
        for digit in key[(key.count - 20)...] {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflow) = seq.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            seq = sum
        }
        return (key[idStart..<(key.count - 21)], seq)
    }

    /// Where a conversation's last message record is: the last key at or before `before` that
    /// starts with `prefix`. A restart looks this up for every conversation in `conversations`
    /// (the conversation record keys) and hands the records found to `Desk.init(records:…)`.
    public static func lastMessageSearch(conversationKey: [UInt8]) -> (prefix: [UInt8], before: [UInt8])? {
        guard conversationKey.starts(with: conversationPrefixBytes) else { return nil }
        let id = conversationKey[conversationPrefixBytes.count...]
        let prefix = messagePrefixBytes + id + [UInt8(ascii: "/")]
        // Every seq is 20 digits, all of which sort before ":".
        return (prefix, prefix + [UInt8(ascii: ":")])
    }

    private static let conversationPrefixBytes = Array((prefix + "conversation/").utf8)

    static func staff(_ id: String) -> [UInt8] { key("staff/" + id) }
    static func team(_ id: String) -> [UInt8] { key("team/" + id) }
    static func cannedResponse(_ id: String) -> [UInt8] { key("canned_response/" + id) }
    static func audit(_ index: UInt64) -> [UInt8] {
        var key = auditPrefixBytes
        appendPadded(index, to: &key)
        return key
    }

    private static let auditPrefixBytes = Array((prefix + "audit/").utf8)
    /// An idempotency entry is stored under the log index that first applied its key: each
    /// new entry then lands at the end of the range and the oldest leave from its start, where
    /// RocksDB's memtable finds the place at once instead of searching (keys in client order
    /// cost two such searches per message, the entry and, later, its deletion).
    static func idempotency(index: UInt64) -> [UInt8] {
        var key = idempotencyPrefixBytes
        appendPadded(index, to: &key)
        return key
    }
    /// Where builds before index-keyed entries stored one: under its scoped key. Such records
    /// are still read, and deleted under that key when they leave the window.
    static func legacyIdempotency(_ scopedKey: String) -> [UInt8] { key("idempotency/" + scopedKey) }

    /// The scoped key of a record stored under `legacyIdempotency`, or nil for an index key
    /// (twenty digits; a scoped key always holds a `|`) or another record's key.
    static func legacyIdempotencyScopedKey(_ key: [UInt8]) -> String? {
        guard key.starts(with: idempotencyPrefixBytes) else { return nil }
        let suffix = key[idempotencyPrefixBytes.count...]
        guard suffix.contains(UInt8(ascii: "|")) else { return nil }
        return String(decoding: suffix, as: UTF8.self)
    }

    private static let idempotencyPrefixBytes = Array((prefix + "idempotency/").utf8)
    static let slots = key("slots")
    static func widget(_ id: String) -> [UInt8] { key("widget/" + id) }
    static func queue(_ id: String) -> [UInt8] { key("queue/" + id) }
    static func routingRule(_ id: String) -> [UInt8] { key("routing_rule/" + id) }
    static func ticket(_ id: String) -> [UInt8] { key("ticket/" + id) }
    static func ticketComment(_ ticketID: String, seq: UInt64) -> [UInt8] {
        key("ticket_comment/" + ticketID + "/" + padded(seq))
    }
    static func ticketHistory(_ ticketID: String, seq: UInt64) -> [UInt8] {
        key("ticket_history/" + ticketID + "/" + padded(seq))
    }
    static func slaPolicy(_ id: String) -> [UInt8] { key("sla_policy/" + id) }
    static func businessCalendar(_ id: String) -> [UInt8] { key("business_calendar/" + id) }
    static func outbox(_ index: UInt64, ordinal: Int) -> [UInt8] {
        key("outbox/" + padded(index) + "." + padded(UInt64(ordinal)))
    }
    static func channelWebhook(_ channel: Channel) -> [UInt8] { key("channel_webhook/" + channel.rawValue) }

    /// Whether `key` belongs to the desk.
    public static func isDeskKey(_ key: [UInt8]) -> Bool { key.starts(with: prefixBytes) }

    private static let prefixBytes = Array(prefix.utf8)
    private static func key(_ suffix: String) -> [UInt8] { prefixBytes + Array(suffix.utf8) }

    /// Appends `number` as 20 decimal digits (`UInt64.max` has 20), as `padded` writes it.
    private static func appendPadded(_ number: UInt64, to key: inout [UInt8]) {
        key.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 20))
        var rest = number
        var position = key.count - 1
        while rest > 0 {
            key[position] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            position -= 1
        }
    }

    private static func padded(_ number: UInt64) -> String {
        var digits: [UInt8] = []
        appendPadded(number, to: &digits)
        return String(decoding: digits, as: UTF8.self)
    }
}

/// One stored record: `{"v":1,"type":"customer","value":{…}}`. The version lets a later build
/// read records an older one wrote.
enum StoredRecord: Sendable, Hashable {
    case customer(Customer)
    case conversation(Conversation)
    case message(Message)
    case staff(StaffUser)
    case team(Team)
    case cannedResponse(CannedResponse)
    case audit(AuditEntry)
    case idempotency(IdempotencyEntry)
    case slots(SlotMap)
    case widget(Widget)
    case queue(Queue)
    case routingRule(RoutingRule)
    case ticket(Ticket)
    case ticketComment(TicketComment)
    case ticketHistory(TicketHistoryEntry)
    case slaPolicy(SLAPolicy)
    case businessCalendar(BusinessCalendar)
    case outbox(OutboxItem)
    case channelWebhook(ChannelWebhook)

    static let encodingVersion = 1

    func encoded() -> [UInt8] { DeskCoding.encode(self) }

    static func decode(_ bytes: [UInt8]) throws(DeskDecodingError) -> StoredRecord {
        try DeskCoding.decode(StoredRecord.self, from: bytes)
    }

    /// Whether `key` is the record's key; messages, most of a desk, are checked without
    /// building theirs.
    func isStored(under key: [UInt8]) -> Bool {
        switch self {
        case .message(let message):
            return RecordKey.isMessageKey(key, conversationID: message.conversationID, seq: message.seq)
        case .idempotency(let entry) where RecordKey.legacyIdempotencyScopedKey(key) != nil:
            return key == RecordKey.legacyIdempotency(entry.key)
        default:
            return self.key == key
        }
    }

    /// The key the record is stored under.
    var key: [UInt8] {
        switch self {
        case .customer(let value): RecordKey.customer(value.id)
        case .conversation(let value): RecordKey.conversation(value.id)
        case .message(let value): RecordKey.message(value.conversationID, seq: value.seq)
        case .staff(let value): RecordKey.staff(value.id)
        case .team(let value): RecordKey.team(value.id)
        case .cannedResponse(let value): RecordKey.cannedResponse(value.id)
        case .audit(let value): RecordKey.audit(value.index)
        case .idempotency(let value): RecordKey.idempotency(index: value.index)
        case .slots: RecordKey.slots
        case .widget(let value): RecordKey.widget(value.id)
        case .queue(let value): RecordKey.queue(value.id)
        case .routingRule(let value): RecordKey.routingRule(value.id)
        case .ticket(let value): RecordKey.ticket(value.id)
        case .ticketComment(let value): RecordKey.ticketComment(value.ticketID, seq: value.seq)
        case .ticketHistory(let value): RecordKey.ticketHistory(value.ticketID, seq: value.seq)
        case .slaPolicy(let value): RecordKey.slaPolicy(value.id)
        case .businessCalendar(let value): RecordKey.businessCalendar(value.id)
        case .outbox(let value): RecordKey.outbox(value.index, ordinal: value.ordinal)
        case .channelWebhook(let value): RecordKey.channelWebhook(value.channel)
        }
    }
}

extension StoredRecord: Codable {
    private enum CodingKeys: String, CodingKey {
        case version = "v", type, value
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard version == Self.encodingVersion else { throw DeskDecodingError.unsupportedVersion(version) }
        switch try container.decode(String.self, forKey: .type) {
        case "customer": self = .customer(try container.decode(Customer.self, forKey: .value))
        case "conversation": self = .conversation(try container.decode(Conversation.self, forKey: .value))
        case "message": self = .message(try container.decode(Message.self, forKey: .value))
        case "staff": self = .staff(try container.decode(StaffUser.self, forKey: .value))
        case "team": self = .team(try container.decode(Team.self, forKey: .value))
        case "canned_response": self = .cannedResponse(try container.decode(CannedResponse.self, forKey: .value))
        case "audit": self = .audit(try container.decode(AuditEntry.self, forKey: .value))
        case "idempotency": self = .idempotency(try container.decode(IdempotencyEntry.self, forKey: .value))
        case "slots": self = .slots(try container.decode(SlotMap.self, forKey: .value))
        case "widget": self = .widget(try container.decode(Widget.self, forKey: .value))
        case "queue": self = .queue(try container.decode(Queue.self, forKey: .value))
        case "routing_rule": self = .routingRule(try container.decode(RoutingRule.self, forKey: .value))
        case "ticket": self = .ticket(try container.decode(Ticket.self, forKey: .value))
        case "ticket_comment": self = .ticketComment(try container.decode(TicketComment.self, forKey: .value))
        case "ticket_history": self = .ticketHistory(try container.decode(TicketHistoryEntry.self, forKey: .value))
        case "sla_policy": self = .slaPolicy(try container.decode(SLAPolicy.self, forKey: .value))
        case "business_calendar": self = .businessCalendar(try container.decode(BusinessCalendar.self, forKey: .value))
        case "outbox": self = .outbox(try container.decode(OutboxItem.self, forKey: .value))
        case "channel_webhook": self = .channelWebhook(try container.decode(ChannelWebhook.self, forKey: .value))
        case let type: throw DeskDecodingError.malformed("unknown record type \"\(type)\"")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.encodingVersion, forKey: .version)
        switch self {
        case .customer(let value): try encode(value, as: "customer", into: &container)
        case .conversation(let value): try encode(value, as: "conversation", into: &container)
        case .message(let value): try encode(value, as: "message", into: &container)
        case .staff(let value): try encode(value, as: "staff", into: &container)
        case .team(let value): try encode(value, as: "team", into: &container)
        case .cannedResponse(let value): try encode(value, as: "canned_response", into: &container)
        case .audit(let value): try encode(value, as: "audit", into: &container)
        case .idempotency(let value): try encode(value, as: "idempotency", into: &container)
        case .slots(let value): try encode(value, as: "slots", into: &container)
        case .widget(let value): try encode(value, as: "widget", into: &container)
        case .queue(let value): try encode(value, as: "queue", into: &container)
        case .routingRule(let value): try encode(value, as: "routing_rule", into: &container)
        case .ticket(let value): try encode(value, as: "ticket", into: &container)
        case .ticketComment(let value): try encode(value, as: "ticket_comment", into: &container)
        case .ticketHistory(let value): try encode(value, as: "ticket_history", into: &container)
        case .slaPolicy(let value): try encode(value, as: "sla_policy", into: &container)
        case .businessCalendar(let value): try encode(value, as: "business_calendar", into: &container)
        case .outbox(let value): try encode(value, as: "outbox", into: &container)
        case .channelWebhook(let value): try encode(value, as: "channel_webhook", into: &container)
        }
    }

    private func encode<Value: Encodable>(
        _ value: Value, as type: String, into container: inout KeyedEncodingContainer<CodingKeys>
    ) throws {
        try container.encode(type, forKey: .type)
        try container.encode(value, forKey: .value)
    }
}

extension Desk {
    /// Every record the desk holds in memory as (key, value), sorted by key: what the `state`
    /// column family holds for this desk after all the ``ApplyOutcome/changes`` so far were
    /// written, but the messages, which only the store keeps.
    public func records() -> [(key: [UInt8], value: [UInt8])] {
        var all: [StoredRecord] = []
        all += customers.values.map(StoredRecord.customer)
        all += conversations.values.map(StoredRecord.conversation)
        all += staff.values.map(StoredRecord.staff)
        all += teams.values.map(StoredRecord.team)
        all += cannedResponses.values.map(StoredRecord.cannedResponse)
        all += audit.elements.map(StoredRecord.audit)
        if slots != SlotMap() { all.append(.slots(slots)) }
        all += widgets.values.map(StoredRecord.widget)
        all += queues.values.map(StoredRecord.queue)
        all += routingRules.values.map(StoredRecord.routingRule)
        all += ticketRecords()
        let idempotencyRecords = idempotency.entries.values.map {
            (key: idempotency.recordKey(of: $0), value: StoredRecord.idempotency($0).encoded())
        }
        return (all.map { (key: $0.key, value: $0.encoded()) } + idempotencyRecords).sorted { $0.key.lexicographicallyPrecedes($1.key) }
    }

    /// Loads a desk from its stored records (the restart path). Keys without the desk's
    /// prefix are skipped, so the caller may pass a whole column family. Of the message
    /// records, which stay in the store (`MessagePage`), only each conversation's last is read:
    /// it holds the conversation's tail when the conversation record does not
    /// (`Conversation.onlyTailAdvanced`).
    public init(records: some Sequence<(key: [UInt8], value: [UInt8])>, limits: DeskLimits = .standard) throws(DeskDecodingError) {
        try self.init(records: Array(records), decodingWorkers: 1, limits: limits)
    }

    /// Like `init(records:)`, decoding on `decodingWorkers` threads first: decoding is most of
    /// a restart. The desk is the same: records are still taken in their stored order.
    /// `lastMessages` are message records the caller found in the store beside `records`
    /// (each conversation's last, see `RecordKey.lastMessageSearch`); a restart passes the
    /// records without the messages and these.
    public init(
        records: [(key: [UInt8], value: [UInt8])], lastMessages: [(key: [UInt8], value: [UInt8])] = [],
        decodingWorkers: Int, limits: DeskLimits = .standard
    ) throws(DeskDecodingError) {
        let chunks = inParallelChunks(count: records.count, workers: decodingWorkers) { range in
            Result { () throws(DeskDecodingError) -> [StoredRecord] in
                var decoded: [StoredRecord] = []
                decoded.reserveCapacity(range.count)
                for (key, value) in records[range] where RecordKey.isDeskKey(key) && !RecordKey.isMessage(key) {
                    decoded.append(try Self.decodeRecord(key: key, value: value))
                }
                return decoded
            }
        }
        // Taken chunk by chunk, not joined into one array: a record is a large value, and a
        // copy of them all costs a restart a tenth of a second in copying and fresh pages.
        let decoded = try chunks.map { chunk throws(DeskDecodingError) in try chunk.get() }.joined()
        let tails = try Self.lastMessages(among: lastMessages + records.filter { RecordKey.isMessage($0.key) })
        let legacyIdempotencyKeys = Set(records.lazy.compactMap { RecordKey.legacyIdempotencyScopedKey($0.key) })
        try self.init(decoded: decoded, tails: tails, legacyIdempotencyKeys: legacyIdempotencyKeys, limits: limits)
    }

    /// Each conversation's last message among `records` (message records in any order),
    /// decoded; only those are, however many messages there are.
    private static func lastMessages(among records: [(key: [UInt8], value: [UInt8])]) throws(DeskDecodingError) -> [Message] {
        var last: [ArraySlice<UInt8>: (seq: UInt64, position: Int)] = [:]
        for (position, record) in records.enumerated() {
            guard let (conversation, seq) = RecordKey.messageKeyParts(record.key) else {
                throw .malformed("not a message record key")
            }
            if let found = last[conversation], found.seq >= seq { continue }
            last[conversation] = (seq, position)
        }
        var messages: [Message] = []
        for (_, found) in last {
            let record = records[found.position]
            guard case .message(let message) = try decodeRecord(key: record.key, value: record.value) else {
                throw .malformed("a message key holds another record")
            }
            messages.append(message)
        }
        return messages
    }

    private static func decodeRecord(key: [UInt8], value: [UInt8]) throws(DeskDecodingError) -> StoredRecord {
        let record = try StoredRecord.decode(value)
        guard record.isStored(under: key) else { throw .malformed("record stored under the wrong key") }
        return record
    }

    private init(
        decoded: FlattenSequence<[[StoredRecord]]>, tails: [Message], legacyIdempotencyKeys: Set<String>, limits: DeskLimits
    ) throws(DeskDecodingError) {
        self.init(limits: limits)
        reserveCapacity(for: decoded)
        var auditEntries: [AuditEntry] = []
        var idempotencyEntries: [IdempotencyEntry] = []
        for record in decoded {
            switch record {
            case .customer(let customer): customers[customer.id] = customer
            case .conversation(let conversation): conversations[conversation.id] = conversation
            case .message: break
            case .staff(let user): staff[user.id] = user
            case .team(let team): teams[team.id] = team
            case .cannedResponse(let response): cannedResponses[response.id] = response
            case .audit(let entry): auditEntries.append(entry)
            case .idempotency(let entry): idempotencyEntries.append(entry)
            case .slots(let map):
                guard map.isWellFormed else { throw .malformed("the slot map has the wrong size") }
                slots = map
            case .widget(let widget): widgets[widget.id] = widget
            case .queue(let queue): queues[queue.id] = queue
            case .routingRule(let rule): routingRules[rule.id] = rule
            case .ticket, .ticketComment, .ticketHistory, .slaPolicy, .businessCalendar, .outbox, .channelWebhook:
                loadTicketRecord(record)
            }
        }
        audit = FIFO(auditEntries.sorted { $0.index < $1.index })
        idempotency = IdempotencyTable(entries: idempotencyEntries, legacyKeys: legacyIdempotencyKeys)
        try advanceTails(to: tails)
        try rebuildDerivedState()
    }

    /// Brings each conversation up to its last stored message, before anything is derived
    /// from the conversations.
    private mutating func advanceTails(to messages: [Message]) throws(DeskDecodingError) {
        for message in messages {
            guard conversations[message.conversationID] != nil else {
                throw .malformed("message \(message.id) of a missing conversation \(message.conversationID)")
            }
            conversations[message.conversationID]!.advanceTail(to: message)
        }
    }

    /// Sizes the largest tables once: growing them a hundred thousand entries at a time
    /// rehashes each several times.
    private mutating func reserveCapacity(for decoded: FlattenSequence<[[StoredRecord]]>) {
        var customerCount = 0
        var conversationCount = 0
        for record in decoded {
            switch record {
            case .customer: customerCount += 1
            case .conversation: conversationCount += 1
            default: break
            }
        }
        customers.reserveCapacity(customerCount)
        customerIDByExternalID.reserveCapacity(customerCount)
        conversations.reserveCapacity(conversationCount)
        newestConversationIDs.reserveCapacity(customerCount)
    }

    /// Rebuilds the lookup indexes and checks what apply guarantees: references to existing
    /// entities. Messages are not loaded, so a damaged message record shows when it is read.
    private mutating func rebuildDerivedState() throws(DeskDecodingError) {
        for customer in customers.values { indexExternalIDs(of: customer) }
        for user in staff.values { staffIDByEmail[user.email] = user.id }
        for conversation in conversations.values {
            guard customers[conversation.customerID] != nil else {
                throw .malformed("conversation \(conversation.id) names a missing customer")
            }
            noteNewest(conversation)
        }
        conversationOrder = CreationOrder(conversations.values)
        try rebuildRouting()
        try rebuildTicketState()
        totals = DeskTotals(conversations: conversations.values, tickets: tickets.values)
    }

    /// The state held in memory as bytes (every record but the messages), identical on every
    /// replica that applied the same commands: the magic `SDS1`, then each record (sorted by key) as a 4-byte big-endian key length,
    /// the key, a 4-byte big-endian value length and the value.
    public func snapshotData() -> [UInt8] {
        var bytes = Self.snapshotMagic
        for record in records() {
            Self.appendLengthPrefixed(record.key, to: &bytes)
            Self.appendLengthPrefixed(record.value, to: &bytes)
        }
        return bytes
    }

    /// Restores a desk from ``snapshotData()``.
    public init(snapshot: [UInt8], limits: DeskLimits = .standard) throws(DeskDecodingError) {
        guard snapshot.starts(with: Self.snapshotMagic) else { throw .malformed("not a desk snapshot") }
        var reader = SnapshotReader(bytes: snapshot, offset: Self.snapshotMagic.count)
        var records: [(key: [UInt8], value: [UInt8])] = []
        while !reader.isAtEnd {
            records.append((key: try reader.readLengthPrefixed(), value: try reader.readLengthPrefixed()))
        }
        try self.init(records: records, limits: limits)
    }

    private static let snapshotMagic = Array("SDS1".utf8)

    private static func appendLengthPrefixed(_ field: [UInt8], to bytes: inout [UInt8]) {
        let length = UInt32(field.count)
        bytes += [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)]
        bytes += field
    }
}

/// Reads the length-prefixed fields of a snapshot, failing on truncation.
private struct SnapshotReader {
    let bytes: [UInt8]
    var offset: Int

    var isAtEnd: Bool { offset == bytes.count }

    mutating func readLengthPrefixed() throws(DeskDecodingError) -> [UInt8] {
        guard bytes.count - offset >= 4 else { throw .malformed("truncated snapshot") }
        let length = bytes[offset..<offset + 4].reduce(0) { Int($0) << 8 | Int($1) }
        offset += 4
        guard bytes.count - offset >= length else { throw .malformed("truncated snapshot") }
        defer { offset += length }
        return Array(bytes[offset..<offset + length])
    }
}
