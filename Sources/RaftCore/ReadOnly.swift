/// ReadIndex requests waiting for the leader to confirm, with a heartbeat round, that it is
/// still the leader. Requests are served in arrival order: an ack for a later request confirms
/// every earlier one too.
struct ReadIndexQueue {
    struct Request {
        /// The node that asked (the leader itself for local reads).
        var from: NodeID
        var context: [UInt8]
        /// The leader's commit index when the request arrived: the read index.
        var index: LogIndex
        var acks: Set<NodeID>
        /// The caller's `RaftNode.leaseStamp` when the round for this request started.
        var stamp: UInt64
    }

    /// Bounds the queue so that a flood of reads during a partition cannot exhaust memory.
    static let requestsMax = 65_536

    private var pending: [[UInt8]: Request] = [:]
    private var order: [[UInt8]] = []

    var isEmpty: Bool { order.isEmpty }
    var count: Int { order.count }
    var lastContext: [UInt8]? { order.last }

    /// Adds a request; returns false if the queue is full or the context is already waiting.
    mutating func add(from: NodeID, context: [UInt8], index: LogIndex, leader: NodeID, stamp: UInt64) -> Bool {
        guard pending[context] == nil, order.count < Self.requestsMax else { return false }
        pending[context] = Request(from: from, context: context, index: index, acks: [leader], stamp: stamp)
        order.append(context)
        return true
    }

    /// Records that `node` answered the heartbeat round for `context`; returns who acked so far.
    mutating func ack(from node: NodeID, context: [UInt8]) -> Set<NodeID>? {
        guard pending[context] != nil else { return nil }
        pending[context]?.acks.insert(node)
        return pending[context]?.acks
    }

    /// Removes and returns every request up to and including `context`, oldest first.
    mutating func release(through context: [UInt8]) -> [Request] {
        guard let position = order.firstIndex(of: context) else { return [] }
        let released = order[...position].compactMap { pending.removeValue(forKey: $0) }
        order.removeFirst(position + 1)
        return released
    }
}
