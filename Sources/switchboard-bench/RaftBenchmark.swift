import RaftCore

/// RaftCore alone: a 3-node cluster in memory (MemoryStorage, messages handed over directly)
/// committing proposals of ~100 bytes on every node. An op is one entry applied on all three
/// nodes; `batch` entries are proposed together, as the replica proposes what its inbox held.
enum RaftBenchmark {
    static let roundEntries = 4_096
    /// Entries kept behind the applied index; older ones are compacted away so memory stays flat.
    static let retainedEntries: LogIndex = 1_000

    static func run(batch: Int) -> Result {
        var cluster = MemoryCluster(ids: [1, 2, 3])
        cluster.elect(1)
        let payload = [UInt8](repeating: 0x61, count: 100)
        return Measure.repeatedly {
            Measure.timed(roundEntries) {
                var proposed = 0
                while proposed < roundEntries {
                    let count = min(batch, roundEntries - proposed)
                    cluster.propose(on: 1, Array(repeating: payload, count: count))
                    cluster.stabilize()
                    proposed += count
                }
                cluster.compact(keeping: retainedEntries)
            }
        }
    }
}

/// Nodes, their storage and the messages between them; Readies handled in the documented
/// order (send, persist, send after persist, apply, advance).
struct MemoryCluster {
    var nodes: [NodeID: RaftNode] = [:]
    var storages: [NodeID: MemoryStorage] = [:]
    var appliedIndexes: [NodeID: LogIndex] = [:]
    var pending: [Message] = []

    init(ids: [NodeID]) {
        for id in ids {
            let storage = MemoryStorage(voters: ids)
            var config = Config(id: id)
            config.randomSeed = id
            storages[id] = storage
            nodes[id] = RaftNode(config: config, storage: storage)
            appliedIndexes[id] = 0
        }
    }

    func applied(_ id: NodeID) -> LogIndex { appliedIndexes[id]! }

    mutating func elect(_ id: NodeID) {
        nodes[id]!.campaign()
        stabilize()
        precondition(nodes[id]!.role == .leader, "node \(id) did not become leader")
    }

    mutating func propose(on id: NodeID, _ batch: [[UInt8]]) {
        do {
            _ = try nodes[id]!.propose(batch: batch)
        } catch {
            preconditionFailure("proposal refused: \(error)")
        }
    }

    /// Handles Readies and delivers messages until nothing is left to do.
    mutating func stabilize() {
        var busy = true
        while busy {
            busy = false
            for id in nodes.keys.sorted() where nodes[id]!.hasReady {
                handleReady(id)
                busy = true
            }
            if !pending.isEmpty {
                let delivering = pending
                pending = []
                for message in delivering { nodes[message.to]!.step(message) }
                busy = true
            }
        }
    }

    private mutating func handleReady(_ id: NodeID) {
        let ready = nodes[id]!.ready()
        pending += ready.messages
        let storage = storages[id]!
        storage.append(ready.entries)
        if let hardState = ready.hardState { storage.setHardState(hardState) }
        pending += ready.persistedMessages
        if let last = ready.committedEntries.last { appliedIndexes[id] = last.index }
        consume(ready.committedEntries.count)
        nodes[id]!.advance(ready)
    }

    /// Drops entries that every node has applied, bar the last `keeping`.
    mutating func compact(keeping: LogIndex) {
        for (id, storage) in storages {
            let applied = appliedIndexes[id]!
            guard applied > keeping, applied - keeping > storage.firstIndex() else { continue }
            do {
                try storage.compact(to: applied - keeping)
            } catch {
                preconditionFailure("compaction refused: \(error)")
            }
        }
    }
}
