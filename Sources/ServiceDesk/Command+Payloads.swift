/// Creates a customer profile.
public struct CreateCustomer: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var email: String?
    public var phone: String?
    public var language: String?
    public var externalIDs: [Channel: String]
    public var attributes: [String: String]
    public var tier: CustomerTier

    public init(
        id: String, name: String, email: String? = nil, phone: String? = nil, language: String? = nil,
        externalIDs: [Channel: String] = [:], attributes: [String: String] = [:], tier: CustomerTier = .standard
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.phone = phone
        self.language = language
        self.externalIDs = externalIDs
        self.attributes = attributes
        self.tier = tier
    }
}

/// Changes a customer profile; `nil` fields stay as they are. A customer may change their own
/// name, email, phone and language; staff and the system may change everything.
public struct UpdateCustomer: Sendable, Hashable, Codable {
    public var customerID: String
    public var name: String?
    public var email: Patch<String>?
    public var phone: Patch<String>?
    public var language: Patch<String>?
    /// Replaces all external ids.
    public var externalIDs: [Channel: String]?
    /// Replaces all attributes.
    public var attributes: [String: String]?
    public var tier: CustomerTier?

    public init(
        customerID: String, name: String? = nil, email: Patch<String>? = nil, phone: Patch<String>? = nil,
        language: Patch<String>? = nil, externalIDs: [Channel: String]? = nil,
        attributes: [String: String]? = nil, tier: CustomerTier? = nil
    ) {
        self.customerID = customerID
        self.name = name
        self.email = email
        self.phone = phone
        self.language = language
        self.externalIDs = externalIDs
        self.attributes = attributes
        self.tier = tier
    }

    /// Whether the update touches only fields a customer may change about themselves.
    var isSelfService: Bool { externalIDs == nil && attributes == nil && tier == nil }
}

/// Names the customer of a new conversation.
public enum CustomerReference: Sendable, Hashable, Codable {
    /// An existing customer.
    case existing(id: String)
    /// The customer known on `channel` as `externalID`; created with `newCustomerID` and
    /// `name` if no customer has that external id yet (how channels open conversations).
    case external(channel: Channel, externalID: String, newCustomerID: String, name: String)
}

/// Opens a conversation.
public struct CreateConversation: Sendable, Hashable, Codable {
    public var id: String
    public var customer: CustomerReference
    public var channel: Channel
    public var subject: String
    /// Defaults to the customer's language, or `und`.
    public var language: String?
    public var priority: Priority
    public var queue: String?
    public var teamID: String?
    public var tags: [String]

    public init(
        id: String, customer: CustomerReference, channel: Channel, subject: String = "",
        language: String? = nil, priority: Priority = .normal, queue: String? = nil,
        teamID: String? = nil, tags: [String] = []
    ) {
        self.id = id
        self.customer = customer
        self.channel = channel
        self.subject = subject
        self.language = language
        self.priority = priority
        self.queue = queue
        self.teamID = teamID
        self.tags = tags
    }
}

/// Changes a conversation; `nil` fields stay as they are.
public struct UpdateConversation: Sendable, Hashable, Codable {
    public var conversationID: String
    public var status: ConversationStatus?
    public var assigneeID: Patch<String>?
    public var queue: Patch<String>?
    public var teamID: Patch<String>?
    public var priority: Priority?
    /// Replaces all tags.
    public var tags: [String]?

    public init(
        conversationID: String, status: ConversationStatus? = nil, assigneeID: Patch<String>? = nil,
        queue: Patch<String>? = nil, teamID: Patch<String>? = nil, priority: Priority? = nil,
        tags: [String]? = nil
    ) {
        self.conversationID = conversationID
        self.status = status
        self.assigneeID = assigneeID
        self.queue = queue
        self.teamID = teamID
        self.priority = priority
        self.tags = tags
    }
}

/// Adds a message to a conversation. The author follows from the actor: a customer, an agent,
/// or for the system actor a bot (when `botName` is set) or the system itself.
public struct PostMessage: Sendable, Hashable, Codable {
    public var conversationID: String
    public var messageID: String
    public var text: String
    public var attachments: [Attachment]
    /// An internal note, visible to staff only; only staff may write one.
    public var `internal`: Bool
    /// The bot speaking, for system-actor messages.
    public var botName: String?

    public init(
        conversationID: String, messageID: String, text: String, attachments: [Attachment] = [],
        internal: Bool = false, botName: String? = nil
    ) {
        self.conversationID = conversationID
        self.messageID = messageID
        self.text = text
        self.attachments = attachments
        self.internal = `internal`
        self.botName = botName
    }
}

/// Creates a staff user (admins only).
public struct CreateStaff: Sendable, Hashable, Codable {
    public var id: String
    public var email: String
    public var name: String
    public var role: StaffRole
    public var passwordHash: String
    public var skills: [String: Int]
    public var languages: [String]
    public var concurrentConversationsMax: Int
    public var teamIDs: [String]

    public init(
        id: String, email: String, name: String, role: StaffRole, passwordHash: String,
        skills: [String: Int] = [:], languages: [String] = [], concurrentConversationsMax: Int = 5,
        teamIDs: [String] = []
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.skills = skills
        self.languages = languages
        self.concurrentConversationsMax = concurrentConversationsMax
        self.teamIDs = teamIDs
    }
}

/// Changes a staff user; `nil` fields stay as they are. Users may change their own name,
/// languages and password hash; admins may change everything.
public struct UpdateStaff: Sendable, Hashable, Codable {
    public var staffID: String
    public var email: String?
    public var name: String?
    public var role: StaffRole?
    public var passwordHash: String?
    public var skills: [String: Int]?
    public var languages: [String]?
    public var concurrentConversationsMax: Int?
    public var teamIDs: [String]?
    public var active: Bool?

    public init(
        staffID: String, email: String? = nil, name: String? = nil, role: StaffRole? = nil,
        passwordHash: String? = nil, skills: [String: Int]? = nil, languages: [String]? = nil,
        concurrentConversationsMax: Int? = nil, teamIDs: [String]? = nil, active: Bool? = nil
    ) {
        self.staffID = staffID
        self.email = email
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.skills = skills
        self.languages = languages
        self.concurrentConversationsMax = concurrentConversationsMax
        self.teamIDs = teamIDs
        self.active = active
    }

    /// Whether the update touches only fields users may change about themselves.
    var isSelfService: Bool {
        email == nil && role == nil && skills == nil && concurrentConversationsMax == nil
            && teamIDs == nil && active == nil
    }
}

/// Sets a staff user's presence: by the user, a supervisor, an admin, or the system.
public struct SetStaffStatus: Sendable, Hashable, Codable {
    public var staffID: String
    public var status: PresenceStatus

    public init(staffID: String, status: PresenceStatus) {
        self.staffID = staffID
        self.status = status
    }
}

/// Creates a team (admins only).
public struct CreateTeam: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var description: String

    public init(id: String, name: String, description: String = "") {
        self.id = id
        self.name = name
        self.description = description
    }
}

/// Changes a team (admins only); `nil` fields stay as they are.
public struct UpdateTeam: Sendable, Hashable, Codable {
    public var teamID: String
    public var name: String?
    public var description: String?

    public init(teamID: String, name: String? = nil, description: String? = nil) {
        self.teamID = teamID
        self.name = name
        self.description = description
    }
}

/// Creates a canned response (supervisors and admins).
public struct CreateCannedResponse: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    public var text: String
    public var shortcut: String
    public var teamID: String?

    public init(id: String, title: String, text: String, shortcut: String, teamID: String? = nil) {
        self.id = id
        self.title = title
        self.text = text
        self.shortcut = shortcut
        self.teamID = teamID
    }
}

/// Changes a canned response (supervisors and admins); `nil` fields stay as they are.
public struct UpdateCannedResponse: Sendable, Hashable, Codable {
    public var cannedResponseID: String
    public var title: String?
    public var text: String?
    public var shortcut: String?
    public var teamID: Patch<String>?

    public init(
        cannedResponseID: String, title: String? = nil, text: String? = nil, shortcut: String? = nil,
        teamID: Patch<String>? = nil
    ) {
        self.cannedResponseID = cannedResponseID
        self.title = title
        self.text = text
        self.shortcut = shortcut
        self.teamID = teamID
    }
}

/// Deletes a canned response (supervisors and admins).
public struct DeleteCannedResponse: Sendable, Hashable, Codable {
    public var cannedResponseID: String

    public init(cannedResponseID: String) {
        self.cannedResponseID = cannedResponseID
    }
}
