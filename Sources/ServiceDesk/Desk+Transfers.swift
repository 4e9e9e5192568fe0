import Foundation

/// Manual transfers and the customer's rating: what people, not the slot owner, do to routing.
extension Desk {
    /// Hands an open conversation to another agent (as an offer they accept or decline) or to a
    /// queue, and posts an internal note that names the target. Who may transfer follows who
    /// may change the conversation: its agent, or supervisors and above.
    func transferConversation(
        _ body: TransferConversation, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        var conversation = try existingConversation(body.conversationID)
        try requireCanManage(conversation, context.principal)
        guard conversation.status == .open else { throw .conflict("only open conversations are transferred") }
        let text = try transferNoteText(body, for: conversation)
        let before = conversation
        switch body.target {
        case .agent(let id): try offerTransfer(&conversation, to: id, at: context.time)
        case .queue(let id): try requeue(&conversation, into: id)
        }
        conversation.updatedAt = context.time
        conversation.settleRouting(from: before, at: context.time)
        let message = Message(
            id: body.noteMessageID, conversationID: conversation.id, seq: conversation.lastMessageSeq + 1,
            author: noteAuthor(context.principal), text: text, attachments: [], internal: true,
            createdAt: context.time, index: context.index)
        conversation.record(message)
        changeset.messages.append(message)
        changeset.emit(.messageCreated, .message(message), conversationID: conversation.id)
        changeset.note("conversation.transfer", target: conversation.id, details: Self.describe(body.target))
        return publish(.conversationTransferred, conversation, &changeset, formerAssigneeID: before.assigneeID)
    }

    /// The target must be able to answer: active and not offline. Their capacity is not
    /// checked, because a person chose them.
    private func offerTransfer(_ conversation: inout Conversation, to agentID: String, at time: Timestamp) throws(CommandError) {
        guard let agent = staff[agentID] else { throw .notFound("staff user \(agentID)") }
        guard agent.active, agent.status != .offline else { throw .conflict("staff user \(agentID) is not available") }
        guard conversation.assigneeID != agentID else { throw .conflict("conversation \(conversation.id) is already theirs") }
        let configured = conversation.queue.flatMap { queues[$0] }?.offerTimeoutSeconds ?? 0
        let timeout = configured > 0 ? configured : Queue.transferOfferTimeoutSeconds
        conversation.assigneeID = nil
        conversation.offer = Offer(agentID: agentID, offeredAt: time, expiresAt: time.adding(seconds: timeout))
        conversation.declinedBy.removeAll { $0 == agentID }
    }

    private func requeue(_ conversation: inout Conversation, into queueID: String) throws(CommandError) {
        conversation.queue = try requireQueue(queueID).id
        conversation.assigneeID = nil
        conversation.offer = nil
        conversation.declinedBy = []
    }

    /// Checks the note message like any message, and makes its text.
    private func transferNoteText(_ body: TransferConversation, for conversation: Conversation) throws(CommandError) -> String {
        try limits.checkID(body.noteMessageID, "message id")
        guard conversation.lastMessageSeq < UInt64(limits.messagesPerConversationMax) else {
            throw .conflict("conversation \(conversation.id) has reached \(limits.messagesPerConversationMax) messages")
        }
        let note = (body.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let headline = "Transferred to \(Self.describe(body.target))."
        return try limits.bounded(note.isEmpty ? headline : headline + "\n" + note, "note", bytesMax: limits.textBytesMax)
    }

    private func noteAuthor(_ principal: Principal) -> MessageAuthor {
        switch principal {
        case .staff(let user): MessageAuthor(type: .agent, id: user.id)
        case .admin: MessageAuthor(type: .system, id: "admin")
        case .customer, .system: MessageAuthor(type: .system, id: "system")
        }
    }

    private static func describe(_ target: TransferTarget) -> String {
        switch target {
        case .agent(let id): "agent \(id)"
        case .queue(let id): "queue \(id)"
        }
    }

    // MARK: Rating

    /// The customer rates a conversation once it is resolved or closed, and only once, so
    /// CSAT counts each conversation a single time. The admin token may rate on the
    /// customer's behalf (as channel integrations do); staff may not rate their own work.
    func rateConversation(
        _ body: RateConversation, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        var conversation = try existingConversation(body.conversationID)
        switch context.principal {
        case .customer(let me) where me.id != conversation.customerID:
            throw .forbidden("customers rate only their own conversations")
        case .staff:
            throw .forbidden("only the customer rates a conversation")
        case .customer, .admin, .system:
            break
        }
        guard (1...5).contains(body.score) else { throw .invalid("score must be 1…5") }
        let comment = try ratingComment(body.comment)
        guard conversation.status == .resolved || conversation.status == .closed else {
            throw .conflict("only resolved or closed conversations are rated")
        }
        guard conversation.rating == nil else { throw .conflict("conversation \(conversation.id) is already rated") }
        conversation.rating = ConversationRating(score: body.score, comment: comment, ratedAt: context.time)
        conversation.updatedAt = context.time
        changeset.note("conversation.rate", target: conversation.id, details: "score=\(body.score)")
        return publish(.conversationRated, conversation, &changeset)
    }

    private func ratingComment(_ value: String?) throws(CommandError) -> String? {
        guard let comment = value?.trimmingCharacters(in: .whitespacesAndNewlines), !comment.isEmpty else { return nil }
        return try limits.bounded(comment, "comment", bytesMax: limits.ratingCommentBytesMax)
    }
}
