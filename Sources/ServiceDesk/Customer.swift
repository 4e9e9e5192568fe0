/// A channel a customer can reach the business on.
public enum Channel: String, Sendable, Hashable, Codable, CaseIterable, CodingKeyRepresentable {
    case web, app, email, wechat, weibo, messenger, phone

    /// Whether the customer reads a conversation live (the web widget, the app, over the
    /// event stream); on the other channels staff messages reach them through the outbox.
    public var isLive: Bool { self == .web || self == .app }
}

/// How a customer is treated by routing and SLAs.
public enum CustomerTier: String, Sendable, Hashable, Codable, CaseIterable {
    case standard, vip
}

/// A person the business talks to, possibly known on several channels.
public struct Customer: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// Lowercased email address.
    public var email: String?
    public var phone: String?
    /// BCP 47 language tag such as `zh-CN` or `en`.
    public var language: String?
    /// The customer's id on each channel (WeChat OpenID, Messenger PSID, phone number…).
    /// Each (channel, id) pair belongs to at most one customer.
    public var externalIDs: [Channel: String]
    /// Free-form profile fields set by integrations.
    public var attributes: [String: String]
    public var tier: CustomerTier
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, name: String, email: String? = nil, phone: String? = nil, language: String? = nil,
        externalIDs: [Channel: String] = [:], attributes: [String: String] = [:],
        tier: CustomerTier = .standard, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.name = name
        self.email = email
        self.phone = phone
        self.language = language
        self.externalIDs = externalIDs
        self.attributes = attributes
        self.tier = tier
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
