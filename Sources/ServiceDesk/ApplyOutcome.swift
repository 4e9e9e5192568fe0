/// The entity a successful command produced, returned to its proposer.
///
/// Indirect: inline, every value would be as large as the largest case (a conversation with
/// its customer, about 500 bytes), and the idempotency table keeps 50,000 of them in a
/// dictionary sized for the whole window, whose removals move entries bucket by bucket.
/// Boxed, a result is one pointer, and copying it is one retain.
public indirect enum DeskResult: Sendable, Hashable, Codable {
    case customer(Customer)
    /// A conversation and its customer (which `createConversation` may have created).
    case conversation(Conversation, customer: Customer)
    case message(Message)
    /// A staff user, without the password hash.
    case staff(StaffUser)
    case team(Team)
    case cannedResponse(CannedResponse)
    /// The id of a deleted canned response.
    case cannedResponseDeleted(id: String)
    /// The session slot map after a change.
    case slots(SlotMap)
    case widget(Widget)
    /// Someone is typing (nothing stored).
    case typing(TypingSignal)
    case queue(Queue)
    case routingRule(RoutingRule)
    /// The id of a deleted routing rule.
    case routingRuleDeleted(id: String)
    case ticket(Ticket)
    case ticketComment(TicketComment)
    /// A new entry of a ticket's history (only ever an event's payload).
    case ticketHistoryEntry(TicketHistoryEntry)
    /// An SLA breach, warning or reminder with the ticket after it.
    case ticketAlert(TicketAlert)
    case slaPolicy(SLAPolicy)
    case businessCalendar(BusinessCalendar)
    /// A channel's webhook after a change (with its secret: only its admin proposer sees it).
    case channelWebhook(ChannelWebhook)
    /// An outbox item after a delivery attempt.
    case outboxItem(OutboxItem)
}

/// The kind of a live event, as clients see it.
public enum DeskEventType: String, Sendable, Hashable, Codable, CaseIterable {
    case customerCreated = "customer.created"
    case customerUpdated = "customer.updated"
    case conversationCreated = "conversation.created"
    case conversationUpdated = "conversation.updated"
    case messageCreated = "message.created"
    case staffCreated = "staff.created"
    case staffUpdated = "staff.updated"
    case agentStatus = "agent.status"
    case teamCreated = "team.created"
    case teamUpdated = "team.updated"
    case cannedResponseCreated = "canned_response.created"
    case cannedResponseUpdated = "canned_response.updated"
    case cannedResponseDeleted = "canned_response.deleted"
    case slotsChanged = "slots.changed"
    case widgetCreated = "widget.created"
    case widgetUpdated = "widget.updated"
    case conversationTyping = "conversation.typing"
    case conversationRead = "conversation.read"
    case conversationOffered = "conversation.offered"
    case conversationRouted = "conversation.routed"
    case conversationAccepted = "conversation.accepted"
    case conversationDeclined = "conversation.declined"
    case conversationOfferExpired = "conversation.offer_expired"
    case conversationOverflowed = "conversation.overflowed"
    case conversationTransferred = "conversation.transferred"
    case conversationRerouted = "conversation.rerouted"
    case conversationRated = "conversation.rated"
    case queueCreated = "queue.created"
    case queueUpdated = "queue.updated"
    case routingRuleCreated = "routing_rule.created"
    case routingRuleUpdated = "routing_rule.updated"
    case routingRuleDeleted = "routing_rule.deleted"
    case ticketCreated = "ticket.created"
    case ticketUpdated = "ticket.updated"
    case ticketMerged = "ticket.merged"
    case ticketCommentCreated = "ticket_comment.created"
    /// A change of a ticket was recorded in its history (after the change's own event).
    case ticketHistoryCreated = "ticket_history.created"
    case ticketSLABreached = "ticket.sla_breached"
    case ticketSLAWarning = "ticket.sla_warning"
    case ticketReminder = "ticket.reminder"
    case slaPolicyCreated = "sla_policy.created"
    case slaPolicyUpdated = "sla_policy.updated"
    case businessCalendarCreated = "business_calendar.created"
    case businessCalendarUpdated = "business_calendar.updated"
    /// A delivery attempt of an outbox item was recorded (delivered, to be retried, failed).
    case outboxUpdated = "outbox.updated"
}

/// Something that happened, pushed to the WebSocket clients of every node.
public struct DeskEvent: Sendable, Hashable, Codable {
    public var type: DeskEventType
    /// The conversation the event belongs to, so the server can show it only to viewers of
    /// that conversation (and hide internal notes from customers).
    public var conversationID: String?
    /// The whole entity after the change; staff users come without the password hash.
    public var payload: DeskResult
    /// The agent a conversation was taken from, who must still see that it went elsewhere.
    public var formerAssigneeID: String?

    public init(type: DeskEventType, conversationID: String?, payload: DeskResult, formerAssigneeID: String? = nil) {
        self.type = type
        self.conversationID = conversationID
        self.payload = payload
        self.formerAssigneeID = formerAssigneeID
    }
}

/// One stored record that a command wrote or deleted.
public struct RecordChange: Sendable, Hashable {
    /// The record's key in the `state` column family.
    public var key: [UInt8]
    /// The encoded record, or `nil` when the record is deleted.
    public var value: [UInt8]?

    public init(key: [UInt8], value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// What applying one command did.
public struct ApplyOutcome: Sendable, Hashable {
    /// The entity produced, or why the command was rejected.
    public var result: Result<DeskResult, CommandError>
    /// Events to push to clients, in order; empty for rejections and replays.
    public var events: [DeskEvent]
    /// The records to write in the same batch as the applied index, sorted by key;
    /// empty for rejections and replays.
    public var changes: [RecordChange]
    /// Whether this is the stored answer to an earlier command with the same idempotency key.
    public var replayed: Bool
    /// The conversations the command changed (created or updated), for views kept beside the
    /// desk; empty for rejections and replays.
    public var changedConversationIDs: [String]

    public init(
        result: Result<DeskResult, CommandError>, events: [DeskEvent], changes: [RecordChange], replayed: Bool,
        changedConversationIDs: [String] = []
    ) {
        self.result = result
        self.events = events
        self.changes = changes
        self.replayed = replayed
        self.changedConversationIDs = changedConversationIDs
    }

    static func rejected(_ error: CommandError) -> ApplyOutcome {
        ApplyOutcome(result: .failure(error), events: [], changes: [], replayed: false)
    }
}
