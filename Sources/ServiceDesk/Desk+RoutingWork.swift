/// The routing part of a slot owner's due work.
///
/// One pass reads only the conversations that await an agent (the routing index), and
/// counts its own decisions against agents' loads, so it never plans more conversations for
/// an agent than they can take. Cost: O(W log W + W·A) for W waiting conversations in the
/// owned slots and A available agents.
extension Desk {
    /// Expired offers (oldest first), then overflows (longest in queue first), then offers or
    /// assignments in queue order; at most `limit` commands.
    func routingWork(inSlots slots: Set<Int>, now: Timestamp, limit: Int) -> [Command.Action] {
        var expired: [Conversation] = []
        var overflowing: [Conversation] = []
        var waiting: [WaitingConversation] = []
        for id in routing.awaiting where slots.contains(SlotMap.slot(of: id)) {
            let conversation = conversations[id]!
            if let offer = conversation.offer {
                if offer.expiresAt <= now { expired.append(conversation) }
            } else if let queue = conversation.queue.flatMap({ queues[$0] }) {
                if Self.overflowIsDue(conversation, queue, now: now) {
                    overflowing.append(conversation)
                } else {
                    waiting.append(WaitingConversation(position: position(of: conversation), conversation: conversation, queue: queue))
                }
            }
        }
        var work = expired.sorted { ($0.offer!.expiresAt, $0.id) < ($1.offer!.expiresAt, $1.id) }.map(expiry)
        work += overflowing.sorted { ($0.queueEnteredAt!, $0.id) < ($1.queueEnteredAt!, $1.id) }.map(overflow)
        guard work.count < limit else { return Array(work.prefix(limit)) }
        waiting.sort { $0.position < $1.position }
        return work + assignments(for: waiting, now: now, limit: limit - work.count)
    }

    private struct WaitingConversation {
        var position: QueuePosition
        var conversation: Conversation
        var queue: Queue
    }

    private func position(of conversation: Conversation) -> QueuePosition {
        QueuePosition(
            vip: customers[conversation.customerID]?.tier == .vip, priority: conversation.priority,
            angry: conversation.isFlaggedAngry, queuedAt: conversation.queuedAt!, conversationID: conversation.id)
    }

    private func fence(of conversationID: String) -> SlotFence {
        slots.fence(for: SlotMap.slot(of: conversationID))
    }

    private func expiry(_ conversation: Conversation) -> Command.Action {
        .expireOffer(ExpireOffer(conversationID: conversation.id, agentID: conversation.offer!.agentID, fence: fence(of: conversation.id)))
    }

    private func overflow(_ conversation: Conversation) -> Command.Action {
        let target = queues[conversation.queue!]!.overflowQueueID!
        return .overflowConversation(OverflowConversation(conversationID: conversation.id, queueID: target, fence: fence(of: conversation.id)))
    }

    /// Decides agents for `waiting`, already in queue order.
    private func assignments(for waiting: [WaitingConversation], now: Timestamp, limit: Int) -> [Command.Action] {
        var pool = AgentPool(staff.values, load: routing.load(of:))
        var cursors: [String: String] = [:]
        var work: [Command.Action] = []
        for entry in waiting {
            guard work.count < limit, !pool.isExhausted else { break }
            let conversation = entry.conversation, queue = entry.queue
            let choice = AgentSelection.choose(
                from: pool.candidates, for: RoutingNeeds(conversation: conversation, queue: queue),
                strategy: queue.strategy, cursor: cursors[queue.id] ?? queue.lastRoutedAgentID,
                previousAgent: previousAgent(of: conversation, in: pool),
                stickinessApplies: Self.stickinessApplies(conversation, queue, now: now))
            guard case .agent(let agentID) = choice else { continue }
            pool.take(agentID)
            cursors[queue.id] = agentID
            work.append(.routeConversation(RouteConversation(conversationID: conversation.id, agentID: agentID, fence: fence(of: conversation.id))))
        }
        return work
    }

    /// The agent who last served the customer on another conversation; a conversation handed
    /// off is not routed back to the agent who handed it off.
    private func previousAgent(of conversation: Conversation, in pool: AgentPool) -> AgentCandidate? {
        guard let visit = routing.lastVisit(ofCustomer: conversation.customerID), visit.conversationID != conversation.id else {
            return nil
        }
        if let candidate = pool.candidate(visit.agentID) { return candidate }
        return staff[visit.agentID].map { AgentCandidate(user: $0, load: routing.load(of: $0.id)) }
    }

    /// Whether the conversation has waited less than the queue's stickiness wait.
    static func stickinessApplies(_ conversation: Conversation, _ queue: Queue, now: Timestamp) -> Bool {
        guard queue.stickinessWaitSeconds > 0, let queuedAt = conversation.queuedAt else { return false }
        return now.millisecondsSince(queuedAt) < Int64(queue.stickinessWaitSeconds) * 1_000
    }
}

/// The agents one routing pass may give work to (active and online), sorted by id, with
/// loads that include the pass's own decisions.
struct AgentPool {
    private(set) var candidates: [AgentCandidate]
    private var indexByID: [String: Int] = [:]
    private var withCapacityCount: Int

    init(_ staff: some Sequence<StaffUser>, load: (String) -> Int) {
        candidates = staff.map { AgentCandidate(user: $0, load: load($0.id)) }.filter(\.isAvailable).sorted { $0.id < $1.id }
        for (index, candidate) in candidates.enumerated() { indexByID[candidate.id] = index }
        withCapacityCount = candidates.filter(\.hasCapacity).count
    }

    /// Nobody has room left: the rest of the pass cannot route anything.
    var isExhausted: Bool { withCapacityCount == 0 }

    func candidate(_ id: String) -> AgentCandidate? { indexByID[id].map { candidates[$0] } }

    /// Counts one more conversation against an agent the pass chose.
    mutating func take(_ id: String) {
        guard let index = indexByID[id] else { preconditionFailure("routing chose \(id), who is not in the pool") }
        precondition(candidates[index].hasCapacity, "routing chose \(id), who has no room")
        candidates[index].load += 1
        if !candidates[index].hasCapacity { withCapacityCount -= 1 }
    }
}
