extension Desk {
    /// The queue with `id`.
    public func queue(id: String) -> Queue? { queues[id] }

    /// All queues in id order; at most ``DeskLimits/queuesMax``.
    public func allQueues() -> [Queue] { queues.values.sorted { $0.id < $1.id } }

    /// The routing rule with `id`.
    public func routingRule(id: String) -> RoutingRule? { routingRules[id] }

    /// All routing rules in evaluation order; at most ``DeskLimits/routingRulesMax``.
    public func orderedRoutingRules() -> [RoutingRule] { routingRules.values.sorted(by: RoutingRule.precedes) }

    /// How many open or pending conversations are assigned or offered to the staff user.
    public func load(ofAgent id: String) -> Int { routing.load(of: id) }
}
