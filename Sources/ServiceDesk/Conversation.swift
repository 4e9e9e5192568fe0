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

    public init(
        id: String, customerID: String, channel: Channel, status: ConversationStatus = .open,
        assigneeID: String? = nil, queue: String? = nil, teamID: String? = nil,
        priority: Priority = .normal, tags: [String] = [], language: String, subject: String,
        createdAt: Timestamp, updatedAt: Timestamp, firstResponseAt: Timestamp? = nil,
        resolvedAt: Timestamp? = nil, lastMessageSeq: UInt64 = 0
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
    }
}
