import Foundation

extension Desk {
    func createTicket(
        _ body: CreateTicket, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        if case .customer = context.principal { throw .forbidden("customers open tickets through a channel") }
        try requireSupportedTime(context.time)
        try limits.checkID(body.id, "ticket id")
        guard tickets[body.id] == nil else { throw .conflict("ticket \(body.id) already exists") }
        let origin = try ticketOrigin(body, context.principal)
        if let teamID = body.teamID { try requireTeam(teamID) }
        if let assigneeID = body.assigneeID { try requireAssignable(assigneeID, by: context.principal) }
        var ticket = Ticket(
            id: body.id, subject: origin.subject, description: try ticketDescription(body.description),
            requesterID: origin.requesterID, priority: body.priority, type: body.type, teamID: body.teamID,
            tags: try limits.tags(body.tags), fields: try ticketFields(body.fields),
            watcherIDs: try watcherList(body.watcherIDs), conversationID: body.conversationID, channel: origin.channel,
            slaPolicyID: try initialPolicy(of: body),
            createdAt: context.time, updatedAt: context.time)
        ticket.sla.awaitingReplySince = context.time
        if let assigneeID = body.assigneeID { assign(&ticket, to: assigneeID, at: context.time) }
        _ = reconcileSLA(&ticket, before: nil, at: context.time)
        try appendHistory(&ticket, before: nil, action: "created", context, &changeset)
        changeset.tickets.append(ticket)
        changeset.emit(.ticketCreated, .ticket(ticket))
        changeset.note("ticket.create", target: ticket.id, details: "requester=\(ticket.requesterID)")
        return .ticket(ticket)
    }

    /// The policy a new ticket starts with: the one named, none when the command says so,
    /// else the desk's default policy, if one is marked.
    private func initialPolicy(of body: CreateTicket) throws(CommandError) -> String? {
        if let id = body.slaPolicyID {
            guard body.withoutSLAPolicy != true else { throw .invalid("a ticket cannot name an SLA policy and refuse one") }
            return try requirePolicy(id)
        }
        return body.withoutSLAPolicy == true ? nil : defaultSLAPolicy?.id
    }

    /// Who asked, where notifications go, and the subject, for a ticket from a conversation
    /// or from a named customer.
    private func ticketOrigin(_ body: CreateTicket, _ principal: Principal) throws(CommandError) -> TicketOrigin {
        guard let conversationID = body.conversationID else {
            guard let requesterID = body.requesterID else { throw .invalid("a ticket needs a requester or a conversation") }
            guard customers[requesterID] != nil else { throw .notFound("customer \(requesterID)") }
            return TicketOrigin(
                requesterID: requesterID, channel: body.channel ?? .email, subject: try ticketSubject(body.subject ?? ""))
        }
        guard let conversation = conversations[conversationID] else { throw .notFound("conversation \(conversationID)") }
        try requireCanManage(conversation, principal)
        if let requesterID = body.requesterID, requesterID != conversation.customerID {
            throw .invalid("the requester of a ticket from conversation \(conversationID) is its customer")
        }
        let blank = conversation.subject.allSatisfy(\.isWhitespace)
        let subject = body.subject ?? (blank ? "Conversation \(conversation.id)" : conversation.subject)
        return TicketOrigin(
            requesterID: conversation.customerID, channel: body.channel ?? conversation.channel,
            subject: try ticketSubject(subject))
    }

    func updateTicket(
        _ body: UpdateTicket, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        let current = try changeableTicket(body.ticketID)
        var ticket = current
        try applyFields(body, to: &ticket)
        if !isOwnWatching(body, changed: ticket, current: current, principal: context.principal) {
            try requireCanManage(current, context.principal)
        }
        try requireSupportedTime(context.time)
        if let assignee = body.assigneeID {
            if let assigneeID = assignee.value { try requireAssignable(assigneeID, by: context.principal) }
            assign(&ticket, to: assignee.value, at: context.time)
        }
        if let status = body.status { try move(&ticket, to: status, at: context.time) }
        ticket.updatedAt = context.time
        let lateBreaches = reconcileSLA(&ticket, before: current, at: context.time)
        try appendHistory(&ticket, before: current, action: "updated", context, &changeset)
        changeset.tickets.append(ticket)
        let formerAssigneeID = current.assigneeID != ticket.assigneeID ? current.assigneeID : nil
        changeset.emit(.ticketUpdated, .ticket(ticket), formerAssigneeID: formerAssigneeID)
        emitLateBreaches(lateBreaches, of: ticket, &changeset)
        if ticket.status == .solved && current.status != .solved {
            notifyRequester(of: ticket, .solved, text: Self.solvedNotice(ticket), context, &changeset)
        }
        changeset.note("ticket.update", target: ticket.id, details: Self.describe(Ticket.changes(from: current, to: ticket)))
        return .ticket(ticket)
    }

    /// The plain fields of an update, each validated.
    private func applyFields(_ body: UpdateTicket, to ticket: inout Ticket) throws(CommandError) {
        if let subject = body.subject { ticket.subject = try ticketSubject(subject) }
        if let description = body.description { ticket.description = try ticketDescription(description) }
        if let priority = body.priority { ticket.priority = priority }
        if let type = body.type { ticket.type = type }
        if let team = body.teamID {
            if let teamID = team.value { try requireTeam(teamID) }
            ticket.teamID = team.value
        }
        if let tags = body.tags { ticket.tags = try limits.tags(tags) }
        if let fields = body.fields { ticket.fields = try ticketFields(fields) }
        if let watcherIDs = body.watcherIDs { ticket.watcherIDs = try watcherList(watcherIDs) }
        if let policy = body.slaPolicyID {
            if let policyID = policy.value { _ = try requirePolicy(policyID) }
            ticket.slaPolicyID = policy.value
        }
    }

    func mergeTickets(
        _ body: MergeTickets, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        guard body.sourceID != body.targetID else { throw .invalid("a ticket cannot be merged into itself") }
        let source = try changeableTicket(body.sourceID)
        let target = try changeableTicket(body.targetID)
        try requireCanManage(source, context.principal)
        try requireCanManage(target, context.principal)
        try requireSupportedTime(context.time)
        try closeAsMerged(source, into: target.id, context, &changeset)
        let merged = try absorb(source, into: target, context, &changeset)
        changeset.note("ticket.merge", target: source.id, details: "into=\(target.id)")
        return .ticket(merged)
    }

    /// The source of a merge: closed, pointing at its target, with an internal note saying so.
    private func closeAsMerged(
        _ source: Ticket, into targetID: String, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) {
        var closed = source
        closed.status = .closed
        closed.closedAt = context.time
        closed.mergedInto = targetID
        closed.updatedAt = context.time
        let late = reconcileSLA(&closed, before: source, at: context.time)
        let note = try appendComment(
            &closed, text: "Merged into ticket \(targetID).", author: Self.noteAuthor(context.principal), internal: true,
            context, &changeset)
        try appendHistory(&closed, before: source, action: "merged_into", context, &changeset)
        changeset.tickets.append(closed)
        changeset.emit(.ticketMerged, .ticket(closed))
        changeset.emit(.ticketCommentCreated, .ticketComment(note))
        emitLateBreaches(late, of: closed, &changeset)
    }

    /// The target of a merge, with the source's comments copied into an internal comment.
    private func absorb(
        _ source: Ticket, into target: Ticket, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> Ticket {
        var merged = target
        merged.updatedAt = context.time
        let late = reconcileSLA(&merged, before: target, at: context.time)
        let note = try appendComment(
            &merged, text: mergeNote(source), author: Self.noteAuthor(context.principal), internal: true, context, &changeset)
        let absorbed = TicketChange(field: "merged", from: nil, to: source.id)
        try appendHistory(&merged, before: target, action: "merged", extra: [absorbed], context, &changeset)
        changeset.tickets.append(merged)
        changeset.emit(.ticketUpdated, .ticket(merged))
        changeset.emit(.ticketCommentCreated, .ticketComment(note))
        emitLateBreaches(late, of: merged, &changeset)
        return merged
    }

    /// The source's comments, copied into one internal comment on the target for as long as
    /// they fit in a comment; the rest stay readable on the (closed) source.
    private func mergeNote(_ source: Ticket) -> String {
        let comments = ticketComments[source.id] ?? []
        var text = "Merged from ticket \(source.id): \(source.subject)"
        // Room for the closing line, which is at most about 100 bytes plus the id.
        let budget = limits.textBytesMax - 200 - source.id.utf8.count
        for (offset, comment) in comments.enumerated() {
            let visibility = comment.internal ? "internal" : "public"
            let line = "\n[\(comment.seq), \(visibility), \(comment.author.type.rawValue) \(comment.author.id), "
                + "\(comment.createdAt.millisecondsSinceEpoch)] \(comment.text)"
            guard text.utf8.count + line.utf8.count <= budget else {
                return text + "\n… \(comments.count - offset) more comments are on ticket \(source.id)."
            }
            text += line
        }
        return text
    }

    // MARK: Shared ticket rules

    /// A ticket that may still change: it exists and is not closed (merged tickets are closed).
    func changeableTicket(_ id: String) throws(CommandError) -> Ticket {
        guard let ticket = tickets[id] else { throw .notFound("ticket \(id)") }
        guard ticket.status != .closed else { throw .conflict("ticket \(id) is closed") }
        return ticket
    }

    /// Agents work on their own and unassigned tickets; supervisors, admins and the system on
    /// all. Customers change tickets only by commenting.
    /// Whether the update only adds or removes the acting agent as a watcher of a ticket the
    /// agent may see: anyone who sees a ticket may follow it, even one held by someone else.
    private func isOwnWatching(_ body: UpdateTicket, changed: Ticket, current: Ticket, principal: Principal) -> Bool {
        guard case .staff(let user) = principal, body.assigneeID == nil, body.status == nil else { return false }
        var otherwise = changed
        otherwise.watcherIDs = current.watcherIDs
        guard otherwise == current else { return false }
        let difference = Set(changed.watcherIDs).symmetricDifference(current.watcherIDs)
        let viewer = Viewer(kind: .staff(id: user.id, role: user.role), teamIDs: Set(user.teamIDs))
        return difference == [user.id] && viewer.canSee(current)
    }

    func requireCanManage(_ ticket: Ticket, _ principal: Principal) throws(CommandError) {
        switch principal {
        case .admin, .system:
            return
        case .customer:
            throw .forbidden("customers may not change tickets")
        case .staff(let user):
            guard user.role == .agent else { return }
            guard ticket.assigneeID == nil || ticket.assigneeID == user.id else {
                throw .forbidden("ticket \(ticket.id) is assigned to someone else")
            }
        }
    }

    /// Agents may take a ticket, but only supervisors and above hand it to someone else.
    private func requireAssignable(_ assigneeID: String, by principal: Principal) throws(CommandError) {
        guard let assignee = staff[assigneeID] else { throw .notFound("staff user \(assigneeID)") }
        guard assignee.active else { throw .conflict("staff user \(assigneeID) is inactive") }
        if case .staff(let user) = principal, user.role == .agent, assigneeID != user.id {
            throw .forbidden("agents may assign tickets only to themselves")
        }
    }

    /// Sets the assignee; a new ticket that gets one is being worked on, so it opens.
    func assign(_ ticket: inout Ticket, to assigneeID: String?, at time: Timestamp) {
        guard ticket.assigneeID != assigneeID else { return }
        ticket.assigneeID = assigneeID
        ticket.assignedAt = assigneeID == nil ? nil : time
        if assigneeID != nil && ticket.status == .new { ticket.status = .open }
    }

    private func move(_ ticket: inout Ticket, to status: TicketStatus, at time: Timestamp) throws(CommandError) {
        guard ticket.status.canMove(to: status) else {
            throw .conflict("a \(ticket.status.rawValue) ticket cannot become \(status.rawValue)")
        }
        guard status != ticket.status else { return }
        if ticket.status == .solved { ticket.solvedAt = nil }
        ticket.status = status
        if status == .solved { ticket.solvedAt = time }
        if status == .closed { ticket.closedAt = time }
    }

    func requirePolicy(_ id: String) throws(CommandError) -> String {
        guard slaPolicies[id] != nil else { throw .notFound("SLA policy \(id)") }
        return id
    }

    /// SLA arithmetic works on dates up to the year 9999; a later command time is refused
    /// rather than risking overflow in every replica.
    func requireSupportedTime(_ time: Timestamp) throws(CommandError) {
        guard time.millisecondsSinceEpoch <= 253_402_300_799_999 else { throw .invalid("time is after the year 9999") }
    }

    private func ticketSubject(_ value: String) throws(CommandError) -> String {
        let subject = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !subject.isEmpty else { throw .invalid("subject must not be empty") }
        return try limits.bounded(subject, "subject", bytesMax: limits.subjectBytesMax)
    }

    private func ticketDescription(_ value: String) throws(CommandError) -> String {
        try limits.bounded(value, "description", bytesMax: limits.textBytesMax)
    }

    private func ticketFields(_ values: [String: String]) throws(CommandError) -> [String: String] {
        guard values.count <= limits.ticketFieldsMax else { throw .invalid("at most \(limits.ticketFieldsMax) fields") }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) {
            _ = try limits.name(key, "field name")
            guard key == key.trimmingCharacters(in: .whitespacesAndNewlines) else {
                throw .invalid("field name \"\(key)\" has surrounding spaces")
            }
            _ = try limits.bounded(value, "field \(key)", bytesMax: limits.ticketFieldValueBytesMax)
        }
        return values
    }

    /// Watchers must be staff users; returned unique and sorted.
    private func watcherList(_ ids: [String]) throws(CommandError) -> [String] {
        let unique = Set(ids)
        guard unique.count <= limits.watchersMax else { throw .invalid("at most \(limits.watchersMax) watchers") }
        for id in unique.sorted() where staff[id] == nil { throw .notFound("staff user \(id)") }
        return unique.sorted()
    }

    /// Appends the ticket's next history entry: what changed from `before` (`nil` at creation)
    /// plus `extra`, with the command's actor and time.
    func appendHistory(
        _ ticket: inout Ticket, before: Ticket?, action: String, extra: [TicketChange] = [],
        _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) {
        guard ticket.lastHistorySeq < UInt64(limits.ticketHistoryEntriesMax) else {
            throw .conflict("ticket \(ticket.id) has reached \(limits.ticketHistoryEntriesMax) history entries")
        }
        ticket.lastHistorySeq += 1
        changeset.ticketHistory.append(TicketHistoryEntry(
            ticketID: ticket.id, seq: ticket.lastHistorySeq, index: context.index, time: context.time,
            actor: context.actor, action: action, changes: extra + Ticket.changes(from: before, to: ticket)))
    }

    /// A compact `field=value` list for the audit log.
    static func describe(_ changes: [TicketChange]) -> String {
        changes.map { "\($0.field)=\($0.to ?? "none")" }.joined(separator: " ")
    }
}

/// Who a new ticket is for and where its notifications go.
private struct TicketOrigin {
    var requesterID: String
    var channel: Channel
    var subject: String
}

extension Ticket {
    /// The fields that differ between two states of a ticket, as text, in a fixed order;
    /// against `nil` (creation) every set field is listed.
    static func changes(from old: Ticket?, to new: Ticket) -> [TicketChange] {
        var changes: [TicketChange] = []
        func compare(_ field: String, _ from: String?, _ to: String?) {
            if from != to { changes.append(TicketChange(field: field, from: from, to: to)) }
        }
        compare("subject", old?.subject, new.subject)
        compare("description", old?.description, new.description)
        compare("requester", old?.requesterID, new.requesterID)
        compare("status", old?.status.rawValue, new.status.rawValue)
        compare("priority", old?.priority.rawValue, new.priority.rawValue)
        compare("type", old?.type.rawValue, new.type.rawValue)
        compare("team", old?.teamID, new.teamID)
        compare("assignee", old?.assigneeID, new.assigneeID)
        compare("tags", old.map { $0.tags.joined(separator: ",") }, new.tags.joined(separator: ","))
        for key in Set(old?.fields.keys.map { $0 } ?? []).union(new.fields.keys).sorted() {
            compare("fields." + key, old?.fields[key], new.fields[key])
        }
        compare("watchers", old.map { $0.watcherIDs.joined(separator: ",") }, new.watcherIDs.joined(separator: ","))
        compare("conversation", old?.conversationID, new.conversationID)
        compare("channel", old?.channel.rawValue, new.channel.rawValue)
        compare("slaPolicy", old?.slaPolicyID, new.slaPolicyID)
        compare("mergedInto", old?.mergedInto, new.mergedInto)
        compare("sla.breached", old.map { Self.list($0.sla.breached) }, Self.list(new.sla.breached))
        compare("sla.warned", old.map { Self.list($0.sla.warned) }, Self.list(new.sla.warned))
        return changes.filter { old != nil || $0.to != "" }
    }

    private static func list(_ metrics: [SLAMetric]) -> String {
        metrics.map(\.rawValue).joined(separator: ",")
    }
}
