/// A chat widget installed on a customer's website, identified there by its public key.
public struct Widget: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// Embedded in the site's `<script>` tag: not a secret, it only names the widget.
    public var publicKey: String
    /// Where conversations opened through the widget wait.
    public var queue: String?
    public var teamID: String?
    /// Shown to visitors when the chat opens.
    public var greeting: String
    public var active: Bool
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, name: String, publicKey: String, queue: String? = nil, teamID: String? = nil, greeting: String = "",
        active: Bool = true, createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.name = name
        self.publicKey = publicKey
        self.queue = queue
        self.teamID = teamID
        self.greeting = greeting
        self.active = active
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Creates a widget; the proposing node generates the public key.
public struct CreateWidget: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var publicKey: String
    public var queue: String?
    public var teamID: String?
    public var greeting: String

    public init(id: String, name: String, publicKey: String, queue: String? = nil, teamID: String? = nil, greeting: String = "") {
        self.id = id
        self.name = name
        self.publicKey = publicKey
        self.queue = queue
        self.teamID = teamID
        self.greeting = greeting
    }
}

/// Changes a widget; `nil` fields stay as they are.
public struct UpdateWidget: Sendable, Hashable, Codable {
    public var widgetID: String
    public var name: String?
    public var queue: Patch<String>?
    public var teamID: Patch<String>?
    public var greeting: String?
    public var active: Bool?

    public init(
        widgetID: String, name: String? = nil, queue: Patch<String>? = nil, teamID: Patch<String>? = nil,
        greeting: String? = nil, active: Bool? = nil
    ) {
        self.widgetID = widgetID
        self.name = name
        self.queue = queue
        self.teamID = teamID
        self.greeting = greeting
        self.active = active
    }
}

/// Someone in a conversation is typing: an event only, nothing is stored.
public struct SignalTyping: Sendable, Hashable, Codable {
    public var conversationID: String

    public init(conversationID: String) {
        self.conversationID = conversationID
    }
}

/// The reader has seen the conversation's messages up to `seq`.
public struct MarkRead: Sendable, Hashable, Codable {
    public var conversationID: String
    public var seq: UInt64

    public init(conversationID: String, seq: UInt64) {
        self.conversationID = conversationID
        self.seq = seq
    }
}

/// Who is typing in a conversation, for the live event.
public struct TypingSignal: Sendable, Hashable, Codable {
    public var conversationID: String
    public var type: AuthorType
    public var id: String
    public var name: String

    public init(conversationID: String, type: AuthorType, id: String, name: String) {
        self.conversationID = conversationID
        self.type = type
        self.id = id
        self.name = name
    }
}

extension Desk {
    func createWidget(
        _ body: CreateWidget, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.admin, to: "manage widgets")
        try limits.checkID(body.id, "widget id")
        guard widgets[body.id] == nil else { throw .conflict("widget \(body.id) already exists") }
        try limits.checkID(body.publicKey, "widget key")
        guard widget(publicKey: body.publicKey) == nil else { throw .conflict("the widget key is already used") }
        if let teamID = body.teamID { try requireTeam(teamID) }
        let widget = Widget(
            id: body.id, name: try limits.name(body.name, "name"), publicKey: body.publicKey,
            queue: try body.queue.map { value throws(CommandError) in try limits.label(value, "queue") }, teamID: body.teamID,
            greeting: try limits.bounded(body.greeting, "greeting", bytesMax: limits.subjectBytesMax),
            createdAt: context.time, updatedAt: context.time)
        changeset.widgets.append(widget)
        changeset.emit(.widgetCreated, .widget(widget))
        changeset.note("widget.create", target: widget.id)
        return .widget(widget)
    }

    func updateWidget(
        _ body: UpdateWidget, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.admin, to: "manage widgets")
        guard var widget = widgets[body.widgetID] else { throw .notFound("widget \(body.widgetID)") }
        if let name = body.name { widget.name = try limits.name(name, "name") }
        if let queue = body.queue {
            widget.queue = try queue.value.map { value throws(CommandError) in try limits.label(value, "queue") }
        }
        if let team = body.teamID {
            if let teamID = team.value { try requireTeam(teamID) }
            widget.teamID = team.value
        }
        if let greeting = body.greeting { widget.greeting = try limits.bounded(greeting, "greeting", bytesMax: limits.subjectBytesMax) }
        if let active = body.active { widget.active = active }
        widget.updatedAt = context.time
        changeset.widgets.append(widget)
        changeset.emit(.widgetUpdated, .widget(widget))
        changeset.note("widget.update", target: widget.id)
        return .widget(widget)
    }

    func signalTyping(
        _ body: SignalTyping, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        guard let conversation = conversations[body.conversationID] else { throw .notFound("conversation \(body.conversationID)") }
        guard conversation.status != .closed else { throw .conflict("conversation \(conversation.id) is closed") }
        let signal = try typist(in: conversation, context.principal)
        changeset.emit(.conversationTyping, .typing(signal), conversationID: conversation.id)
        return .typing(signal)
    }

    private func typist(in conversation: Conversation, _ principal: Principal) throws(CommandError) -> TypingSignal {
        switch principal {
        case .customer(let me):
            guard me.id == conversation.customerID else { throw .forbidden("customers type only in their own conversations") }
            return TypingSignal(conversationID: conversation.id, type: .customer, id: me.id, name: me.name)
        case .staff(let user):
            return TypingSignal(conversationID: conversation.id, type: .agent, id: user.id, name: user.name)
        case .admin, .system:
            throw .forbidden("only customers and staff users type")
        }
    }

    func markRead(
        _ body: MarkRead, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        guard var conversation = conversations[body.conversationID] else { throw .notFound("conversation \(body.conversationID)") }
        let seq = min(body.seq, conversation.lastMessageSeq)
        switch context.principal {
        case .customer(let me):
            guard me.id == conversation.customerID else { throw .forbidden("customers read only their own conversations") }
            conversation.customerReadSeq = max(conversation.customerReadSeq ?? 0, seq)
        case .staff:
            conversation.staffReadSeq = max(conversation.staffReadSeq ?? 0, seq)
        case .admin, .system:
            throw .forbidden("only customers and staff users read")
        }
        changeset.conversations.append(conversation)
        let customer = customers[conversation.customerID]!
        changeset.emit(.conversationRead, .conversation(conversation, customer: customer), conversationID: conversation.id)
        return .conversation(conversation, customer: customer)
    }

    /// The active widget with this public key.
    public func widget(publicKey: String) -> Widget? {
        widgets.values.first { $0.publicKey == publicKey && $0.active }
    }

    public func widget(id: String) -> Widget? { widgets[id] }

    public func allWidgets() -> [Widget] { widgets.values.sorted { $0.id < $1.id } }
}
