import RaftCore

/// Clients: unique-valued proposals (mostly sent to a node that believes it leads) and
/// ReadIndex reads, with the bookkeeping the exactly-once and read checkers need.
extension Simulation {
    /// Proposals per client request at most (one append carries them all).
    static let proposalBatchMax = 4

    mutating func propose() throws(Violation) {
        if phase == .liveness && livenessAcknowledged >= settings.livenessProposals { return }
        guard let position = pickClientTarget(),
            nodes[position].proposals.count < SimulatedNode.proposalsPendingMax
        else { return }
        let count = random.chance(0.2) ? random.value(in: 2...Self.proposalBatchMax) : 1
        let values = (0..<UInt64(count)).map { nextValue + $0 }
        nextValue += UInt64(count)
        let node = nodes[position].id
        do {
            guard let indexes = try nodes[position].raft?.propose(batch: values.map(ClientValue.encode))
            else { return }
            for (offset, value) in values.enumerated() {
                nodes[position].proposals[indexes.lowerBound + LogIndex(offset)] = value
            }
            stats.proposals += count
            trace("propose n\(node) values \(values[0])...\(values[count - 1]) at \(indexes.lowerBound)")
        } catch {
            trace("propose n\(node) refused: \(error)")
        }
        nodes[position].touched()
        try observe(position)
    }

    mutating func read() throws(Violation) {
        guard let position = pickClientTarget() else { return }
        let id = nextReadID
        nextReadID += 1
        let node = nodes[position].id
        do {
            try nodes[position].raft?.readIndex(context: bigEndianBytes(id))
            if nodes[position].reads.count >= SimulatedNode.readsPendingMax {
                nodes[position].reads.removeFirst()
            }
            nodes[position].reads.append(
                PendingRead(id: id, requiredIndex: checker.acknowledgedIndexMax))
            trace("read n\(node) id \(id) after \(checker.acknowledgedIndexMax)")
        } catch {
            trace("read n\(node) refused: \(error)")
        }
        nodes[position].touched()
        try observe(position)
    }

    /// A node that believes it leads, mostly; any running node otherwise (which refuses or
    /// forwards, as the request kind allows).
    private mutating func pickClientTarget() -> Int? {
        let running = activePositions
        let leaders = running.filter { nodes[$0].raft?.role == .leader }
        if !leaders.isEmpty && random.chance(0.9) {
            return random.element(of: leaders)
        }
        return random.element(of: running)
    }

    /// Checks each ReadIndex answer against the writes acknowledged before its read was issued.
    mutating func answerReads(_ readStates: [ReadState], at position: Int) throws(Violation) {
        let node = nodes[position].id
        for state in readStates {
            guard state.context.count == 8 else { continue }
            let id = readBigEndian(state.context[...])
            guard let slot = nodes[position].reads.firstIndex(where: { $0.id == id }) else { continue }
            let required = nodes[position].reads[slot].requiredIndex
            try checker.checkRead(node: node, readIndex: state.index, requiredIndex: required)
            nodes[position].reads[slot].readIndex = state.index
            trace("read-index n\(node) id \(id) index \(state.index)")
        }
    }

    /// Serves the reads whose read index the machine has reached.
    mutating func serveReads(at position: Int) {
        let applied = nodes[position].machine.applied
        let node = nodes[position].id
        var waiting: [PendingRead] = []
        for read in nodes[position].reads {
            guard let index = read.readIndex, index <= applied else {
                waiting.append(read)
                continue
            }
            stats.readsServed += 1
            trace("read-served n\(node) id \(read.id) at \(applied)")
        }
        nodes[position].reads = waiting
    }
}
