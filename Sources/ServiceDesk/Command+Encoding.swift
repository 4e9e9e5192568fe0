import Foundation

/// Why bytes could not be decoded as a command, record or snapshot.
public enum DeskDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes carry a format version this build does not know.
    case unsupportedVersion(Int)
    /// The bytes are not a well-formed value of the expected shape.
    case malformed(String)

    public var description: String {
        switch self {
        case .unsupportedVersion(let version): "unsupported format version \(version)"
        case .malformed(let reason): "malformed data: \(reason)"
        }
    }
}

/// The JSON coders every stored or replicated byte goes through: sorted keys make the bytes a
/// function of the value alone, which snapshots compared across replicas rely on.
enum DeskJSON {
    static func encode<Value: Encodable>(_ value: Value) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            // Every encoded type is built from strings, integers, booleans and containers of
            // them, which JSONEncoder cannot fail on; a failure is a programming error.
            preconditionFailure("JSON encoding of \(Value.self) failed: \(error)")
        }
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws(DeskDecodingError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DeskDecodingError {
            throw error
        } catch {
            throw .malformed(String(describing: error))
        }
    }
}

/// The coders of the write path. New bytes are binary (`BinaryCoding`): commands, records and
/// replies go through every node's apply, where JSON text cost most of the CPU. Decoding also
/// accepts JSON, the form earlier builds wrote, told apart by the first byte.
enum DeskCoding {
    static func encode<Value: Encodable>(_ value: Value) -> [UInt8] {
        do {
            return try BinaryCoding.encode(value)
        } catch {
            // Encodable conformances here only throw on programming errors.
            preconditionFailure("binary encoding of \(Value.self) failed: \(error)")
        }
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws(DeskDecodingError) -> Value {
        guard bytes.first == BinaryCoding.marker else { return try DeskJSON.decode(type, from: bytes) }
        do {
            return try BinaryCoding.decode(type, from: bytes)
        } catch let error as DeskDecodingError {
            throw error
        } catch {
            throw .malformed(String(describing: error))
        }
    }
}

extension Command: Codable {
    /// The command format this build writes. Decoding accepts every version listed in
    /// ``decodableVersions``; samples of each are kept in the tests. The layout is the same in
    /// both; what differs is what apply accepts:
    /// - 1: labels and names may hold control characters.
    /// - 2: labels (tags, queues, skills, shortcuts) and names refuse them.
    public static let encodingVersion = 2
    /// The command format versions this build can decode.
    public static let decodableVersions: ClosedRange<Int> = 1...2

    private enum CodingKeys: String, CodingKey {
        case version = "v", time, actor, idempotencyKey, type, body
    }

    /// Encodes the command in the binary form (`DeskCoding`), fields sorted.
    public func encoded() -> [UInt8] { DeskCoding.encode(self) }

    /// Decodes a command, rejecting unknown versions and unknown command types.
    public static func decode(_ bytes: [UInt8]) throws(DeskDecodingError) -> Command {
        try DeskCoding.decode(Command.self, from: bytes)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard Self.decodableVersions.contains(version) else { throw DeskDecodingError.unsupportedVersion(version) }
        time = try container.decode(Timestamp.self, forKey: .time)
        actor = try container.decode(Actor.self, forKey: .actor)
        idempotencyKey = try container.decodeIfPresent(String.self, forKey: .idempotencyKey)
        let type = try container.decode(String.self, forKey: .type)
        action = try Action.decode(type: type, from: container, forKey: .body)
        formatVersion = version
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(formatVersion, forKey: .version)
        try container.encode(time, forKey: .time)
        try container.encode(actor, forKey: .actor)
        try container.encodeIfPresent(idempotencyKey, forKey: .idempotencyKey)
        try container.encode(action.typeName, forKey: .type)
        try action.encodeBody(into: &container, forKey: .body)
    }
}

extension Command.Action {
    /// Whether applying the action twice leaves what applying it once does, so that it may
    /// be proposed again without an idempotency key: a typing signal (a second live event) and
    /// a read mark (the highest seq read wins). Such writes are frequent and take no place in
    /// the table of recent keys.
    public var repeatsHarmlessly: Bool {
        switch self {
        case .signalTyping, .markRead: true
        default: false
        }
    }

    /// The stable name of the operation in the encoded form.
    public var typeName: String {
        switch self {
        case .createCustomer: "createCustomer"
        case .updateCustomer: "updateCustomer"
        case .createConversation: "createConversation"
        case .updateConversation: "updateConversation"
        case .postMessage: "postMessage"
        case .createStaff: "createStaff"
        case .updateStaff: "updateStaff"
        case .setStaffStatus: "setStaffStatus"
        case .createTeam: "createTeam"
        case .updateTeam: "updateTeam"
        case .createCannedResponse: "createCannedResponse"
        case .updateCannedResponse: "updateCannedResponse"
        case .deleteCannedResponse: "deleteCannedResponse"
        case .assignSlots: "assignSlots"
        case .setDraining: "setDraining"
        case .createWidget: "createWidget"
        case .updateWidget: "updateWidget"
        case .signalTyping: "signalTyping"
        case .markRead: "markRead"
        case .createQueue: "createQueue"
        case .updateQueue: "updateQueue"
        case .createRoutingRule: "createRoutingRule"
        case .updateRoutingRule: "updateRoutingRule"
        case .deleteRoutingRule: "deleteRoutingRule"
        case .routeConversation: "routeConversation"
        case .expireOffer: "expireOffer"
        case .overflowConversation: "overflowConversation"
        case .acceptConversation: "acceptConversation"
        case .declineConversation: "declineConversation"
        case .transferConversation: "transferConversation"
        case .rerouteConversation: "rerouteConversation"
        case .setSentiment: "setSentiment"
        case .rateConversation: "rateConversation"
        case .createTicket: "createTicket"
        case .updateTicket: "updateTicket"
        case .addTicketComment: "addTicketComment"
        case .mergeTickets: "mergeTickets"
        case .createSLAPolicy: "createSLAPolicy"
        case .updateSLAPolicy: "updateSLAPolicy"
        case .createBusinessCalendar: "createBusinessCalendar"
        case .updateBusinessCalendar: "updateBusinessCalendar"
        case .recordSLABreach: "recordSLABreach"
        case .recordSLAWarning: "recordSLAWarning"
        case .remindAssignee: "remindAssignee"
        case .setChannelWebhook: "setChannelWebhook"
        case .recordOutboxDelivery: "recordOutboxDelivery"
        }
    }

    fileprivate func encodeBody<Key: CodingKey>(
        into container: inout KeyedEncodingContainer<Key>, forKey key: Key
    ) throws {
        switch self {
        case .createCustomer(let body): try container.encode(body, forKey: key)
        case .updateCustomer(let body): try container.encode(body, forKey: key)
        case .createConversation(let body): try container.encode(body, forKey: key)
        case .updateConversation(let body): try container.encode(body, forKey: key)
        case .postMessage(let body): try container.encode(body, forKey: key)
        case .createStaff(let body): try container.encode(body, forKey: key)
        case .updateStaff(let body): try container.encode(body, forKey: key)
        case .setStaffStatus(let body): try container.encode(body, forKey: key)
        case .createTeam(let body): try container.encode(body, forKey: key)
        case .updateTeam(let body): try container.encode(body, forKey: key)
        case .createCannedResponse(let body): try container.encode(body, forKey: key)
        case .updateCannedResponse(let body): try container.encode(body, forKey: key)
        case .deleteCannedResponse(let body): try container.encode(body, forKey: key)
        case .assignSlots(let body): try container.encode(body, forKey: key)
        case .setDraining(let body): try container.encode(body, forKey: key)
        case .createWidget(let body): try container.encode(body, forKey: key)
        case .updateWidget(let body): try container.encode(body, forKey: key)
        case .signalTyping(let body): try container.encode(body, forKey: key)
        case .markRead(let body): try container.encode(body, forKey: key)
        case .createQueue(let body): try container.encode(body, forKey: key)
        case .updateQueue(let body): try container.encode(body, forKey: key)
        case .createRoutingRule(let body): try container.encode(body, forKey: key)
        case .updateRoutingRule(let body): try container.encode(body, forKey: key)
        case .deleteRoutingRule(let body): try container.encode(body, forKey: key)
        case .routeConversation(let body): try container.encode(body, forKey: key)
        case .expireOffer(let body): try container.encode(body, forKey: key)
        case .overflowConversation(let body): try container.encode(body, forKey: key)
        case .acceptConversation(let body): try container.encode(body, forKey: key)
        case .declineConversation(let body): try container.encode(body, forKey: key)
        case .transferConversation(let body): try container.encode(body, forKey: key)
        case .rerouteConversation(let body): try container.encode(body, forKey: key)
        case .setSentiment(let body): try container.encode(body, forKey: key)
        case .rateConversation(let body): try container.encode(body, forKey: key)
        case .createTicket(let body): try container.encode(body, forKey: key)
        case .updateTicket(let body): try container.encode(body, forKey: key)
        case .addTicketComment(let body): try container.encode(body, forKey: key)
        case .mergeTickets(let body): try container.encode(body, forKey: key)
        case .createSLAPolicy(let body): try container.encode(body, forKey: key)
        case .updateSLAPolicy(let body): try container.encode(body, forKey: key)
        case .createBusinessCalendar(let body): try container.encode(body, forKey: key)
        case .updateBusinessCalendar(let body): try container.encode(body, forKey: key)
        case .recordSLABreach(let body): try container.encode(body, forKey: key)
        case .recordSLAWarning(let body): try container.encode(body, forKey: key)
        case .remindAssignee(let body): try container.encode(body, forKey: key)
        case .setChannelWebhook(let body): try container.encode(body, forKey: key)
        case .recordOutboxDelivery(let body): try container.encode(body, forKey: key)
        }
    }

    fileprivate static func decode<Key: CodingKey>(
        type: String, from container: KeyedDecodingContainer<Key>, forKey key: Key
    ) throws -> Command.Action {
        switch type {
        case "createCustomer": .createCustomer(try container.decode(CreateCustomer.self, forKey: key))
        case "updateCustomer": .updateCustomer(try container.decode(UpdateCustomer.self, forKey: key))
        case "createConversation": .createConversation(try container.decode(CreateConversation.self, forKey: key))
        case "updateConversation": .updateConversation(try container.decode(UpdateConversation.self, forKey: key))
        case "postMessage": .postMessage(try container.decode(PostMessage.self, forKey: key))
        case "createStaff": .createStaff(try container.decode(CreateStaff.self, forKey: key))
        case "updateStaff": .updateStaff(try container.decode(UpdateStaff.self, forKey: key))
        case "setStaffStatus": .setStaffStatus(try container.decode(SetStaffStatus.self, forKey: key))
        case "createTeam": .createTeam(try container.decode(CreateTeam.self, forKey: key))
        case "updateTeam": .updateTeam(try container.decode(UpdateTeam.self, forKey: key))
        case "createCannedResponse":
            .createCannedResponse(try container.decode(CreateCannedResponse.self, forKey: key))
        case "updateCannedResponse":
            .updateCannedResponse(try container.decode(UpdateCannedResponse.self, forKey: key))
        case "deleteCannedResponse":
            .deleteCannedResponse(try container.decode(DeleteCannedResponse.self, forKey: key))
        case "assignSlots": .assignSlots(try container.decode(AssignSlots.self, forKey: key))
        case "setDraining": .setDraining(try container.decode(SetDraining.self, forKey: key))
        case "createWidget": .createWidget(try container.decode(CreateWidget.self, forKey: key))
        case "updateWidget": .updateWidget(try container.decode(UpdateWidget.self, forKey: key))
        case "signalTyping": .signalTyping(try container.decode(SignalTyping.self, forKey: key))
        case "markRead": .markRead(try container.decode(MarkRead.self, forKey: key))
        case "createQueue": .createQueue(try container.decode(CreateQueue.self, forKey: key))
        case "updateQueue": .updateQueue(try container.decode(UpdateQueue.self, forKey: key))
        case "createRoutingRule": .createRoutingRule(try container.decode(CreateRoutingRule.self, forKey: key))
        case "updateRoutingRule": .updateRoutingRule(try container.decode(UpdateRoutingRule.self, forKey: key))
        case "deleteRoutingRule": .deleteRoutingRule(try container.decode(DeleteRoutingRule.self, forKey: key))
        case "routeConversation": .routeConversation(try container.decode(RouteConversation.self, forKey: key))
        case "expireOffer": .expireOffer(try container.decode(ExpireOffer.self, forKey: key))
        case "overflowConversation": .overflowConversation(try container.decode(OverflowConversation.self, forKey: key))
        case "acceptConversation": .acceptConversation(try container.decode(AcceptConversation.self, forKey: key))
        case "declineConversation": .declineConversation(try container.decode(DeclineConversation.self, forKey: key))
        case "transferConversation": .transferConversation(try container.decode(TransferConversation.self, forKey: key))
        case "rerouteConversation": .rerouteConversation(try container.decode(RerouteConversation.self, forKey: key))
        case "setSentiment": .setSentiment(try container.decode(SetSentiment.self, forKey: key))
        case "rateConversation": .rateConversation(try container.decode(RateConversation.self, forKey: key))
        case "createTicket": .createTicket(try container.decode(CreateTicket.self, forKey: key))
        case "updateTicket": .updateTicket(try container.decode(UpdateTicket.self, forKey: key))
        case "addTicketComment": .addTicketComment(try container.decode(AddTicketComment.self, forKey: key))
        case "mergeTickets": .mergeTickets(try container.decode(MergeTickets.self, forKey: key))
        case "createSLAPolicy": .createSLAPolicy(try container.decode(CreateSLAPolicy.self, forKey: key))
        case "updateSLAPolicy": .updateSLAPolicy(try container.decode(UpdateSLAPolicy.self, forKey: key))
        case "createBusinessCalendar":
            .createBusinessCalendar(try container.decode(CreateBusinessCalendar.self, forKey: key))
        case "updateBusinessCalendar":
            .updateBusinessCalendar(try container.decode(UpdateBusinessCalendar.self, forKey: key))
        case "recordSLABreach": .recordSLABreach(try container.decode(RecordSLABreach.self, forKey: key))
        case "recordSLAWarning": .recordSLAWarning(try container.decode(RecordSLAWarning.self, forKey: key))
        case "remindAssignee": .remindAssignee(try container.decode(RemindAssignee.self, forKey: key))
        case "setChannelWebhook": .setChannelWebhook(try container.decode(SetChannelWebhook.self, forKey: key))
        case "recordOutboxDelivery": .recordOutboxDelivery(try container.decode(RecordOutboxDelivery.self, forKey: key))
        default: throw DeskDecodingError.malformed("unknown command type \"\(type)\"")
        }
    }
}
