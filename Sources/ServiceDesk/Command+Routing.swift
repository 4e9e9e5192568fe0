/// Creates a routing queue (supervisors and admins).
public struct CreateQueue: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var teamID: String?
    public var requiredSkills: [String: Int]
    public var language: String?
    public var strategy: RoutingStrategy
    public var offerTimeoutSeconds: Int
    public var overflowQueueID: String?
    public var overflowAfterSeconds: Int
    public var stickinessWaitSeconds: Int

    public init(
        id: String, name: String, teamID: String? = nil, requiredSkills: [String: Int] = [:], language: String? = nil,
        strategy: RoutingStrategy = .leastLoaded, offerTimeoutSeconds: Int = 0, overflowQueueID: String? = nil,
        overflowAfterSeconds: Int = 0, stickinessWaitSeconds: Int = 0
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
    }
}

/// Changes a routing queue (supervisors and admins); `nil` fields stay as they are.
public struct UpdateQueue: Sendable, Hashable, Codable {
    public var queueID: String
    public var name: String?
    public var teamID: Patch<String>?
    /// Replaces all required skills.
    public var requiredSkills: [String: Int]?
    public var language: Patch<String>?
    public var strategy: RoutingStrategy?
    public var offerTimeoutSeconds: Int?
    public var overflowQueueID: Patch<String>?
    public var overflowAfterSeconds: Int?
    public var stickinessWaitSeconds: Int?

    public init(
        queueID: String, name: String? = nil, teamID: Patch<String>? = nil, requiredSkills: [String: Int]? = nil,
        language: Patch<String>? = nil, strategy: RoutingStrategy? = nil, offerTimeoutSeconds: Int? = nil,
        overflowQueueID: Patch<String>? = nil, overflowAfterSeconds: Int? = nil, stickinessWaitSeconds: Int? = nil
    ) {
        self.queueID = queueID
        self.name = name
        self.teamID = teamID
        self.requiredSkills = requiredSkills
        self.language = language
        self.strategy = strategy
        self.offerTimeoutSeconds = offerTimeoutSeconds
        self.overflowQueueID = overflowQueueID
        self.overflowAfterSeconds = overflowAfterSeconds
        self.stickinessWaitSeconds = stickinessWaitSeconds
    }
}

/// Creates a routing rule (supervisors and admins).
public struct CreateRoutingRule: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var position: Int
    public var enabled: Bool
    public var conditions: RoutingConditions
    public var queueID: String
    public var raisePriorityTo: Priority?

    public init(
        id: String, name: String, position: Int, enabled: Bool = true, conditions: RoutingConditions = RoutingConditions(),
        queueID: String, raisePriorityTo: Priority? = nil
    ) {
        self.id = id
        self.name = name
        self.position = position
        self.enabled = enabled
        self.conditions = conditions
        self.queueID = queueID
        self.raisePriorityTo = raisePriorityTo
    }
}

/// Changes a routing rule (supervisors and admins); `nil` fields stay as they are.
public struct UpdateRoutingRule: Sendable, Hashable, Codable {
    public var ruleID: String
    public var name: String?
    public var position: Int?
    public var enabled: Bool?
    /// Replaces all conditions.
    public var conditions: RoutingConditions?
    public var queueID: String?
    public var raisePriorityTo: Patch<Priority>?

    public init(
        ruleID: String, name: String? = nil, position: Int? = nil, enabled: Bool? = nil,
        conditions: RoutingConditions? = nil, queueID: String? = nil, raisePriorityTo: Patch<Priority>? = nil
    ) {
        self.ruleID = ruleID
        self.name = name
        self.position = position
        self.enabled = enabled
        self.conditions = conditions
        self.queueID = queueID
        self.raisePriorityTo = raisePriorityTo
    }
}

/// Deletes a routing rule (supervisors and admins).
public struct DeleteRoutingRule: Sendable, Hashable, Codable {
    public var ruleID: String

    public init(ruleID: String) {
        self.ruleID = ruleID
    }
}

/// The slot owner's decision to give a waiting conversation to an agent: an offer, or an
/// assignment when the queue does not ask (system only).
public struct RouteConversation: Sendable, Hashable, Codable {
    public var conversationID: String
    public var agentID: String
    public var fence: SlotFence

    public init(conversationID: String, agentID: String, fence: SlotFence) {
        self.conversationID = conversationID
        self.agentID = agentID
        self.fence = fence
    }
}

/// The slot owner withdraws an offer nobody answered in time (system only).
public struct ExpireOffer: Sendable, Hashable, Codable {
    public var conversationID: String
    public var agentID: String
    public var fence: SlotFence

    public init(conversationID: String, agentID: String, fence: SlotFence) {
        self.conversationID = conversationID
        self.agentID = agentID
        self.fence = fence
    }
}

/// The slot owner moves a conversation that waited too long to its queue's overflow queue
/// (system only).
public struct OverflowConversation: Sendable, Hashable, Codable {
    public var conversationID: String
    /// The overflow queue; must still be the current queue's overflow queue.
    public var queueID: String
    public var fence: SlotFence

    public init(conversationID: String, queueID: String, fence: SlotFence) {
        self.conversationID = conversationID
        self.queueID = queueID
        self.fence = fence
    }
}

/// The offered agent takes the conversation.
public struct AcceptConversation: Sendable, Hashable, Codable {
    public var conversationID: String

    public init(conversationID: String) {
        self.conversationID = conversationID
    }
}

/// The offered agent turns the conversation down; it waits again, without them.
public struct DeclineConversation: Sendable, Hashable, Codable {
    public var conversationID: String

    public init(conversationID: String) {
        self.conversationID = conversationID
    }
}

/// Where a transfer sends a conversation.
public enum TransferTarget: Sendable, Hashable, Codable {
    /// Offered to this staff user, who accepts or declines.
    case agent(id: String)
    /// Back into routing, in this queue.
    case queue(id: String)
}

/// Hands a conversation to another agent or queue, with an internal note for whoever takes it.
public struct TransferConversation: Sendable, Hashable, Codable {
    public var conversationID: String
    public var target: TransferTarget
    /// Free text for the next agent; the note message names the target either way.
    public var note: String?
    /// The id of the internal note message the transfer posts.
    public var noteMessageID: String

    public init(conversationID: String, target: TransferTarget, note: String? = nil, noteMessageID: String) {
        self.conversationID = conversationID
        self.target = target
        self.note = note
        self.noteMessageID = noteMessageID
    }
}

/// Puts a conversation back into routing through the routing rules, as if it were new.
public struct RerouteConversation: Sendable, Hashable, Codable {
    public var conversationID: String

    public init(conversationID: String) {
        self.conversationID = conversationID
    }
}

/// Sets or clears (`nil`) a conversation's sentiment: by staff who may work on it, or a classifier.
public struct SetSentiment: Sendable, Hashable, Codable {
    public var conversationID: String
    public var sentiment: Sentiment?

    public init(conversationID: String, sentiment: Sentiment?) {
        self.conversationID = conversationID
        self.sentiment = sentiment
    }
}

/// The customer's satisfaction rating of a resolved or closed conversation, given once.
public struct RateConversation: Sendable, Hashable, Codable {
    public var conversationID: String
    /// 1…5.
    public var score: Int
    public var comment: String?

    public init(conversationID: String, score: Int, comment: String? = nil) {
        self.conversationID = conversationID
        self.score = score
        self.comment = comment
    }
}
