import Testing
@testable import ServiceDesk

/// Drives a desk the way the replica does: increasing indexes, increasing time.
struct Harness {
    var desk: Desk
    /// Every record the desk wrote, as the node's `state` column family would hold them.
    var store = RecordStore()
    var index: UInt64 = 0
    var time: Int64 = 1_700_000_000_000

    init(limits: DeskLimits = .standard) {
        desk = Desk(limits: limits)
    }

    static let admin = Actor.staff(id: "adm", role: .admin)
    static let supervisor = Actor.staff(id: "sup", role: .supervisor)
    static let agent = Actor.staff(id: "a1", role: .agent)
    static let otherAgent = Actor.staff(id: "a2", role: .agent)
    static let customer = Actor.customer(id: "c1")
    static let otherCustomer = Actor.customer(id: "c2")

    /// A desk with a team, an admin, a supervisor, two agents, two customers and one open
    /// conversation `v1` of customer `c1`.
    static func populated(limits: DeskLimits = .standard) -> Harness {
        var harness = Harness(limits: limits)
        harness.ok(.adminToken, .createTeam(CreateTeam(id: "t1", name: "Billing")))
        harness.ok(.adminToken, .createStaff(CreateStaff(id: "adm", email: "adm@example.com", name: "Ada", role: .admin, passwordHash: "h-adm")))
        harness.ok(admin, .createStaff(CreateStaff(id: "sup", email: "sup@example.com", name: "Sam", role: .supervisor, passwordHash: "h-sup")))
        harness.ok(admin, .createStaff(CreateStaff(id: "a1", email: "a1@example.com", name: "Alex", role: .agent, passwordHash: "h-a1", teamIDs: ["t1"])))
        harness.ok(admin, .createStaff(CreateStaff(id: "a2", email: "a2@example.com", name: "Bo", role: .agent, passwordHash: "h-a2")))
        harness.ok(.system, .createCustomer(CreateCustomer(id: "c1", name: "Li Wei", externalIDs: [.wechat: "wx-1"])))
        harness.ok(.system, .createCustomer(CreateCustomer(id: "c2", name: "Jo")))
        harness.ok(.system, .createConversation(CreateConversation(id: "v1", customer: .existing(id: "c1"), channel: .wechat)))
        return harness
    }

    /// Applies a command at the next index, one second after the previous one.
    @discardableResult
    mutating func run(_ actor: Actor, _ action: Command.Action, key: String? = nil) -> ApplyOutcome {
        index += 1
        time += 1_000
        let command = Command(time: Timestamp(millisecondsSinceEpoch: time), actor: actor, idempotencyKey: key, action: action)
        let outcome = desk.apply(command, index: index)
        store.write(outcome.changes)
        return outcome
    }

    /// A page of a conversation's messages, read from the stored records as a node does.
    func messages(
        _ conversationID: String, afterSeq: UInt64 = 0, limit: Int, includeInternal: Bool = true
    ) throws -> [Message] {
        guard let page = desk.messagePage(conversationID: conversationID, afterSeq: afterSeq, limit: limit, includeInternal: includeInternal)
        else { return [] }
        return try page.read(from: store)
    }

    /// The message with `id`, wherever it was posted.
    func message(id: String) throws -> Message? {
        try store.sorted.lazy.compactMap { record -> Message? in
            guard RecordKey.isMessage(record.key), case .message(let message) = try StoredRecord.decode(record.value) else { return nil }
            return message
        }.first { $0.id == id }
    }

    /// Applies a command that must be accepted and returns its result.
    @discardableResult
    mutating func ok(
        _ actor: Actor, _ action: Command.Action, key: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> DeskResult? {
        let outcome = run(actor, action, key: key)
        switch outcome.result {
        case .success(let result):
            #expect(!outcome.changes.isEmpty || outcome.replayed, "an accepted command writes records", sourceLocation: sourceLocation)
            return result
        case .failure(let error):
            Issue.record("expected success, got \(error)", sourceLocation: sourceLocation)
            return nil
        }
    }

    /// Applies a command that must be rejected with `code` and must change nothing.
    mutating func rejects(
        _ actor: Actor, _ action: Command.Action, _ code: CommandError.Code, key: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let before = desk.snapshotData()
        let outcome = run(actor, action, key: key)
        #expect(outcome.result == .failure(CommandError(code, messageOf(outcome))), sourceLocation: sourceLocation)
        #expect(outcome.events.isEmpty && outcome.changes.isEmpty, sourceLocation: sourceLocation)
        #expect(desk.snapshotData() == before, "a rejected command changed the state", sourceLocation: sourceLocation)
    }

    private func messageOf(_ outcome: ApplyOutcome) -> String {
        if case .failure(let error) = outcome.result { return error.message }
        return ""
    }
}

extension DeskResult {
    var conversation: Conversation? {
        if case .conversation(let value, _) = self { return value }
        return nil
    }

    var customer: Customer? {
        switch self {
        case .customer(let value), .conversation(_, let value): value
        default: nil
        }
    }

    var message: Message? {
        if case .message(let value) = self { return value }
        return nil
    }

    var staff: StaffUser? {
        if case .staff(let value) = self { return value }
        return nil
    }

    var cannedResponse: CannedResponse? {
        if case .cannedResponse(let value) = self { return value }
        return nil
    }
}
