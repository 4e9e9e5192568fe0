/// Routing configuration: queues and routing rules, managed by supervisors and admins.
extension Desk {
    func createQueue(
        _ body: CreateQueue, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage queues")
        let id = try queueID(body.id)
        guard queues[id] == nil else { throw .conflict("queue \(id) already exists") }
        guard queues.count < limits.queuesMax else { throw .conflict("there are already \(limits.queuesMax) queues") }
        let queue = try validated(Queue(
            id: id, name: body.name, teamID: body.teamID, requiredSkills: body.requiredSkills, language: body.language,
            strategy: body.strategy, offerTimeoutSeconds: body.offerTimeoutSeconds, overflowQueueID: body.overflowQueueID,
            overflowAfterSeconds: body.overflowAfterSeconds, stickinessWaitSeconds: body.stickinessWaitSeconds,
            createdAt: context.time, updatedAt: context.time))
        changeset.queues.append(queue)
        changeset.emit(.queueCreated, .queue(queue))
        changeset.note("queue.create", target: queue.id, details: "strategy=\(queue.strategy.rawValue)")
        return .queue(queue)
    }

    func updateQueue(
        _ body: UpdateQueue, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage queues")
        guard var queue = queues[body.queueID] else { throw .notFound("queue \(body.queueID)") }
        if let name = body.name { queue.name = name }
        if let team = body.teamID { queue.teamID = team.value }
        if let skills = body.requiredSkills { queue.requiredSkills = skills }
        if let language = body.language { queue.language = language.value }
        if let strategy = body.strategy { queue.strategy = strategy }
        if let seconds = body.offerTimeoutSeconds { queue.offerTimeoutSeconds = seconds }
        if let overflow = body.overflowQueueID { queue.overflowQueueID = overflow.value }
        if let seconds = body.overflowAfterSeconds { queue.overflowAfterSeconds = seconds }
        if let seconds = body.stickinessWaitSeconds { queue.stickinessWaitSeconds = seconds }
        queue.updatedAt = context.time
        queue = try validated(queue)
        changeset.queues.append(queue)
        changeset.emit(.queueUpdated, .queue(queue))
        changeset.note("queue.update", target: queue.id)
        return .queue(queue)
    }

    /// Queue ids are what conversations carry in `queue`: lowercased labels usable in keys.
    private func queueID(_ value: String) throws(CommandError) -> String {
        let id = try limits.label(value, "queue id")
        try limits.checkID(id, "queue id")
        return id
    }

    /// Checks and normalizes every configurable field of a queue.
    private func validated(_ queue: Queue) throws(CommandError) -> Queue {
        var queue = queue
        queue.name = try limits.name(queue.name, "name")
        if let teamID = queue.teamID { try requireTeam(teamID) }
        queue.requiredSkills = try limits.skills(queue.requiredSkills)
        queue.language = try queue.language.map(limits.language)
        queue.offerTimeoutSeconds = try seconds(queue.offerTimeoutSeconds, "offerTimeoutSeconds", max: limits.offerTimeoutSecondsMax)
        queue.overflowAfterSeconds = try seconds(queue.overflowAfterSeconds, "overflowAfterSeconds", max: limits.queueWaitSecondsMax)
        queue.stickinessWaitSeconds = try seconds(queue.stickinessWaitSeconds, "stickinessWaitSeconds", max: limits.queueWaitSecondsMax)
        if queue.overflowAfterSeconds > 0, queue.overflowQueueID == nil {
            throw .invalid("overflowAfterSeconds needs an overflowQueueID")
        }
        if let overflowID = queue.overflowQueueID { try requireOverflowTarget(overflowID, of: queue.id) }
        return queue
    }

    private func seconds(_ value: Int, _ field: String, max: Int) throws(CommandError) -> Int {
        guard (0...max).contains(value) else { throw .invalid("\(field) must be 0…\(max)") }
        return value
    }

    /// An overflow queue must exist, and following overflows from it must never come back:
    /// a cycle would move conversations around forever.
    private func requireOverflowTarget(_ targetID: String, of queueID: String) throws(CommandError) {
        guard queues[targetID] != nil else { throw .notFound("queue \(targetID)") }
        var next: String? = targetID
        for _ in 0...queues.count {
            guard let current = next else { return }
            guard current != queueID else { throw .invalid("queue \(queueID) would overflow into itself") }
            next = queues[current]?.overflowQueueID
        }
        preconditionFailure("the stored overflow chains contain a cycle")
    }

    func requireQueue(_ id: String) throws(CommandError) -> Queue {
        guard let queue = queues[id] else { throw .notFound("queue \(id)") }
        return queue
    }

    // MARK: Routing rules

    func createRoutingRule(
        _ body: CreateRoutingRule, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage routing rules")
        try limits.checkID(body.id, "routing rule id")
        guard routingRules[body.id] == nil else { throw .conflict("routing rule \(body.id) already exists") }
        guard routingRules.count < limits.routingRulesMax else {
            throw .conflict("there are already \(limits.routingRulesMax) routing rules")
        }
        let rule = try validated(RoutingRule(
            id: body.id, name: body.name, position: body.position, enabled: body.enabled, conditions: body.conditions,
            queueID: body.queueID, raisePriorityTo: body.raisePriorityTo, createdAt: context.time, updatedAt: context.time))
        changeset.routingRules.append(rule)
        changeset.emit(.routingRuleCreated, .routingRule(rule))
        changeset.note("routing_rule.create", target: rule.id, details: "queue=\(rule.queueID) position=\(rule.position)")
        return .routingRule(rule)
    }

    func updateRoutingRule(
        _ body: UpdateRoutingRule, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage routing rules")
        guard var rule = routingRules[body.ruleID] else { throw .notFound("routing rule \(body.ruleID)") }
        if let name = body.name { rule.name = name }
        if let position = body.position { rule.position = position }
        if let enabled = body.enabled { rule.enabled = enabled }
        if let conditions = body.conditions { rule.conditions = conditions }
        if let queueID = body.queueID { rule.queueID = queueID }
        if let raise = body.raisePriorityTo { rule.raisePriorityTo = raise.value }
        rule.updatedAt = context.time
        rule = try validated(rule)
        changeset.routingRules.append(rule)
        changeset.emit(.routingRuleUpdated, .routingRule(rule))
        changeset.note("routing_rule.update", target: rule.id)
        return .routingRule(rule)
    }

    func deleteRoutingRule(
        _ body: DeleteRoutingRule, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage routing rules")
        guard routingRules[body.ruleID] != nil else { throw .notFound("routing rule \(body.ruleID)") }
        changeset.deletedRoutingRuleIDs.append(body.ruleID)
        changeset.emit(.routingRuleDeleted, .routingRuleDeleted(id: body.ruleID))
        changeset.note("routing_rule.delete", target: body.ruleID)
        return .routingRuleDeleted(id: body.ruleID)
    }

    private func validated(_ rule: RoutingRule) throws(CommandError) -> RoutingRule {
        var rule = rule
        rule.name = try limits.name(rule.name, "name")
        guard (0...limits.routingRulePositionMax).contains(rule.position) else {
            throw .invalid("position must be 0…\(limits.routingRulePositionMax)")
        }
        rule.queueID = try requireQueue(try limits.label(rule.queueID, "queue")).id
        rule.conditions = try validated(rule.conditions)
        return rule
    }

    /// Normalizes condition lists (unique, sorted) so equal rules encode equally.
    private func validated(_ conditions: RoutingConditions) throws(CommandError) -> RoutingConditions {
        var conditions = conditions
        let valuesMax = limits.routingConditionValuesMax
        guard conditions.channels.count <= valuesMax, conditions.languages.count <= valuesMax,
            conditions.sentiments.count <= valuesMax
        else { throw .invalid("at most \(valuesMax) values in each condition") }
        conditions.channels = Set(conditions.channels).sorted { $0.rawValue < $1.rawValue }
        conditions.languages = try limits.languages(conditions.languages)
        conditions.tags = try limits.tags(conditions.tags)
        conditions.sentiments = Set(conditions.sentiments).sorted { $0.rawValue < $1.rawValue }
        return conditions
    }

    /// Sends a conversation to the queue of the first enabled rule it matches, raising its
    /// priority if the rule says so; leaves it alone when no rule matches.
    func applyRoutingRules(to conversation: inout Conversation, tier: CustomerTier, returningCustomer: Bool) {
        let facts = conversation.routingFacts(tier: tier, returningCustomer: returningCustomer)
        let matching = routingRules.values.filter { $0.enabled && $0.conditions.matches(facts) }
        guard let rule = matching.min(by: RoutingRule.precedes) else { return }
        conversation.queue = rule.queueID
        if let raised = rule.raisePriorityTo, raised.rank > conversation.priority.rank { conversation.priority = raised }
    }

    /// Routes a conversation being created: rules choose a queue when the creator named none.
    func routeOnCreation(_ conversation: inout Conversation, customer: Customer, at time: Timestamp) {
        if conversation.queue == nil {
            let returning = routing.conversationCount(ofCustomer: customer.id) > 0
            applyRoutingRules(to: &conversation, tier: customer.tier, returningCustomer: returning)
        }
        conversation.settleRouting(from: nil, at: time)
    }

    /// Rebuilds the routing index and checks what apply guarantees about routing records.
    mutating func rebuildRouting() throws(DeskDecodingError) {
        for queue in queues.values {
            if let overflowID = queue.overflowQueueID, queues[overflowID] == nil {
                throw .malformed("queue \(queue.id) overflows into a missing queue")
            }
        }
        for rule in routingRules.values where queues[rule.queueID] == nil {
            throw .malformed("routing rule \(rule.id) names a missing queue")
        }
        for conversation in conversations.values where !conversation.routingIsConsistent {
            throw .malformed("conversation \(conversation.id) has inconsistent routing state")
        }
        routing = RoutingIndex(conversations.values)
    }
}
