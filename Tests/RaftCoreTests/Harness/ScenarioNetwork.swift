import RaftCore

/// Selects messages by sender, receiver and kind; an unset field matches anything. `count`
/// keeps only the first matches, in sending order.
struct MessageFilter {
    static let options: Set<String> = ["from", "to", "type", "count"]

    var from: NodeID?
    var to: NodeID?
    var kind: MessageKind?
    var count = Int.max

    init(from: NodeID? = nil, to: NodeID? = nil, kind: MessageKind? = nil) {
        self.from = from
        self.to = to
        self.kind = kind
    }

    /// Reads `from=`, `to=`, `type=` (an etcd-style name such as `MsgApp`) and `count=`.
    init(_ command: ScenarioCommand) throws {
        from = try command.nodeOption("from")
        to = try command.nodeOption("to")
        count = try command.integer("count", default: Int.max)
        if let name = command.options["type"] {
            guard let kind = MessageKind.allCases.first(where: { Describe.kind($0) == name }) else {
                throw ScenarioError("unknown message type \(name)")
            }
            self.kind = kind
        }
    }

    func matches(_ message: Message) -> Bool {
        (from == nil || message.from == from) && (to == nil || message.to == to)
            && (kind == nil || message.kind == kind)
    }
}

/// The messages sent but not yet delivered, in sending order, and the partition in force.
struct ScenarioNetwork {
    private(set) var pending: [Message] = []
    /// Messages set aside by `hold`, to be delivered late (stale) by `release`.
    private(set) var held: [Message] = []
    /// Groups of nodes that can talk to each other; nil when the network is whole. A node in
    /// no group is alone.
    private var groups: [[NodeID]]?

    func connects(_ from: NodeID, _ to: NodeID) -> Bool {
        guard let groups else { return true }
        return groups.contains { $0.contains(from) && $0.contains(to) }
    }

    mutating func enqueue(_ message: Message) {
        pending.append(message)
    }

    /// Removes and returns the pending messages that `filter` selects, in sending order.
    mutating func take(_ filter: MessageFilter) -> [Message] {
        let positions = selected(filter)
        let taken = positions.map { pending[$0] }
        for position in positions.reversed() {
            pending.remove(at: position)
        }
        return taken
    }

    private func selected(_ filter: MessageFilter) -> [Int] {
        Array(pending.indices.filter { filter.matches(pending[$0]) }.prefix(filter.count))
    }

    /// Splits the network; returns the pending messages that no longer have a path (dropped).
    mutating func partition(_ newGroups: [[NodeID]]) -> [Message] {
        groups = newGroups
        let network = self
        let cut = pending.filter { !network.connects($0.from, $0.to) }
        pending.removeAll { !network.connects($0.from, $0.to) }
        return cut
    }

    mutating func heal() {
        groups = nil
    }

    /// Sets matching pending messages aside; returns them.
    mutating func hold(_ filter: MessageFilter) -> [Message] {
        let taken = take(filter)
        held += taken
        return taken
    }

    /// Puts every held message back at the end of the queue; returns them.
    mutating func release() -> [Message] {
        let released = held
        pending += held
        held = []
        return released
    }

    /// Queues a second copy of each matching pending message; returns the copies.
    mutating func duplicate(_ filter: MessageFilter) -> [Message] {
        let copies = selected(filter).map { pending[$0] }
        pending += copies
        return copies
    }
}
