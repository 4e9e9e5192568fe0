extension Desk {
    func createConversation(
        _ body: CreateConversation, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try limits.checkID(body.id, "conversation id")
        guard conversations[body.id] == nil else { throw .conflict("conversation \(body.id) already exists") }
        let customer = try resolveCustomer(body.customer, context, &changeset)
        if case .customer(let me) = context.principal, me.id != customer.id {
            throw .forbidden("customers may open conversations only for themselves")
        }
        if let teamID = body.teamID { try requireTeam(teamID) }
        var conversation = Conversation(
            id: body.id, customerID: customer.id, channel: body.channel, priority: body.priority,
            queue: try body.queue.map { value throws(CommandError) in try limits.label(value, "queue") },
            teamID: body.teamID, tags: try limits.tags(body.tags),
            language: try limits.language(body.language ?? customer.language ?? "und"),
            subject: try limits.bounded(body.subject, "subject", bytesMax: limits.subjectBytesMax),
            time: context.time)
        routeOnCreation(&conversation, customer: customer, at: context.time)
        changeset.conversations.append(conversation)
        changeset.emit(.conversationCreated, .conversation(conversation, customer: customer), conversationID: body.id)
        changeset.note("conversation.create", target: conversation.id, details: "customer=\(customer.id)")
        return .conversation(conversation, customer: customer)
    }

    /// Finds the conversation's customer, creating it when a channel names someone new.
    private func resolveCustomer(
        _ reference: CustomerReference, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> Customer {
        switch reference {
        case .existing(let id):
            guard let customer = customers[id] else { throw .notFound("customer \(id)") }
            return customer
        case .external(let channel, let externalID, let newCustomerID, let name):
            if let id = customerIDByExternalID[ExternalID(channel: channel, id: externalID)] {
                return customers[id]!
            }
            let body = CreateCustomer(id: newCustomerID, name: name, externalIDs: [channel: externalID])
            guard case .customer(let customer) = try createCustomer(body, context, &changeset) else {
                preconditionFailure("createCustomer answers a customer")
            }
            return customer
        }
    }

    func updateConversation(
        _ body: UpdateConversation, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        guard let current = conversations[body.conversationID] else {
            throw .notFound("conversation \(body.conversationID)")
        }
        try requireCanManage(current, context.principal)
        var conversation = current
        if let status = body.status { try move(&conversation, to: status, at: context.time) }
        if let assignee = body.assigneeID { try assign(&conversation, to: assignee.value, by: context.principal) }
        if let queue = body.queue {
            conversation.queue = try queue.value.map { value throws(CommandError) in try limits.label(value, "queue") }
        }
        if let team = body.teamID {
            if let teamID = team.value { try requireTeam(teamID) }
            conversation.teamID = team.value
        }
        if let priority = body.priority { conversation.priority = priority }
        if let tags = body.tags { conversation.tags = try limits.tags(tags) }
        conversation.updatedAt = context.time
        conversation.settleRouting(from: current, at: context.time)
        changeset.conversations.append(conversation)
        let customer = customers[conversation.customerID]!
        let formerAssigneeID = current.assigneeID != conversation.assigneeID ? current.assigneeID : nil
        changeset.emit(
            .conversationUpdated, .conversation(conversation, customer: customer), conversationID: conversation.id,
            formerAssigneeID: formerAssigneeID)
        changeset.note("conversation.update", target: conversation.id, details: Self.describeChanges(from: current, to: conversation))
        return .conversation(conversation, customer: customer)
    }

    /// Agents work on their own and unassigned conversations; supervisors, admins and the
    /// system on all. Customers change conversations only by posting to them.
    func requireCanManage(_ conversation: Conversation, _ principal: Principal) throws(CommandError) {
        switch principal {
        case .admin, .system:
            return
        case .customer:
            throw .forbidden("customers may not change conversations")
        case .staff(let user):
            guard user.role == .agent else { return }
            guard conversation.assigneeID == nil || conversation.assigneeID == user.id else {
                throw .forbidden("conversation \(conversation.id) is assigned to someone else")
            }
        }
    }

    private func move(_ conversation: inout Conversation, to status: ConversationStatus, at time: Timestamp) throws(CommandError) {
        guard conversation.status.canMove(to: status) else {
            throw .conflict("a \(conversation.status.rawValue) conversation cannot become \(status.rawValue)")
        }
        guard status != conversation.status else { return }
        conversation.status = status
        if status == .resolved { conversation.resolvedAt = time }
        if status == .open || status == .pending { conversation.resolvedAt = nil }
    }

    /// Agents may take a conversation or let it go, but only supervisors and above hand it
    /// to someone else.
    private func assign(_ conversation: inout Conversation, to assigneeID: String?, by principal: Principal) throws(CommandError) {
        if let assigneeID {
            guard let assignee = staff[assigneeID] else { throw .notFound("staff user \(assigneeID)") }
            guard assignee.active else { throw .conflict("staff user \(assigneeID) is inactive") }
        }
        if case .staff(let user) = principal, user.role == .agent, let assigneeID, assigneeID != user.id {
            throw .forbidden("agents may assign conversations only to themselves")
        }
        conversation.assigneeID = assigneeID
    }

    func requireTeam(_ id: String) throws(CommandError) {
        guard teams[id] != nil else { throw .notFound("team \(id)") }
    }

    /// A compact `field=value` list of what an update changed, for the audit log.
    static func describeChanges(from old: Conversation, to new: Conversation) -> String {
        var parts: [String] = []
        if old.status != new.status { parts.append("status=\(new.status.rawValue)") }
        if old.assigneeID != new.assigneeID { parts.append("assignee=\(new.assigneeID ?? "none")") }
        if old.queue != new.queue { parts.append("queue=\(new.queue ?? "none")") }
        if old.teamID != new.teamID { parts.append("team=\(new.teamID ?? "none")") }
        if old.priority != new.priority { parts.append("priority=\(new.priority.rawValue)") }
        if old.tags != new.tags { parts.append("tags=\(new.tags.joined(separator: ","))") }
        return parts.joined(separator: " ")
    }
}

extension Conversation {
    /// A new open conversation created at `time`.
    init(
        id: String, customerID: String, channel: Channel, priority: Priority, queue: String?,
        teamID: String?, tags: [String], language: String, subject: String, time: Timestamp
    ) {
        self.init(
            id: id, customerID: customerID, channel: channel, queue: queue, teamID: teamID,
            priority: priority, tags: tags, language: language, subject: subject,
            createdAt: time, updatedAt: time)
    }
}
