/// Lookups routing needs on every decision, derived from the conversations alone so that a
/// desk loaded from records or a snapshot rebuilds exactly the index `apply` maintained.
struct RoutingIndex: Sendable, Hashable {
    /// The conversations each agent holds (assigned or offered, open or pending): their load.
    private(set) var heldByAgent: [String: Set<String>] = [:]
    /// Conversations that await an agent: the only ones routing work looks at.
    private(set) var awaiting: Set<String> = []
    /// The agent who most recently took a conversation of each customer.
    private(set) var lastVisitByCustomer: [String: Visit] = [:]
    /// How many conversations each customer has had, for the "returning customer" rule.
    private(set) var conversationCountByCustomer: [String: Int] = [:]

    /// An agent's most recent assignment to one of a customer's conversations.
    struct Visit: Sendable, Hashable {
        var agentID: String
        var assignedAt: Timestamp
        var conversationID: String

        /// Later assignments win; the conversation id breaks ties, so the winner does not
        /// depend on the order conversations were indexed in.
        func isNewer(than other: Visit) -> Bool {
            (assignedAt, conversationID) > (other.assignedAt, other.conversationID)
        }
    }

    init() {}

    /// The index of a whole set of conversations, as on load.
    init(_ conversations: some Sequence<Conversation>) {
        for conversation in conversations { replace(nil, with: conversation) }
    }

    func load(of agentID: String) -> Int { heldByAgent[agentID]?.count ?? 0 }

    func conversationCount(ofCustomer customerID: String) -> Int { conversationCountByCustomer[customerID] ?? 0 }

    /// The most recent assignment of an agent to a conversation of `customerID`, if any.
    func lastVisit(ofCustomer customerID: String) -> Visit? { lastVisitByCustomer[customerID] }

    /// Updates the index for one conversation changing from `old` (nil when new) to `new`.
    mutating func replace(_ old: Conversation?, with new: Conversation) {
        precondition(old == nil || old?.id == new.id, "an index update replaces one conversation")
        if old?.loadHolderID != new.loadHolderID {
            if let holder = old?.loadHolderID { release(new.id, from: holder) }
            if let holder = new.loadHolderID { heldByAgent[holder, default: []].insert(new.id) }
        }
        if new.isAwaitingAgent { awaiting.insert(new.id) } else { awaiting.remove(new.id) }
        if old == nil { conversationCountByCustomer[new.customerID, default: 0] += 1 }
        recordVisit(of: new)
    }

    private mutating func release(_ conversationID: String, from agentID: String) {
        heldByAgent[agentID]?.remove(conversationID)
        // Empty sets are dropped, or the index would differ from one rebuilt on load.
        if heldByAgent[agentID]?.isEmpty == true { heldByAgent[agentID] = nil }
    }

    /// A conversation's last assignment only moves forward in time (see
    /// `Conversation.settleRouting`), so keeping the newest visit seen equals taking the
    /// newest over all conversations.
    private mutating func recordVisit(of conversation: Conversation) {
        guard let agentID = conversation.lastAssigneeID, let assignedAt = conversation.lastAssignedAt else { return }
        let visit = Visit(agentID: agentID, assignedAt: assignedAt, conversationID: conversation.id)
        if let current = lastVisitByCustomer[conversation.customerID], current.isNewer(than: visit) { return }
        lastVisitByCustomer[conversation.customerID] = visit
    }
}
