/// What a waiting conversation asks of an agent: the queue's requirements plus the
/// conversation's own.
struct RoutingNeeds: Hashable {
    /// Skill → minimum level.
    var requiredSkills: [String: Int]
    /// The language the agent must speak; `nil` or `und` for any.
    var language: String?
    /// The team the agent must belong to, if any.
    var teamID: String?
    /// Agents who declined the conversation or let an offer expire.
    var excludedAgentIDs: Set<String>

    /// The needs of `conversation` waiting in `queue`: the queue's language wins over the
    /// conversation's, because a queue with a language exists to serve that language.
    init(conversation: Conversation, queue: Queue) {
        requiredSkills = queue.requiredSkills
        language = queue.language ?? conversation.language
        teamID = queue.teamID
        excludedAgentIDs = Set(conversation.declinedBy)
    }

    init(requiredSkills: [String: Int] = [:], language: String? = nil, teamID: String? = nil, excludedAgentIDs: Set<String> = []) {
        self.requiredSkills = requiredSkills
        self.language = language
        self.teamID = teamID
        self.excludedAgentIDs = excludedAgentIDs
    }
}

/// One staff user as routing sees them: the record and how many conversations they hold.
struct AgentCandidate: Hashable {
    var user: StaffUser
    /// Open or pending conversations assigned or offered to the user.
    var load: Int

    var id: String { user.id }
    var hasCapacity: Bool { load < user.concurrentConversationsMax }
    /// Present and able to work right now.
    var isAvailable: Bool { user.active && user.status == .online }
}

/// The routing decision for one conversation.
enum AgentChoice: Hashable {
    /// Give the conversation to this agent.
    case agent(String)
    /// Hold the conversation for the customer's previous agent, who is busy, until the
    /// queue's stickiness wait has passed.
    case waitForPreviousAgent
    /// Nobody can take it now.
    case nobody
}

/// The routing engine: pure functions of the candidates and the conversation, so the slot
/// owner's decision and `apply`'s re-check agree on every replica.
enum AgentSelection {
    /// Whether `candidate` may take a conversation with `needs` now.
    static func isEligible(_ candidate: AgentCandidate, for needs: RoutingNeeds) -> Bool {
        candidate.isAvailable && candidate.hasCapacity && isQualified(candidate.user, for: needs)
    }

    /// Everything but presence and capacity: skills, language, team, and not having declined.
    /// The cheap checks come first: this runs for every agent and waiting conversation.
    static func isQualified(_ user: StaffUser, for needs: RoutingNeeds) -> Bool {
        guard !needs.excludedAgentIDs.contains(user.id) else { return false }
        if let teamID = needs.teamID, !user.teamIDs.contains(teamID) { return false }
        for (skill, level) in needs.requiredSkills where (user.skills[skill] ?? 0) < level { return false }
        if let language = needs.language, !Languages.isUnknown(language),
            !user.languages.contains(where: { Languages.match($0, language) })
        {
            return false
        }
        return true
    }

    /// Chooses the agent for one conversation.
    ///
    /// - Parameters:
    ///   - candidates: the agents to choose from, sorted by id; ineligible ones are skipped.
    ///   - previousAgent: the agent who last served the customer, with their load, if any.
    ///   - stickinessApplies: whether the conversation has waited less than the queue's
    ///     stickiness wait.
    ///   - cursor: the queue's round-robin cursor.
    static func choose(
        from candidates: [AgentCandidate], for needs: RoutingNeeds, strategy: RoutingStrategy,
        cursor: String?, previousAgent: AgentCandidate?, stickinessApplies: Bool
    ) -> AgentChoice {
        if stickinessApplies, let previousAgent {
            if isEligible(previousAgent, for: needs) { return .agent(previousAgent.id) }
            if previousAgent.isAvailable, isQualified(previousAgent.user, for: needs) { return .waitForPreviousAgent }
        }
        // Lazy, so a pass over many conversations allocates nothing per conversation.
        let eligible = candidates.lazy.filter { isEligible($0, for: needs) }
        let chosen: AgentCandidate? =
            switch strategy {
            case .leastLoaded: leastLoaded(eligible)
            case .roundRobin: nextInTurn(eligible, after: cursor)
            case .skillsWeighted: bestSkilled(eligible, for: needs)
            }
        return chosen.map { .agent($0.id) } ?? .nobody
    }

    /// The lowest load relative to the agent's maximum, compared exactly as fractions.
    static func leastLoaded(_ eligible: some Sequence<AgentCandidate>) -> AgentCandidate? {
        eligible.min { left, right in
            let leftShare = left.load * right.user.concurrentConversationsMax
            let rightShare = right.load * left.user.concurrentConversationsMax
            return leftShare != rightShare ? leftShare < rightShare : left.id < right.id
        }
    }

    /// The first eligible agent after `cursor` in id order, wrapping around; `eligible` is
    /// sorted by id.
    static func nextInTurn(_ eligible: some Collection<AgentCandidate>, after cursor: String?) -> AgentCandidate? {
        guard let cursor else { return eligible.first }
        return eligible.first { $0.id > cursor } ?? eligible.first
    }

    /// The highest sum of required skill levels minus load; ties by id.
    static func bestSkilled(_ eligible: some Sequence<AgentCandidate>, for needs: RoutingNeeds) -> AgentCandidate? {
        func score(_ candidate: AgentCandidate) -> Int {
            needs.requiredSkills.keys.reduce(0) { $0 + (candidate.user.skills[$1] ?? 0) } - candidate.load
        }
        return eligible.min { left, right in
            let leftScore = score(left), rightScore = score(right)
            return leftScore != rightScore ? leftScore > rightScore : left.id < right.id
        }
    }
}

/// A waiting conversation's place in its queue.
struct QueuePosition: Hashable, Comparable {
    var vip: Bool
    var priority: Priority
    var angry: Bool
    var queuedAt: Timestamp
    var conversationID: String

    /// VIP customers first, then higher priority, then angry customers, then the longest
    /// wait, then the id, so the order is total and the same on every replica.
    static func < (left: QueuePosition, right: QueuePosition) -> Bool {
        if left.vip != right.vip { return left.vip }
        if left.priority != right.priority { return left.priority.rank > right.priority.rank }
        if left.angry != right.angry { return left.angry }
        if left.queuedAt != right.queuedAt { return left.queuedAt < right.queuedAt }
        return left.conversationID < right.conversationID
    }
}
