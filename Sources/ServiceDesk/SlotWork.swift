extension Desk {
    /// The commands the owner of `ownedSlots` should propose now: routing decisions, expired
    /// offers, overflows, SLA breaches, reminders. Each carries the ``SlotFence`` of its slot,
    /// and `apply` checks both the fence and that the work is still due, so work proposed twice
    /// (a retry, or a new owner after failover) takes effect once.
    ///
    /// `owner` is the asking node; only slots it owns in this state are considered. Oldest
    /// work first, at most `limit` commands.
    public func dueWork(ownedSlots: Set<Int>, owner: UInt64, now: Timestamp, limit: Int) -> [Command.Action] {
        let slots = ownedSlots.filter { self.slots.owners.indices.contains($0) && self.slots.owners[$0] == owner }
        guard !slots.isEmpty, limit > 0 else { return [] }
        // Each feature appends its due work here.
        var work: [Command.Action] = []
        work += routingWork(inSlots: slots, now: now, limit: limit)
        return Array(work.prefix(limit))
    }
}
