/// Which tickets a listing returns; `nil` fields do not filter.
public struct TicketFilter: Sendable, Hashable {
    /// Tickets in any of these statuses; empty: any status.
    public var statuses: Set<TicketStatus>
    public var assignee: ConversationFilter.Assignee?
    public var teamID: String?
    public var requesterID: String?
    public var priority: Priority?
    /// `true`: tickets with at least one breached target; `false`: those with none.
    public var breached: Bool?
    /// Words that must all appear (ignoring case) in the ticket's id, subject, description or
    /// tags, or in its requester's name or email.
    public var words: [String]

    public init(
        status: TicketStatus? = nil, assignee: ConversationFilter.Assignee? = nil, teamID: String? = nil,
        requesterID: String? = nil, priority: Priority? = nil, breached: Bool? = nil, statuses: Set<TicketStatus> = [],
        search: String = ""
    ) {
        self.statuses = statuses.union(status.map { [$0] } ?? [])
        self.words = search.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        self.assignee = assignee
        self.teamID = teamID
        self.requesterID = requesterID
        self.priority = priority
        self.breached = breached
    }

    func matches(_ ticket: Ticket, requester: Customer?) -> Bool {
        if !statuses.isEmpty, !statuses.contains(ticket.status) { return false }
        if !words.isEmpty, !matchesWords(ticket, requester: requester) { return false }
        if let teamID, ticket.teamID != teamID { return false }
        if let requesterID, ticket.requesterID != requesterID { return false }
        if let priority, ticket.priority != priority { return false }
        if let breached, ticket.sla.breached.isEmpty == breached { return false }
        switch assignee {
        case nil: return true
        case .unassigned: return ticket.assigneeID == nil
        case .staff(let id): return ticket.assigneeID == id
        }
    }

    private func matchesWords(_ ticket: Ticket, requester: Customer?) -> Bool {
        let fields = [ticket.id, ticket.subject, ticket.description, requester?.name ?? "", requester?.email ?? ""] + ticket.tags
        let text = fields.joined(separator: " ").lowercased()
        return words.allSatisfy { text.contains($0) }
    }
}

extension Desk {
    /// The ticket with `id`.
    public func ticket(id: String) -> Ticket? { tickets[id] }

    /// Tickets matching `filter`, newest first (by creation time, then id descending). The
    /// cursor is opaque to callers.
    public func tickets(
        matching filter: TicketFilter, limit: Int, after cursor: String? = nil,
        where include: (Ticket) -> Bool = { _ in true }
    ) -> Page<Ticket> {
        ticketOrder.page(after: cursor, limit: pageSize(limit)) { id in
            tickets[id].flatMap { filter.matches($0, requester: customers[$0.requesterID]) && include($0) ? $0 : nil }
        }
    }

    /// Comments of a ticket with seq greater than `afterSeq`, oldest first. Customers' views
    /// pass `includeInternal: false`.
    public func ticketComments(
        ticketID: String, afterSeq: UInt64 = 0, limit: Int, includeInternal: Bool = true
    ) -> [TicketComment] {
        guard let list = ticketComments[ticketID], afterSeq < UInt64(list.count) else { return [] }
        let visible = list[Int(afterSeq)...].lazy.filter { includeInternal || !$0.internal }
        return Array(visible.prefix(pageSize(limit)))
    }

    /// History entries of a ticket with seq greater than `afterSeq`, oldest first.
    public func ticketHistory(ticketID: String, afterSeq: UInt64 = 0, limit: Int) -> [TicketHistoryEntry] {
        guard let list = ticketHistory[ticketID], afterSeq < UInt64(list.count) else { return [] }
        return Array(list[Int(afterSeq)...].prefix(pageSize(limit)))
    }

    /// The policy a ticket's clocks follow and its clocks, for a ticket that exists.
    public func slaState(ticketID: String) -> (policy: SLAPolicy?, sla: TicketSLA)? {
        tickets[ticketID].map { (policy(of: $0), $0.sla) }
    }

    /// The SLA policy with `id`.
    public func slaPolicy(id: String) -> SLAPolicy? { slaPolicies[id] }

    /// All SLA policies in id order; at most `slaPoliciesMax`.
    public func allSLAPolicies() -> [SLAPolicy] { slaPolicies.values.sorted { $0.id < $1.id } }

    /// The business calendar with `id`.
    public func businessCalendar(id: String) -> BusinessCalendar? { businessCalendars[id] }

    /// All business calendars in id order; at most `businessCalendarsMax`.
    public func allBusinessCalendars() -> [BusinessCalendar] { businessCalendars.values.sorted { $0.id < $1.id } }

    /// Outbox items after the item with id `afterID` (oldest first), optionally of one ticket
    /// or in one delivery status.
    public func outboxItems(
        afterID: String? = nil, ticketID: String? = nil, conversationID: String? = nil, status: OutboxStatus? = nil, limit: Int
    ) -> [OutboxItem] {
        let position = afterID.flatMap(Self.outboxPosition)
        let items = outbox.elements.lazy.filter { item in
            (position.map { ($0.index, $0.ordinal) < (item.index, item.ordinal) } ?? true)
                && (ticketID == nil || item.ticketID == ticketID) && (conversationID == nil || item.conversationID == conversationID)
                && (status == nil || item.status == status)
        }
        return Array(items.prefix(pageSize(limit)))
    }

    private static func outboxPosition(_ id: String) -> (index: UInt64, ordinal: Int)? {
        let parts = id.split(separator: ".")
        guard parts.count == 2, let index = UInt64(parts[0]), let ordinal = Int(parts[1]) else { return nil }
        return (index, ordinal)
    }
}
