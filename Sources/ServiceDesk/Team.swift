/// A group of staff users that conversations can be routed to.
public struct Team: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var description: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(id: String, name: String, description: String, createdAt: Timestamp, updatedAt: Timestamp) {
        self.id = id
        self.name = name
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A reusable reply that agents insert by its shortcut.
public struct CannedResponse: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var text: String
    /// Unique among canned responses, such as `/refund`.
    public var shortcut: String
    /// The team that owns it; `nil` for everyone.
    public var teamID: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, title: String, text: String, shortcut: String, teamID: String?,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.title = title
        self.text = text
        self.shortcut = shortcut
        self.teamID = teamID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A record of one staff or operator action.
public struct AuditEntry: Sendable, Hashable, Codable {
    /// The Raft log index of the command; unique, so it is also the entry's key.
    public var index: UInt64
    public var time: Timestamp
    public var actor: Actor
    /// Dotted action name such as `conversation.update`.
    public var action: String
    /// The id of the entity acted on.
    public var target: String
    /// A short human-readable summary of what changed.
    public var details: String

    public init(index: UInt64, time: Timestamp, actor: Actor, action: String, target: String, details: String) {
        self.index = index
        self.time = time
        self.actor = actor
        self.action = action
        self.target = target
        self.details = details
    }
}
