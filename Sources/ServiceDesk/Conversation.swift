/// Where a conversation is in its life.
///
/// Allowed moves: open ⇄ pending, open/pending → resolved, resolved → open (reopen), and any
/// non-closed status → closed. Closed is final: a closed conversation takes no more messages.
public enum ConversationStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case open, pending, resolved, closed

    /// Whether a conversation may move from this status to `next`; staying put is always allowed.
    public func canMove(to next: ConversationStatus) -> Bool {
        switch (self, next) {
        case (let from, let to) where from == to: true
        case (.closed, _): false
        case (_, .closed), (_, .resolved): true
        case (.open, .pending), (.pending, .open), (.resolved, .open): true
        default: false
        }
    }
}

/// How urgently a conversation needs attention.
public enum Priority: String, Sendable, Hashable, Codable, CaseIterable {
    case low, normal, high, urgent
}

/// One thread with one customer on one channel.
public struct Conversation: Sendable, Hashable, Codable {
    public var id: String
    public var customerID: String
    public var channel: Channel
    public var status: ConversationStatus
    /// The staff user who owns the conversation, if any.
    public var assigneeID: String?
    /// The routing queue the conversation waits in, if any.
    public var queue: String?
    public var teamID: String?
    public var priority: Priority
    /// Normalized tags: trimmed, lowercased, unique and sorted.
    public var tags: [String]
    /// BCP 47 language tag; `und` when unknown.
    public var language: String
    public var subject: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// When staff first replied publicly (internal notes do not count).
    public var firstResponseAt: Timestamp?
    /// When the conversation was last resolved; cleared on reopen.
    public var resolvedAt: Timestamp?
    /// The sequence number of the newest message; 0 before the first.
    public var lastMessageSeq: UInt64
    /// The newest message the customer has seen; nil before they read any.
    public var customerReadSeq: UInt64?
    /// The newest message staff have seen; nil before they read any.
    public var staffReadSeq: UInt64?

    // MARK: Routing (absent from records written before routing existed)

    /// How the customer seems to feel; `nil` until staff or a classifier set it.
    public var sentiment: Sentiment?
    /// Since when the conversation has waited for an agent; kept across declines, expired
    /// offers and overflows, cleared once someone takes it.
    public var queuedAt: Timestamp?
    /// When the conversation entered its current queue; overflow counts from here.
    public var queueEnteredAt: Timestamp?
    /// The agent the conversation is offered to, waiting for their answer.
    public var offer: Offer?
    /// Agents who declined or let an offer expire since the conversation last had an agent;
    /// routing skips them. Oldest first.
    public var declinedBy: [String]
    /// When routing last offered, assigned or moved the conversation.
    public var lastRoutedAt: Timestamp?
    /// The most recent assignee, kept after the conversation is unassigned or closed, so a
    /// returning customer can be routed back to them.
    public var lastAssigneeID: String?
    /// When ``lastAssigneeID`` was assigned; never moves backwards.
    public var lastAssignedAt: Timestamp?
    /// The customer's satisfaction rating, given once.
    public var rating: ConversationRating?

    public init(
        id: String, customerID: String, channel: Channel, status: ConversationStatus = .open,
        assigneeID: String? = nil, queue: String? = nil, teamID: String? = nil,
        priority: Priority = .normal, tags: [String] = [], language: String, subject: String,
        createdAt: Timestamp, updatedAt: Timestamp, firstResponseAt: Timestamp? = nil,
        resolvedAt: Timestamp? = nil, lastMessageSeq: UInt64 = 0, sentiment: Sentiment? = nil,
        queuedAt: Timestamp? = nil, queueEnteredAt: Timestamp? = nil, offer: Offer? = nil,
        declinedBy: [String] = [], lastRoutedAt: Timestamp? = nil, lastAssigneeID: String? = nil,
        lastAssignedAt: Timestamp? = nil, rating: ConversationRating? = nil
    ) {
        self.id = id
        self.customerID = customerID
        self.channel = channel
        self.status = status
        self.assigneeID = assigneeID
        self.queue = queue
        self.teamID = teamID
        self.priority = priority
        self.tags = tags
        self.language = language
        self.subject = subject
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.firstResponseAt = firstResponseAt
        self.resolvedAt = resolvedAt
        self.lastMessageSeq = lastMessageSeq
        self.sentiment = sentiment
        self.queuedAt = queuedAt
        self.queueEnteredAt = queueEnteredAt
        self.offer = offer
        self.declinedBy = declinedBy
        self.lastRoutedAt = lastRoutedAt
        self.lastAssigneeID = lastAssigneeID
        self.lastAssignedAt = lastAssignedAt
        self.rating = rating
    }

    private enum CodingKeys: String, CodingKey {
        case id, customerID, channel, status, assigneeID, queue, teamID, priority, tags, language, subject
        case createdAt, updatedAt, firstResponseAt, resolvedAt, lastMessageSeq
        case sentiment, queuedAt, queueEnteredAt, offer, declinedBy, lastRoutedAt, lastAssigneeID, lastAssignedAt, rating
        case customerReadSeq, staffReadSeq
    }

    /// Decodes every version of the record: fields added later default when absent.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        customerID = try container.decode(String.self, forKey: .customerID)
        channel = try container.decode(Channel.self, forKey: .channel)
        status = try container.decode(ConversationStatus.self, forKey: .status)
        assigneeID = try container.decodeIfPresent(String.self, forKey: .assigneeID)
        queue = try container.decodeIfPresent(String.self, forKey: .queue)
        teamID = try container.decodeIfPresent(String.self, forKey: .teamID)
        priority = try container.decode(Priority.self, forKey: .priority)
        tags = try container.decode([String].self, forKey: .tags)
        language = try container.decode(String.self, forKey: .language)
        subject = try container.decode(String.self, forKey: .subject)
        createdAt = try container.decode(Timestamp.self, forKey: .createdAt)
        updatedAt = try container.decode(Timestamp.self, forKey: .updatedAt)
        firstResponseAt = try container.decodeIfPresent(Timestamp.self, forKey: .firstResponseAt)
        resolvedAt = try container.decodeIfPresent(Timestamp.self, forKey: .resolvedAt)
        lastMessageSeq = try container.decode(UInt64.self, forKey: .lastMessageSeq)
        sentiment = try container.decodeIfPresent(Sentiment.self, forKey: .sentiment)
        queuedAt = try container.decodeIfPresent(Timestamp.self, forKey: .queuedAt)
        queueEnteredAt = try container.decodeIfPresent(Timestamp.self, forKey: .queueEnteredAt)
        offer = try container.decodeIfPresent(Offer.self, forKey: .offer)
        declinedBy = try container.decodeIfPresent([String].self, forKey: .declinedBy) ?? []
        lastRoutedAt = try container.decodeIfPresent(Timestamp.self, forKey: .lastRoutedAt)
        lastAssigneeID = try container.decodeIfPresent(String.self, forKey: .lastAssigneeID)
        lastAssignedAt = try container.decodeIfPresent(Timestamp.self, forKey: .lastAssignedAt)
        rating = try container.decodeIfPresent(ConversationRating.self, forKey: .rating)
        customerReadSeq = try container.decodeIfPresent(UInt64.self, forKey: .customerReadSeq)
        staffReadSeq = try container.decodeIfPresent(UInt64.self, forKey: .staffReadSeq)
        settleWaitOfEarlierRecord()
    }

    /// A record written before routing existed carries no wait: such a conversation has
    /// waited since its last update, the same on every replica that decodes it.
    mutating func settleWaitOfEarlierRecord() {
        if isAwaitingAgent, queuedAt == nil {
            queuedAt = updatedAt
            queueEnteredAt = queue == nil ? nil : updatedAt
        }
    }
}
