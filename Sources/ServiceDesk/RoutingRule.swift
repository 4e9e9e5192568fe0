/// What a routing rule asks of a conversation. Every condition that is set must hold; an
/// empty list or `nil` matches anything.
public struct RoutingConditions: Sendable, Hashable, Codable {
    /// The conversation came in on one of these channels.
    public var channels: [Channel]
    /// The conversation's language is one of these (`en` also matches `en-US`).
    public var languages: [String]
    /// The conversation carries at least one of these tags (topic or intent).
    public var tags: [String]
    /// The customer's tier.
    public var tier: CustomerTier?
    /// The conversation's sentiment is one of these; the tag `angry` counts as ``Sentiment/angry``.
    public var sentiments: [Sentiment]
    /// The customer has (`true`) or has not (`false`) had a conversation before.
    public var returningCustomer: Bool?

    public init(
        channels: [Channel] = [], languages: [String] = [], tags: [String] = [], tier: CustomerTier? = nil,
        sentiments: [Sentiment] = [], returningCustomer: Bool? = nil
    ) {
        self.channels = channels
        self.languages = languages
        self.tags = tags
        self.tier = tier
        self.sentiments = sentiments
        self.returningCustomer = returningCustomer
    }

    /// Whether a conversation with these facts meets every condition.
    func matches(_ facts: RoutingFacts) -> Bool {
        if !channels.isEmpty, !channels.contains(facts.channel) { return false }
        if !languages.isEmpty, !languages.contains(where: { Languages.match($0, facts.language) }) { return false }
        if !tags.isEmpty, !tags.contains(where: facts.tags.contains) { return false }
        if let tier, tier != facts.tier { return false }
        if !sentiments.isEmpty, !sentiments.contains(facts.sentiment) { return false }
        if let returningCustomer, returningCustomer != facts.returningCustomer { return false }
        return true
    }
}

/// An ordered rule that sends matching new conversations to a queue.
///
/// Rules are tried in ``position`` order (then id) when a conversation is created without a
/// queue, and when staff re-route one; the first enabled rule that matches wins.
public struct RoutingRule: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// Lower positions are tried first.
    public var position: Int
    public var enabled: Bool
    public var conditions: RoutingConditions
    /// The queue matching conversations go to; it must exist.
    public var queueID: String
    /// Raises (never lowers) the conversation's priority to this.
    public var raisePriorityTo: Priority?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, name: String, position: Int, enabled: Bool = true, conditions: RoutingConditions,
        queueID: String, raisePriorityTo: Priority? = nil, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.name = name
        self.position = position
        self.enabled = enabled
        self.conditions = conditions
        self.queueID = queueID
        self.raisePriorityTo = raisePriorityTo
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Evaluation order: position, then id, so equal positions still order the same everywhere.
    static func precedes(_ left: RoutingRule, _ right: RoutingRule) -> Bool {
        (left.position, left.id) < (right.position, right.id)
    }
}

/// What routing rules look at: the conversation and what the desk knows about its customer.
struct RoutingFacts: Hashable {
    var channel: Channel
    var language: String
    var tags: [String]
    var tier: CustomerTier
    var sentiment: Sentiment
    var returningCustomer: Bool
}

extension Priority {
    /// low < normal < high < urgent.
    var rank: Int {
        switch self {
        case .low: 0
        case .normal: 1
        case .high: 2
        case .urgent: 3
        }
    }
}

/// Language tag comparison for routing.
enum Languages {
    /// Whether two BCP 47 tags name the same language for routing: equal ignoring case, or one
    /// is a prefix of the other at a subtag boundary (`en` matches `en-US`, `zh-CN` does not
    /// match `zh-TW`). `und` (unknown) matches nothing.
    static func match(_ left: String, _ right: String) -> Bool {
        guard !isUnknown(left), !isUnknown(right) else { return false }
        if left == right { return true }
        let first = left.lowercased(), second = right.lowercased()
        if first == second { return true }
        let (shorter, longer) = first.utf8.count < second.utf8.count ? (first, second) : (second, first)
        return longer.hasPrefix(shorter + "-")
    }

    /// `und`, BCP 47 for an undetermined language: routing asks for no language then.
    static func isUnknown(_ tag: String) -> Bool {
        tag.utf8.count == 3 && tag.lowercased() == "und"
    }
}
