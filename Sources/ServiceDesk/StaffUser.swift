/// What a staff user may do. Each role includes the rights of the ones below it.
public enum StaffRole: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case agent, supervisor, admin

    private var rank: Int {
        switch self {
        case .agent: 0
        case .supervisor: 1
        case .admin: 2
        }
    }

    public static func < (lhs: StaffRole, rhs: StaffRole) -> Bool { lhs.rank < rhs.rank }
}

/// A staff user's presence, which routing reads.
public enum PresenceStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case online, away, offline
}

/// An agent, supervisor or administrator.
public struct StaffUser: Sendable, Hashable, Codable {
    public var id: String
    /// Lowercased; unique among staff users.
    public var email: String
    public var name: String
    public var role: StaffRole
    /// An opaque hash computed by the server; the desk only stores and compares it.
    public var passwordHash: String
    /// Skill name → level 1…5, read by routing.
    public var skills: [String: Int]
    /// BCP 47 language tags the user can answer in.
    public var languages: [String]
    /// How many open conversations routing may assign to this user at once.
    public var concurrentConversationsMax: Int
    public var status: PresenceStatus
    public var teamIDs: [String]
    /// An inactive user can neither sign in nor act.
    public var active: Bool
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, email: String, name: String, role: StaffRole, passwordHash: String,
        skills: [String: Int] = [:], languages: [String] = [], concurrentConversationsMax: Int = 5,
        status: PresenceStatus = .offline, teamIDs: [String] = [], active: Bool = true,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.passwordHash = passwordHash
        self.skills = skills
        self.languages = languages
        self.concurrentConversationsMax = concurrentConversationsMax
        self.status = status
        self.teamIDs = teamIDs
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A copy without the password hash, for results and events that leave the server.
    public var redacted: StaffUser {
        var copy = self
        copy.passwordHash = ""
        return copy
    }
}
