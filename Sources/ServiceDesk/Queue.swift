/// How a queue picks among the agents eligible for a conversation.
public enum RoutingStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    /// The agent with the lowest load relative to their maximum; ties by id.
    case leastLoaded
    /// The next eligible agent after the queue's last one, in id order.
    case roundRobin
    /// The agent with the highest sum of the queue's required skill levels minus their load;
    /// ties by id.
    case skillsWeighted
}

/// A routing queue: where conversations wait for an agent, and who may take them.
///
/// Conversations name their queue by id in ``Conversation/queue``; a conversation whose queue
/// id names no configured queue waits unrouted until staff take it.
public struct Queue: Sendable, Hashable, Codable {
    /// Lowercased, like the queue names conversations carry.
    public var id: String
    public var name: String
    /// When set, only members of this team take the queue's conversations.
    public var teamID: String?
    /// Skill name → minimum level 1…5 an agent needs for every skill listed.
    public var requiredSkills: [String: Int]
    /// When set, agents must speak this language; otherwise the conversation's language.
    public var language: String?
    public var strategy: RoutingStrategy
    /// How long an agent has to accept an offer; 0 assigns without asking.
    public var offerTimeoutSeconds: Int
    /// Where conversations go after waiting ``overflowAfterSeconds`` in this queue.
    public var overflowQueueID: String?
    /// How long a conversation waits here before it overflows; 0 never overflows.
    public var overflowAfterSeconds: Int
    /// How long a returning customer's conversation waits for the agent who last served them.
    public var stickinessWaitSeconds: Int
    /// The round-robin cursor: the agent this queue routed to last.
    public var lastRoutedAgentID: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, name: String, teamID: String? = nil, requiredSkills: [String: Int] = [:],
        language: String? = nil, strategy: RoutingStrategy = .leastLoaded, offerTimeoutSeconds: Int = 0,
        overflowQueueID: String? = nil, overflowAfterSeconds: Int = 0, stickinessWaitSeconds: Int = 0,
        lastRoutedAgentID: String? = nil, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.name = name
        self.teamID = teamID
        self.requiredSkills = requiredSkills
        self.language = language
        self.strategy = strategy
        self.offerTimeoutSeconds = offerTimeoutSeconds
        self.overflowQueueID = overflowQueueID
        self.overflowAfterSeconds = overflowAfterSeconds
        self.stickinessWaitSeconds = stickinessWaitSeconds
        self.lastRoutedAgentID = lastRoutedAgentID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// How long an agent has to accept a conversation transferred to them when its queue
    /// assigns without asking (or it has none): a transfer always asks.
    public static let transferOfferTimeoutSeconds = 120
}

/// A pending offer of a waiting conversation to one agent.
public struct Offer: Sendable, Hashable, Codable {
    public var agentID: String
    public var offeredAt: Timestamp
    /// From this time on the agent can no longer accept, and the slot owner re-routes.
    public var expiresAt: Timestamp

    public init(agentID: String, offeredAt: Timestamp, expiresAt: Timestamp) {
        self.agentID = agentID
        self.offeredAt = offeredAt
        self.expiresAt = expiresAt
    }
}

/// A customer's satisfaction rating of a conversation (CSAT).
public struct ConversationRating: Sendable, Hashable, Codable {
    /// 1 (very unsatisfied) … 5 (very satisfied).
    public var score: Int
    public var comment: String?
    public var ratedAt: Timestamp

    public init(score: Int, comment: String? = nil, ratedAt: Timestamp) {
        self.score = score
        self.comment = comment
        self.ratedAt = ratedAt
    }
}

/// How the customer seems to feel, set by staff or a classifier; `angry` moves a
/// conversation ahead in its queue.
public enum Sentiment: String, Sendable, Hashable, Codable, CaseIterable {
    case positive, neutral, negative, angry
}

extension Timestamp {
    /// This time plus `seconds`.
    func adding(seconds: Int) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: millisecondsSinceEpoch + Int64(seconds) * 1_000)
    }

    /// Milliseconds from `earlier` to this time; negative if `earlier` is later.
    func millisecondsSince(_ earlier: Timestamp) -> Int64 {
        millisecondsSinceEpoch - earlier.millisecondsSinceEpoch
    }
}
