/// Where a ticket is in its life.
///
/// Allowed moves (staying put is always allowed):
///
/// | from \ to | new | open | pending | onHold | solved | closed |
/// |-----------|-----|------|---------|--------|--------|--------|
/// | new       |  =  |  ✓   |    ✓    |   ✓    |   ✓    |   ✓    |
/// | open      |  –  |  =   |    ✓    |   ✓    |   ✓    |   ✓    |
/// | pending   |  –  |  ✓   |    =    |   ✓    |   ✓    |   ✓    |
/// | onHold    |  –  |  ✓   |    ✓    |   =    |   ✓    |   ✓    |
/// | solved    |  –  |  ✓   |    –    |   –    |   =    |   ✓    |
/// | closed    |  –  |  –   |    –    |   –    |   –    |   =    |
///
/// `new` exists only until someone works on the ticket: the first assignment or the first
/// public staff reply moves it to `open`. A public customer comment moves a `pending` or
/// `solved` ticket back to `open`. `closed` is final: a closed ticket takes no change and no
/// comment (a merged ticket is closed).
public enum TicketStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case new, open, pending, onHold, solved, closed

    /// Whether a ticket may move from this status to `next`.
    public func canMove(to next: TicketStatus) -> Bool {
        switch (self, next) {
        case (let from, let to) where from == to: true
        case (.closed, _), (_, .new): false
        case (.solved, .open), (.solved, .closed): true
        case (.solved, _): false
        default: true
        }
    }

    /// The ticket waits on staff: the resolution clock runs and reminders apply.
    var isWaitingOnStaff: Bool { self == .new || self == .open }

    /// Solved or closed: no SLA clock runs.
    var isDone: Bool { self == .solved || self == .closed }
}

/// What kind of request a ticket is.
public enum TicketType: String, Sendable, Hashable, Codable, CaseIterable {
    case question, incident, problem, task
}

extension Priority {
    /// One step more urgent; `urgent` stays `urgent`.
    var raised: Priority {
        switch self {
        case .low: .normal
        case .normal: .high
        case .high, .urgent: .urgent
        }
    }
}

/// A customer's request tracked to its resolution, possibly beyond one conversation.
public struct Ticket: Sendable, Hashable, Codable {
    public var id: String
    public var subject: String
    public var description: String
    /// The customer who asked.
    public var requesterID: String
    public var status: TicketStatus
    public var priority: Priority
    public var type: TicketType
    public var teamID: String?
    public var assigneeID: String?
    /// Normalized tags: trimmed, lowercased, unique and sorted.
    public var tags: [String]
    /// Custom fields set by staff or integrations.
    public var fields: [String: String]
    /// Staff users following the ticket; unique and sorted.
    public var watcherIDs: [String]
    /// The conversation the ticket was created from, if any.
    public var conversationID: String?
    /// Where customer notifications go: the conversation's channel, or the one named at creation.
    public var channel: Channel
    /// The ticket this one was merged into; a merged ticket is closed.
    public var mergedInto: String?
    /// The SLA policy the clocks follow; `nil` runs no clocks.
    public var slaPolicyID: String?
    public var sla: TicketSLA
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// When the current assignee got the ticket.
    public var assignedAt: Timestamp?
    /// When staff first replied publicly (internal comments do not count).
    public var firstRespondedAt: Timestamp?
    /// When the ticket was last solved; cleared on reopen.
    public var solvedAt: Timestamp?
    public var closedAt: Timestamp?
    /// The seq of the newest comment; 0 before the first.
    public var lastCommentSeq: UInt64
    /// The seq of the newest history entry.
    public var lastHistorySeq: UInt64

    public init(
        id: String, subject: String, description: String, requesterID: String, status: TicketStatus = .new,
        priority: Priority = .normal, type: TicketType = .question, teamID: String? = nil, assigneeID: String? = nil,
        tags: [String] = [], fields: [String: String] = [:], watcherIDs: [String] = [], conversationID: String? = nil,
        channel: Channel, mergedInto: String? = nil, slaPolicyID: String? = nil, sla: TicketSLA = TicketSLA(),
        createdAt: Timestamp, updatedAt: Timestamp, assignedAt: Timestamp? = nil, firstRespondedAt: Timestamp? = nil,
        solvedAt: Timestamp? = nil, closedAt: Timestamp? = nil, lastCommentSeq: UInt64 = 0, lastHistorySeq: UInt64 = 0
    ) {
        self.id = id
        self.subject = subject
        self.description = description
        self.requesterID = requesterID
        self.status = status
        self.priority = priority
        self.type = type
        self.teamID = teamID
        self.assigneeID = assigneeID
        self.tags = tags
        self.fields = fields
        self.watcherIDs = watcherIDs
        self.conversationID = conversationID
        self.channel = channel
        self.mergedInto = mergedInto
        self.slaPolicyID = slaPolicyID
        self.sla = sla
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.assignedAt = assignedAt
        self.firstRespondedAt = firstRespondedAt
        self.solvedAt = solvedAt
        self.closedAt = closedAt
        self.lastCommentSeq = lastCommentSeq
        self.lastHistorySeq = lastHistorySeq
    }
}

/// The instants at which one SLA target warns and falls due.
public struct SLADue: Sendable, Hashable, Codable {
    /// When the near-breach warning is due: the policy's warning minutes before `dueAt`, in
    /// business time.
    public var warnAt: Timestamp
    public var dueAt: Timestamp

    public init(warnAt: Timestamp, dueAt: Timestamp) {
        self.warnAt = warnAt
        self.dueAt = dueAt
    }
}

/// A ticket's SLA clocks. The due instants are recomputed by `apply` on every change of the
/// ticket, from the facts kept here and the ticket's policy, priority and calendar; see
/// ``SLAPolicy`` for the rules.
public struct TicketSLA: Sendable, Hashable, Codable {
    /// Running until the first public staff reply; `nil` when met, stopped or without target.
    public var firstResponse: SLADue?
    /// Running from a public customer comment until the next public staff reply.
    public var nextResponse: SLADue?
    /// Running while the ticket is new or open.
    public var resolution: SLADue?
    /// When the ticket started waiting for a public staff reply: its creation, or the first
    /// public customer comment since the last public staff reply; `nil` after a staff reply.
    public var awaitingReplySince: Timestamp?
    /// When the resolution clock last started running; `nil` while paused or stopped.
    public var resolutionRunningSince: Timestamp?
    /// Business time used up by the resolution clock before `resolutionRunningSince`.
    public var resolutionElapsedMilliseconds: Int64
    /// When the assignee is next reminded that the ticket waits on them.
    public var reminderDueAt: Timestamp?
    public var lastReminderAt: Timestamp?
    /// Metrics recorded as breached, each at most once per ticket; sorted.
    public var breached: [SLAMetric]
    /// Metrics recorded as near breach, each at most once per ticket; sorted.
    public var warned: [SLAMetric]

    public init(
        firstResponse: SLADue? = nil, nextResponse: SLADue? = nil, resolution: SLADue? = nil,
        awaitingReplySince: Timestamp? = nil, resolutionRunningSince: Timestamp? = nil,
        resolutionElapsedMilliseconds: Int64 = 0, reminderDueAt: Timestamp? = nil, lastReminderAt: Timestamp? = nil,
        breached: [SLAMetric] = [], warned: [SLAMetric] = []
    ) {
        self.firstResponse = firstResponse
        self.nextResponse = nextResponse
        self.resolution = resolution
        self.awaitingReplySince = awaitingReplySince
        self.resolutionRunningSince = resolutionRunningSince
        self.resolutionElapsedMilliseconds = resolutionElapsedMilliseconds
        self.reminderDueAt = reminderDueAt
        self.lastReminderAt = lastReminderAt
        self.breached = breached
        self.warned = warned
    }

    /// The running target of `metric`, if any.
    public func due(_ metric: SLAMetric) -> SLADue? {
        switch metric {
        case .firstResponse: firstResponse
        case .nextResponse: nextResponse
        case .resolution: resolution
        }
    }
}

/// One comment on a ticket. Comments are immutable once applied.
public struct TicketComment: Sendable, Hashable, Codable {
    public var ticketID: String
    /// Position on the ticket: 1, 2, 3… with no gaps.
    public var seq: UInt64
    public var author: MessageAuthor
    public var text: String
    public var attachments: [Attachment]
    /// Visible to staff only, never sent to the customer.
    public var `internal`: Bool
    public var createdAt: Timestamp
    /// The Raft log index that created the comment.
    public var index: UInt64

    public init(
        ticketID: String, seq: UInt64, author: MessageAuthor, text: String, attachments: [Attachment] = [],
        internal: Bool, createdAt: Timestamp, index: UInt64
    ) {
        self.ticketID = ticketID
        self.seq = seq
        self.author = author
        self.text = text
        self.attachments = attachments
        self.internal = `internal`
        self.createdAt = createdAt
        self.index = index
    }
}

/// One field of a ticket that a command changed: its value before and after, as text.
public struct TicketChange: Sendable, Hashable, Codable {
    public var field: String
    public var from: String?
    public var to: String?

    public init(field: String, from: String?, to: String?) {
        self.field = field
        self.from = from
        self.to = to
    }
}

/// One entry of a ticket's audit trail: every command that changed the ticket writes exactly
/// one, with who, when and what.
public struct TicketHistoryEntry: Sendable, Hashable, Codable {
    public var ticketID: String
    /// Position in the ticket's history: 1, 2, 3… with no gaps.
    public var seq: UInt64
    /// The Raft log index of the command.
    public var index: UInt64
    public var time: Timestamp
    public var actor: Actor
    /// What happened: `created`, `updated`, `commented`, `merged`, `merged_into`,
    /// `sla_breached`, `sla_warning` or `reminded`.
    public var action: String
    public var changes: [TicketChange]

    public init(
        ticketID: String, seq: UInt64, index: UInt64, time: Timestamp, actor: Actor, action: String, changes: [TicketChange]
    ) {
        self.ticketID = ticketID
        self.seq = seq
        self.index = index
        self.time = time
        self.actor = actor
        self.action = action
        self.changes = changes
    }
}

/// Why the customer is being told something.
public enum OutboxKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Staff replied publicly on the ticket.
    case reply
    /// The ticket was solved.
    case solved
    /// Staff, a bot or the system wrote to the customer in a conversation on a channel whose
    /// customers are not connected live (email, WeChat, Weibo, Messenger, phone).
    case message
}

/// A notification for a customer, for the channel layer to deliver: the owner of the
/// ticket's slot posts it to its channel's webhook (``ChannelWebhook``) and records each
/// attempt. Items stored before deliveries were recorded read as pending, never attempted.
public struct OutboxItem: Sendable, Hashable, Codable {
    /// `<log index>.<ordinal>`: unique, and ordered as the items were created.
    public var id: String
    public var index: UInt64
    public var ordinal: Int
    public var channel: Channel
    public var customerID: String
    /// The ticket a `reply` or `solved` notice is about.
    public var ticketID: String?
    /// The conversation and message of a `message`.
    public var conversationID: String?
    public var messageID: String?
    /// The message's attachments, if it has any.
    public var attachments: [Attachment]?
    public var kind: OutboxKind
    public var text: String
    public var createdAt: Timestamp
    public var status: OutboxStatus = .pending
    /// Delivery attempts made so far.
    public var attempts = 0
    /// When a pending item that failed is tried again.
    public var nextAttemptAt: Timestamp?
    public var deliveredAt: Timestamp?
    /// When the last attempt failed for good.
    public var failedAt: Timestamp?
    /// Why the last attempt failed.
    public var lastError: String?

    public init(
        index: UInt64, ordinal: Int, channel: Channel, customerID: String, ticketID: String? = nil,
        conversationID: String? = nil, messageID: String? = nil, kind: OutboxKind, text: String, createdAt: Timestamp
    ) {
        self.id = "\(index).\(ordinal)"
        self.index = index
        self.ordinal = ordinal
        self.channel = channel
        self.customerID = customerID
        self.ticketID = ticketID
        self.conversationID = conversationID
        self.messageID = messageID
        self.kind = kind
        self.text = text
        self.createdAt = createdAt
    }

    private enum CodingKeys: String, CodingKey {
        case id, index, ordinal, channel, customerID, ticketID, conversationID, messageID, attachments, kind, text, createdAt
        case status, attempts, nextAttemptAt, deliveredAt, failedAt, lastError
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        index = try container.decode(UInt64.self, forKey: .index)
        ordinal = try container.decode(Int.self, forKey: .ordinal)
        channel = try container.decode(Channel.self, forKey: .channel)
        customerID = try container.decode(String.self, forKey: .customerID)
        ticketID = try container.decodeIfPresent(String.self, forKey: .ticketID)
        conversationID = try container.decodeIfPresent(String.self, forKey: .conversationID)
        messageID = try container.decodeIfPresent(String.self, forKey: .messageID)
        attachments = try container.decodeIfPresent([Attachment].self, forKey: .attachments)
        kind = try container.decode(OutboxKind.self, forKey: .kind)
        text = try container.decode(String.self, forKey: .text)
        createdAt = try container.decode(Timestamp.self, forKey: .createdAt)
        status = try container.decodeIfPresent(OutboxStatus.self, forKey: .status) ?? .pending
        attempts = try container.decodeIfPresent(Int.self, forKey: .attempts) ?? 0
        nextAttemptAt = try container.decodeIfPresent(Timestamp.self, forKey: .nextAttemptAt)
        deliveredAt = try container.decodeIfPresent(Timestamp.self, forKey: .deliveredAt)
        failedAt = try container.decodeIfPresent(Timestamp.self, forKey: .failedAt)
        lastError = try container.decodeIfPresent(String.self, forKey: .lastError)
    }

    /// The entity whose session slot owns the item's delivery: its ticket or conversation.
    public var slotEntityID: String { ticketID ?? conversationID ?? id }
}

/// What an SLA timer recorded on a ticket.
public enum TicketAlertKind: String, Sendable, Hashable, Codable, CaseIterable {
    case breach, warning, reminder
}

/// An SLA breach, near-breach warning or assignee reminder, with the ticket after it.
public struct TicketAlert: Sendable, Hashable, Codable {
    public var kind: TicketAlertKind
    /// The metric breached or warned about; `nil` for reminders.
    public var metric: SLAMetric?
    public var ticket: Ticket

    public init(kind: TicketAlertKind, metric: SLAMetric?, ticket: Ticket) {
        self.kind = kind
        self.metric = metric
        self.ticket = ticket
    }
}
