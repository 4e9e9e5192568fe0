/// The kind of party that wrote a message.
public enum AuthorType: String, Sendable, Hashable, Codable, CaseIterable {
    case customer, agent, bot, system
}

/// Who wrote a message.
public struct MessageAuthor: Sendable, Hashable, Codable {
    public var type: AuthorType
    /// Customer id, staff id, bot name, or `system`.
    public var id: String

    public init(type: AuthorType, id: String) {
        self.type = type
        self.id = id
    }
}

/// Metadata of a file attached to a message; the bytes live in object storage at `url`.
public struct Attachment: Sendable, Hashable, Codable {
    public var name: String
    public var contentType: String
    /// The file's size.
    public var bytes: Int64
    public var url: String

    public init(name: String, contentType: String, bytes: Int64, url: String) {
        self.name = name
        self.contentType = contentType
        self.bytes = bytes
        self.url = url
    }
}

/// One message in a conversation. Messages are immutable once applied.
public struct Message: Sendable, Hashable, Codable {
    public var id: String
    public var conversationID: String
    /// Position in the conversation: 1, 2, 3… with no gaps.
    public var seq: UInt64
    public var author: MessageAuthor
    public var text: String
    public var attachments: [Attachment]
    /// An internal note: visible to staff only, never delivered to the customer.
    public var `internal`: Bool
    public var createdAt: Timestamp
    /// The Raft log index that created the message.
    public var index: UInt64

    public init(
        id: String, conversationID: String, seq: UInt64, author: MessageAuthor, text: String,
        attachments: [Attachment], internal: Bool, createdAt: Timestamp, index: UInt64
    ) {
        self.id = id
        self.conversationID = conversationID
        self.seq = seq
        self.author = author
        self.text = text
        self.attachments = attachments
        self.internal = `internal`
        self.createdAt = createdAt
        self.index = index
    }
}
