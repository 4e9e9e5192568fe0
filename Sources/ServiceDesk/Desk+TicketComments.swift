extension Desk {
    func addTicketComment(
        _ body: AddTicketComment, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        let current = try changeableTicket(body.ticketID)
        let author = try commentAuthor(body, on: current, principal: context.principal)
        try requireSupportedTime(context.time)
        _ = try limits.bounded(body.text, "text", bytesMax: limits.textBytesMax)
        _ = try limits.attachments(body.attachments)
        guard !body.text.allSatisfy(\.isWhitespace) || !body.attachments.isEmpty else {
            throw .invalid("a comment needs text or an attachment")
        }
        var ticket = current
        let comment = try appendComment(
            &ticket, text: body.text, attachments: body.attachments, author: author, internal: body.internal,
            context, &changeset)
        if !body.internal { Self.recordPublicComment(by: author, on: &ticket, at: context.time) }
        ticket.updatedAt = context.time
        let lateBreaches = reconcileSLA(&ticket, before: current, at: context.time)
        let added = TicketChange(field: "comment", from: nil, to: "\(comment.seq) \(body.internal ? "internal" : "public")")
        try appendHistory(&ticket, before: current, action: "commented", extra: [added], context, &changeset)
        changeset.tickets.append(ticket)
        changeset.emit(.ticketCommentCreated, .ticketComment(comment))
        // Viewers show the SLA clocks: a comment that starts or stops one is an update too.
        if ticket.status != current.status || ticket.firstRespondedAt != current.firstRespondedAt
            || ticket.sla != current.sla
        {
            changeset.emit(.ticketUpdated, .ticket(ticket))
        }
        emitLateBreaches(lateBreaches, of: ticket, &changeset)
        if author.type == .agent && !body.internal {
            notifyRequester(of: ticket, .reply, text: body.text, context, &changeset)
        }
        return .ticketComment(comment)
    }

    /// Decides who the comment is from, and whether that party may write it on this ticket.
    private func commentAuthor(
        _ body: AddTicketComment, on ticket: Ticket, principal: Principal
    ) throws(CommandError) -> MessageAuthor {
        switch principal {
        case .customer(let me):
            guard me.id == ticket.requesterID else { throw .forbidden("customers may comment only on their own tickets") }
            guard !body.internal else { throw .forbidden("only staff may write internal comments") }
            return MessageAuthor(type: .customer, id: me.id)
        case .staff:
            if !body.internal { try requireCanManage(ticket, principal) }
            return Self.noteAuthor(principal)
        case .admin, .system:
            return Self.noteAuthor(principal)
        }
    }

    /// The author of a comment written by staff, the admin token or the system.
    static func noteAuthor(_ principal: Principal) -> MessageAuthor {
        switch principal {
        case .staff(let user): MessageAuthor(type: .agent, id: user.id)
        case .customer(let customer): MessageAuthor(type: .customer, id: customer.id)
        case .admin: MessageAuthor(type: .system, id: "admin")
        case .system: MessageAuthor(type: .system, id: "system")
        }
    }

    /// What a public comment means for the ticket: a staff reply answers the customer (and
    /// starts work on a new ticket); a customer comment waits for an answer and reopens a
    /// ticket that was pending on them or solved.
    private static func recordPublicComment(by author: MessageAuthor, on ticket: inout Ticket, at time: Timestamp) {
        switch author.type {
        case .agent:
            if ticket.firstRespondedAt == nil { ticket.firstRespondedAt = time }
            ticket.sla.awaitingReplySince = nil
            if ticket.status == .new { ticket.status = .open }
        case .customer:
            if ticket.sla.awaitingReplySince == nil { ticket.sla.awaitingReplySince = time }
            if ticket.status == .pending || ticket.status == .solved {
                ticket.status = .open
                ticket.solvedAt = nil
            }
        case .bot, .system:
            break
        }
    }

    /// Appends the ticket's next comment.
    func appendComment(
        _ ticket: inout Ticket, text: String, attachments: [Attachment] = [], author: MessageAuthor, internal: Bool,
        _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> TicketComment {
        guard ticket.lastCommentSeq < UInt64(limits.ticketCommentsMax) else {
            throw .conflict("ticket \(ticket.id) has reached \(limits.ticketCommentsMax) comments")
        }
        ticket.lastCommentSeq += 1
        let comment = TicketComment(
            ticketID: ticket.id, seq: ticket.lastCommentSeq, author: author, text: text, attachments: attachments,
            internal: `internal`, createdAt: context.time, index: context.index)
        changeset.ticketComments.append(comment)
        return comment
    }

    /// Queues a notification to the ticket's requester for the channel layer.
    func notifyRequester(
        of ticket: Ticket, _ kind: OutboxKind, text: String, _ context: CommandContext, _ changeset: inout Changeset
    ) {
        changeset.outbox.append(OutboxItem(
            index: context.index, ordinal: changeset.outbox.count, channel: ticket.channel,
            customerID: ticket.requesterID, ticketID: ticket.id, kind: kind, text: text, createdAt: context.time))
    }

    static func solvedNotice(_ ticket: Ticket) -> String {
        "Your request \"\(ticket.subject)\" (ticket \(ticket.id)) has been solved. Reply to reopen it."
    }
}
