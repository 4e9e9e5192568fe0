/// Routing decisions and agents' answers to them.
///
/// The slot owner of a conversation decides (`routeConversation`, `expireOffer`,
/// `overflowConversation`, see `Desk.dueWork`); `apply` re-checks each decision against the
/// state it is applied to, so a duplicate, a decision by a stale owner, or one about an agent
/// who is no longer eligible changes nothing.
extension Desk {
    func routeConversation(
        _ body: RouteConversation, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try requireSlotOwner(context.principal, body.fence, for: body.conversationID)
        var conversation = try waitingConversation(body.conversationID)
        guard let queueID = conversation.queue, var queue = queues[queueID] else {
            throw .conflict("conversation \(conversation.id) is not in a configured queue")
        }
        guard let agent = staff[body.agentID] else { throw .notFound("staff user \(body.agentID)") }
        let candidate = AgentCandidate(user: agent, load: routing.load(of: agent.id))
        guard AgentSelection.isEligible(candidate, for: RoutingNeeds(conversation: conversation, queue: queue)) else {
            throw .conflict("staff user \(agent.id) cannot take conversation \(conversation.id) now")
        }
        let before = conversation
        let asks = queue.offerTimeoutSeconds > 0
        if asks {
            conversation.offer = Offer(
                agentID: agent.id, offeredAt: context.time, expiresAt: context.time.adding(seconds: queue.offerTimeoutSeconds))
        } else {
            conversation.assigneeID = agent.id
        }
        conversation.lastRoutedAt = context.time
        conversation.updatedAt = context.time
        conversation.settleRouting(from: before, at: context.time)
        queue.lastRoutedAgentID = agent.id
        changeset.queues.append(queue)
        return publish(asks ? .conversationOffered : .conversationRouted, conversation, &changeset)
    }

    func expireOffer(
        _ body: ExpireOffer, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try requireSlotOwner(context.principal, body.fence, for: body.conversationID)
        var conversation = try existingConversation(body.conversationID)
        guard let offer = conversation.offer, offer.agentID == body.agentID else {
            throw .conflict("conversation \(conversation.id) has no pending offer to \(body.agentID)")
        }
        guard context.time >= offer.expiresAt else { throw .conflict("the offer to \(offer.agentID) has not expired") }
        let before = conversation
        conversation.offer = nil
        conversation.recordDecline(by: offer.agentID, countMax: limits.declinedByMax)
        conversation.updatedAt = context.time
        conversation.settleRouting(from: before, at: context.time)
        return publish(.conversationOfferExpired, conversation, &changeset)
    }

    func overflowConversation(
        _ body: OverflowConversation, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try requireSlotOwner(context.principal, body.fence, for: body.conversationID)
        var conversation = try waitingConversation(body.conversationID)
        guard let queue = conversation.queue.flatMap({ queues[$0] }), queue.overflowQueueID == body.queueID,
            Self.overflowIsDue(conversation, queue, now: context.time)
        else { throw .conflict("conversation \(conversation.id) is not due to overflow into \(body.queueID)") }
        let before = conversation
        conversation.queue = try requireQueue(body.queueID).id
        conversation.lastRoutedAt = context.time
        conversation.updatedAt = context.time
        conversation.settleRouting(from: before, at: context.time)
        return publish(.conversationOverflowed, conversation, &changeset)
    }

    /// Whether `conversation` has waited in `queue` for the queue's overflow limit.
    static func overflowIsDue(_ conversation: Conversation, _ queue: Queue, now: Timestamp) -> Bool {
        guard queue.overflowQueueID != nil, queue.overflowAfterSeconds > 0, let entered = conversation.queueEnteredAt else {
            return false
        }
        return now.millisecondsSince(entered) >= Int64(queue.overflowAfterSeconds) * 1_000
    }

    func acceptConversation(
        _ body: AcceptConversation, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        var conversation = try existingConversation(body.conversationID)
        let offer = try offerToActor(conversation, context.principal)
        guard context.time < offer.expiresAt else { throw .conflict("the offer of conversation \(conversation.id) has expired") }
        let before = conversation
        conversation.assigneeID = offer.agentID
        conversation.updatedAt = context.time
        conversation.settleRouting(from: before, at: context.time)
        changeset.note("conversation.accept", target: conversation.id)
        return publish(.conversationAccepted, conversation, &changeset)
    }

    func declineConversation(
        _ body: DeclineConversation, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        var conversation = try existingConversation(body.conversationID)
        let offer = try offerToActor(conversation, context.principal)
        let before = conversation
        conversation.offer = nil
        conversation.recordDecline(by: offer.agentID, countMax: limits.declinedByMax)
        conversation.updatedAt = context.time
        conversation.settleRouting(from: before, at: context.time)
        changeset.note("conversation.decline", target: conversation.id)
        return publish(.conversationDeclined, conversation, &changeset)
    }

    /// Puts a conversation back through the routing rules, unassigned; without a matching rule
    /// it stays in its queue.
    func rerouteConversation(
        _ body: RerouteConversation, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        var conversation = try existingConversation(body.conversationID)
        try requireCanManage(conversation, context.principal)
        guard conversation.status == .open else { throw .conflict("only open conversations are re-routed") }
        let before = conversation
        conversation.assigneeID = nil
        conversation.offer = nil
        conversation.declinedBy = []
        let tier = customers[conversation.customerID]!.tier
        let returning = routing.conversationCount(ofCustomer: conversation.customerID) > 1
        applyRoutingRules(to: &conversation, tier: tier, returningCustomer: returning)
        guard conversation.queue != nil else {
            throw .conflict("no routing rule matches conversation \(conversation.id) and it has no queue")
        }
        conversation.updatedAt = context.time
        conversation.settleRouting(from: before, at: context.time)
        changeset.note("conversation.reroute", target: conversation.id, details: "queue=\(conversation.queue ?? "none")")
        return publish(.conversationRerouted, conversation, &changeset, formerAssigneeID: before.assigneeID)
    }

    func setSentiment(
        _ body: SetSentiment, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        var conversation = try existingConversation(body.conversationID)
        try requireCanManage(conversation, context.principal)
        conversation.sentiment = body.sentiment
        conversation.updatedAt = context.time
        changeset.note("conversation.sentiment", target: conversation.id, details: "sentiment=\(body.sentiment?.rawValue ?? "none")")
        return publish(.conversationUpdated, conversation, &changeset)
    }

    // MARK: Shared checks

    /// Routing decisions come from the conversation's slot owner only, under its current fence.
    private func requireSlotOwner(_ principal: Principal, _ fence: SlotFence, for conversationID: String) throws(CommandError) {
        guard principal.isSystem else { throw .forbidden("only the slot owner makes routing decisions") }
        try requireFence(fence, for: conversationID)
    }

    func existingConversation(_ id: String) throws(CommandError) -> Conversation {
        guard let conversation = conversations[id] else { throw .notFound("conversation \(id)") }
        return conversation
    }

    /// A conversation waiting in a queue with no offer out: what routing may decide about.
    private func waitingConversation(_ id: String) throws(CommandError) -> Conversation {
        let conversation = try existingConversation(id)
        guard conversation.isAwaitingAgent, conversation.offer == nil else {
            throw .conflict("conversation \(id) is not waiting for an agent")
        }
        return conversation
    }

    /// The pending offer, which only the agent it is made to may answer.
    private func offerToActor(_ conversation: Conversation, _ principal: Principal) throws(CommandError) -> Offer {
        guard let offer = conversation.offer else { throw .conflict("conversation \(conversation.id) has no pending offer") }
        guard principal.isStaff(offer.agentID) else { throw .forbidden("conversation \(conversation.id) is offered to someone else") }
        return offer
    }

    /// Records the changed conversation with one event about it, and answers with it.
    func publish(
        _ type: DeskEventType, _ conversation: Conversation, _ changeset: inout Changeset, formerAssigneeID: String? = nil
    ) -> DeskResult {
        let customer = customers[conversation.customerID]!
        changeset.conversations.append(conversation)
        changeset.emit(type, .conversation(conversation, customer: customer), conversationID: conversation.id, formerAssigneeID: formerAssigneeID)
        return .conversation(conversation, customer: customer)
    }
}
