extension Desk {
    func postMessage(
        _ body: PostMessage, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        guard var conversation = conversations[body.conversationID] else {
            throw .notFound("conversation \(body.conversationID)")
        }
        try limits.checkID(body.messageID, "message id")
        let author = try author(of: body, in: conversation, principal: context.principal)
        try checkContent(body)
        guard conversation.status != .closed else { throw .conflict("conversation \(conversation.id) is closed") }
        guard conversation.lastMessageSeq < UInt64(limits.messagesPerConversationMax) else {
            throw .conflict("conversation \(conversation.id) has reached \(limits.messagesPerConversationMax) messages")
        }
        let message = Message(
            id: body.messageID, conversationID: conversation.id, seq: conversation.lastMessageSeq + 1,
            author: author, text: body.text, attachments: body.attachments, internal: body.internal,
            createdAt: context.time, index: context.index)
        let before = conversation
        conversation.record(message)
        conversation.settleRouting(from: before, at: context.time)
        changeset.messages.append(message)
        changeset.conversations.append(conversation)
        changeset.emit(.messageCreated, .message(message), conversationID: conversation.id)
        if author.type != .customer, !message.internal, !conversation.channel.isLive {
            var item = OutboxItem(
                index: context.index, ordinal: changeset.outbox.count, channel: conversation.channel,
                customerID: conversation.customerID, conversationID: conversation.id, messageID: message.id,
                kind: .message, text: message.text, createdAt: context.time)
            item.attachments = message.attachments.isEmpty ? nil : message.attachments
            changeset.outbox.append(item)
        }
        if conversation.status != before.status || conversation.firstResponseAt != before.firstResponseAt {
            let customer = customers[conversation.customerID]!
            changeset.emit(.conversationUpdated, .conversation(conversation, customer: customer), conversationID: conversation.id)
        }
        return .message(message)
    }

    /// Decides who the message is from, and whether that party may post it here.
    private func author(
        of body: PostMessage, in conversation: Conversation, principal: Principal
    ) throws(CommandError) -> MessageAuthor {
        if body.botName != nil, !principal.isSystem { throw .forbidden("only the system speaks as a bot") }
        switch principal {
        case .customer(let me):
            guard me.id == conversation.customerID else { throw .forbidden("customers may post only to their own conversations") }
            guard !body.internal else { throw .forbidden("only staff may write internal notes") }
            return MessageAuthor(type: .customer, id: me.id)
        case .staff(let user):
            if !body.internal { try requireCanManage(conversation, principal) }
            return MessageAuthor(type: .agent, id: user.id)
        case .admin:
            return MessageAuthor(type: .system, id: "admin")
        case .system:
            guard let botName = body.botName else { return MessageAuthor(type: .system, id: "system") }
            return MessageAuthor(type: .bot, id: try limits.name(botName, "bot name"))
        }
    }

    private func checkContent(_ body: PostMessage) throws(CommandError) {
        _ = try limits.bounded(body.text, "text", bytesMax: limits.textBytesMax)
        _ = try limits.attachments(body.attachments)
        let blank = body.text.allSatisfy(\.isWhitespace)
        guard !blank || !body.attachments.isEmpty else { throw .invalid("a message needs text or an attachment") }
    }
}

extension Conversation {
    /// Advances the conversation for a new message: a customer writing reopens a pending or
    /// resolved conversation, and the first public staff reply sets the first-response time.
    mutating func record(_ message: Message) {
        lastMessageSeq = message.seq
        updatedAt = message.createdAt
        switch message.author.type {
        case .customer where status == .pending || status == .resolved:
            status = .open
            resolvedAt = nil
        case .agent where !message.internal && firstResponseAt == nil:
            firstResponseAt = message.createdAt
        default:
            break
        }
    }
}
