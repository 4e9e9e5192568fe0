extension Conversation {
    /// Whether routing owes the conversation an agent: it is open and unassigned, and either
    /// waits in a queue or is offered to someone.
    public var isAwaitingAgent: Bool {
        status == .open && assigneeID == nil && (queue != nil || offer != nil)
    }

    /// The agent whose capacity the conversation takes: its assignee, or the agent it is
    /// offered to, while it is open or pending.
    var loadHolderID: String? {
        guard status == .open || status == .pending else { return nil }
        return assigneeID ?? offer?.agentID
    }

    /// An angry customer: by sentiment, or by the tag channels and bots use for it.
    var isFlaggedAngry: Bool {
        sentiment == .angry || tags.contains("angry")
    }

    /// Brings the routing fields in line with a change from `previous` made at `time`: a new
    /// assignee becomes the customer's last agent, a new queue restarts the overflow clock, and
    /// a conversation that no longer awaits an agent drops its offer and wait.
    ///
    /// Every handler that changes a conversation's status, queue or assignee calls this, which
    /// is what keeps ``routingIsConsistent`` true.
    mutating func settleRouting(from previous: Conversation?, at time: Timestamp) {
        if let assigneeID, assigneeID != previous?.assigneeID {
            lastAssigneeID = assigneeID
            lastAssignedAt = max(lastAssignedAt ?? time, time)
        }
        if queue != previous?.queue { queueEnteredAt = queue == nil ? nil : time }
        guard isAwaitingAgent else {
            offer = nil
            queuedAt = nil
            queueEnteredAt = nil
            declinedBy = []
            return
        }
        if queuedAt == nil { queuedAt = time }
        if queue != nil, queueEnteredAt == nil { queueEnteredAt = time }
    }

    /// The invariant ``settleRouting(from:at:)`` establishes: routing state exists exactly
    /// while the conversation awaits an agent.
    var routingIsConsistent: Bool {
        guard isAwaitingAgent else {
            return offer == nil && queuedAt == nil && queueEnteredAt == nil && declinedBy.isEmpty
        }
        return queuedAt != nil && (queue == nil) == (queueEnteredAt == nil)
    }

    /// Remembers that `agentID` turned the conversation down, so routing skips them; the
    /// oldest refusal is forgotten beyond `countMax`.
    mutating func recordDecline(by agentID: String, countMax: Int) {
        declinedBy.removeAll { $0 == agentID }
        declinedBy.append(agentID)
        if declinedBy.count > countMax { declinedBy.removeFirst(declinedBy.count - countMax) }
    }

    /// What routing rules see of this conversation.
    func routingFacts(tier: CustomerTier, returningCustomer: Bool) -> RoutingFacts {
        RoutingFacts(
            channel: channel, language: language, tags: tags, tier: tier,
            sentiment: isFlaggedAngry ? .angry : (sentiment ?? .neutral), returningCustomer: returningCustomer)
    }
}
