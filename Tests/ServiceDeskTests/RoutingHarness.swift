import Testing
@testable import ServiceDesk

/// Routing set-ups on top of ``Harness``: node 1 owns every slot, so `due()` sees all work.
extension Harness {
    static let owner: UInt64 = 1
    static let allSlots = Set(0..<SlotMap.slotCount)

    /// ``populated()`` (team t1, customers c1 and c2, conversation v1 without a queue) with
    /// every slot owned by node 1 and no routing staff yet.
    static func routing(limits: DeskLimits = .standard) -> Harness {
        var harness = Harness.populated(limits: limits)
        let moves = (0..<SlotMap.slotCount).map { SlotMove(slot: $0, owner: owner) }
        harness.ok(.system, .assignSlots(AssignSlots(moves: moves)))
        return harness
    }

    /// The time the next command will carry.
    var now: Timestamp { Timestamp(millisecondsSinceEpoch: time + 1_000) }

    /// Lets time pass without commands.
    mutating func wait(seconds: Int) {
        time += Int64(seconds) * 1_000
    }

    mutating func addAgent(
        _ id: String, skills: [String: Int] = [:], languages: [String] = ["en"], max: Int = 5, teams: [String] = [],
        status: PresenceStatus = .online, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let body = CreateStaff(
            id: id, email: "\(id)@example.com", name: id, role: .agent, passwordHash: "h-\(id)", skills: skills,
            languages: languages, concurrentConversationsMax: max, teamIDs: teams)
        ok(.adminToken, .createStaff(body), sourceLocation: sourceLocation)
        ok(.system, .setStaffStatus(SetStaffStatus(staffID: id, status: status)), sourceLocation: sourceLocation)
    }

    mutating func addQueue(_ body: CreateQueue, sourceLocation: SourceLocation = #_sourceLocation) {
        ok(Harness.supervisor, .createQueue(body), sourceLocation: sourceLocation)
    }

    mutating func addCustomer(_ id: String, tier: CustomerTier = .standard, sourceLocation: SourceLocation = #_sourceLocation) {
        ok(.system, .createCustomer(CreateCustomer(id: id, name: id, tier: tier)), sourceLocation: sourceLocation)
    }

    /// Opens a conversation; `queue: nil` lets the routing rules choose.
    @discardableResult
    mutating func open(
        _ id: String, customer: String = "c1", channel: Channel = .web, language: String? = "en", queue: String? = "support",
        priority: Priority = .normal, tags: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) -> Conversation? {
        let body = CreateConversation(
            id: id, customer: .existing(id: customer), channel: channel, language: language, priority: priority,
            queue: queue, tags: tags)
        return ok(.system, .createConversation(body), sourceLocation: sourceLocation)?.conversation
    }

    /// The routing work node 1 would propose now.
    func due(limit: Int = 1_000) -> [Command.Action] {
        desk.dueWork(ownedSlots: Harness.allSlots, owner: Harness.owner, now: now, limit: limit)
    }

    /// Proposes and applies the due work, as the slot worker does; every command must be accepted.
    @discardableResult
    mutating func runDue(limit: Int = 1_000, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let work = due(limit: limit)
        for action in work { ok(.system, action, sourceLocation: sourceLocation) }
        return work.map(Self.describe)
    }

    /// `route v1 r1`, `expire v1 r1`, `overflow v1 second`: decisions in a form tests compare.
    static func describe(_ action: Command.Action) -> String {
        switch action {
        case .routeConversation(let body): "route \(body.conversationID) \(body.agentID)"
        case .expireOffer(let body): "expire \(body.conversationID) \(body.agentID)"
        case .overflowConversation(let body): "overflow \(body.conversationID) \(body.queueID)"
        default: action.typeName
        }
    }

    func conversation(_ id: String) -> Conversation { desk.conversation(id: id)! }

    func load(_ agentID: String) -> Int { desk.routing.load(of: agentID) }
}

extension DeskResult {
    var queue: Queue? {
        if case .queue(let value) = self { return value }
        return nil
    }

    var routingRule: RoutingRule? {
        if case .routingRule(let value) = self { return value }
        return nil
    }
}
