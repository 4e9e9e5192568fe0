/// Someone reading the desk, and what they may see.
///
/// Supervisors and admins see everything. Agents see the conversations they could work on:
/// unassigned ones, their own, and those of their teams (matching who may change a
/// conversation, see `requireCanManage`). Customers see only their own conversations and
/// never internal notes or staff records.
public struct Viewer: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case admin
        case staff(id: String, role: StaffRole)
        case customer(id: String)
    }

    public var kind: Kind
    /// The teams of a staff viewer, which widen what an agent sees.
    public var teamIDs: Set<String>

    public init(kind: Kind, teamIDs: Set<String> = []) {
        self.kind = kind
        self.teamIDs = teamIDs
    }

    /// Whether the viewer is staff (or the admin token), who see internal notes.
    public var isStaff: Bool {
        if case .customer = kind { false } else { true }
    }

    private var seesEverything: Bool {
        switch kind {
        case .admin: true
        case .staff(_, let role): role >= .supervisor
        case .customer: false
        }
    }

    /// Whether the viewer may see a conversation with this owner, assignee and team.
    public func canSee(customerID: String, assigneeID: String?, teamID: String?) -> Bool {
        switch kind {
        case .admin:
            return true
        case .customer(let id):
            return id == customerID
        case .staff(let id, let role):
            if role >= .supervisor || assigneeID == nil || assigneeID == id { return true }
            return teamID.map(teamIDs.contains) ?? false
        }
    }

    public func canSee(_ conversation: Conversation) -> Bool {
        canSee(customerID: conversation.customerID, assigneeID: conversation.assigneeID, teamID: conversation.teamID)
    }

    /// Whether the viewer may see a customer profile: staff see all, a customer only their own.
    public func canSee(_ customer: Customer) -> Bool {
        if case .customer(let id) = kind { return id == customer.id }
        return true
    }

    /// Whether the viewer may see an event with this audience.
    public func canSee(_ audience: EventAudience) -> Bool {
        if audience.staffOnly { return isStaff }
        // Internal parts go to staff, and among staff only to those who may see the
        // conversation or ticket they belong to.
        if audience.internal && !isStaff { return false }
        if case .customer(let id) = kind, audience.conversationID == nil { return audience.customerID == id }
        guard let customerID = audience.customerID, audience.conversationID != nil || audience.ticketID != nil else {
            return isStaff
        }
        if seesEverything { return true }
        if case .staff(let id, _) = kind, audience.formerAssigneeID == id { return true }
        return canSee(customerID: customerID, assigneeID: audience.assigneeID, teamID: audience.teamID)
    }
}

/// Who an event concerns, worked out from the state right after the command that produced it,
/// so every node filters the same event the same way.
public struct EventAudience: Sendable, Hashable {
    public var conversationID: String?
    /// The ticket the event belongs to; seen like a conversation with the same requester,
    /// assignee and team.
    public var ticketID: String?
    public var customerID: String?
    public var assigneeID: String?
    public var teamID: String?
    public var formerAssigneeID: String?
    /// An internal note or comment, or an SLA alert: staff only.
    public var `internal`: Bool
    /// Staff, team and canned-response records: staff only.
    public var staffOnly: Bool

    public init(
        conversationID: String? = nil, customerID: String? = nil, assigneeID: String? = nil, teamID: String? = nil,
        formerAssigneeID: String? = nil, internal: Bool = false, staffOnly: Bool = false, ticketID: String? = nil
    ) {
        self.conversationID = conversationID
        self.ticketID = ticketID
        self.customerID = customerID
        self.assigneeID = assigneeID
        self.teamID = teamID
        self.formerAssigneeID = formerAssigneeID
        self.internal = `internal`
        self.staffOnly = staffOnly
    }
}

extension Desk {
    /// The audience of an event just produced by `apply`.
    public func audience(of event: DeskEvent) -> EventAudience {
        switch event.payload {
        case .staff, .team, .cannedResponse, .cannedResponseDeleted, .slots, .widget, .queue, .routingRule, .routingRuleDeleted:
            return EventAudience(staffOnly: true)
        case .channelWebhook:
            // No event carries a webhook (it holds its secret); staff only should one ever.
            return EventAudience(staffOnly: true)
        case .outboxItem(let item):
            // How a delivery went is for the staff who see its conversation or ticket.
            if let id = item.conversationID, let conversation = conversations[id] {
                return audience(conversation, formerAssigneeID: nil, internal: true)
            }
            return ticketAudience(of: event)
        case .typing(let signal):
            guard let conversation = conversations[signal.conversationID] else { return EventAudience(staffOnly: true) }
            return audience(conversation, formerAssigneeID: nil, internal: false)
        case .customer(let customer):
            return EventAudience(customerID: customer.id)
        case .conversation(let conversation, _):
            return audience(conversation, formerAssigneeID: event.formerAssigneeID, internal: false)
        case .message(let message):
            guard let conversation = conversations[message.conversationID] else { return EventAudience(staffOnly: true) }
            return audience(conversation, formerAssigneeID: nil, internal: message.internal)
        case .ticket, .ticketComment, .ticketHistoryEntry, .ticketAlert, .slaPolicy, .businessCalendar:
            return ticketAudience(of: event)
        }
    }

    private func audience(_ conversation: Conversation, formerAssigneeID: String?, internal: Bool) -> EventAudience {
        EventAudience(
            conversationID: conversation.id, customerID: conversation.customerID, assigneeID: conversation.assigneeID,
            teamID: conversation.teamID, formerAssigneeID: formerAssigneeID, internal: `internal`)
    }
}
