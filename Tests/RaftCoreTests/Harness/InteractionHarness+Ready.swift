@testable import RaftCore

/// The Ready contract as a careful application runs it, and `stabilize`, which runs the
/// cluster until nothing is left to do.
extension InteractionHarness {
    /// Bounds `stabilize`, so a livelock fails the scenario instead of hanging the test run.
    static let stabilizeRoundsMax = 1_000

    /// `process-ready N…`: the whole Ready contract, or the rest of a Ready begun by `ready N`.
    mutating func processReady(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: Int.max)
        for id in try command.nodes() {
            try handleReady(id)
        }
    }

    /// `ready N…`: hands out a Ready and sends the messages that need no persist, as a leader
    /// does while its own log write is still running. `process-ready N` finishes it.
    mutating func startReady(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: Int.max)
        for id in try command.nodes() {
            guard readiesInProgress[id] == nil else {
                throw ScenarioError("node \(id) has a Ready in progress already")
            }
            try beginReady(id)
        }
    }

    /// `stabilize [N…]`: handle Readies and deliver messages among the given nodes (all by
    /// default) until no node has work and no message is pending for them.
    mutating func stabilize(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: Int.max)
        let ids = command.arguments.isEmpty ? sortedIDs : try command.nodes()
        for _ in 0..<Self.stabilizeRoundsMax {
            var busy = false
            for id in ids where hasWork(id) {
                try handleReady(id)
                busy = true
            }
            for id in ids where try deliverAll(MessageFilter(to: id), drop: false) > 0 {
                busy = true
            }
            if !busy { return }
        }
        throw ScenarioError("stabilize did not settle in \(Self.stabilizeRoundsMax) rounds")
    }

    private func hasWork(_ id: NodeID) -> Bool {
        readiesInProgress[id] != nil || nodes[id]?.raft?.hasReady == true
    }

    /// One Ready, handled in the documented order: send, persist, send what needed the persist,
    /// apply, advance. A Ready begun by `ready N` continues where it stopped.
    mutating func handleReady(_ id: NodeID) throws {
        if readiesInProgress[id] == nil {
            guard try beginReady(id) else { return }
        } else {
            emit("> \(id) finishing Ready")
        }
        try finishReady(id)
    }

    /// Hands out the next Ready and sends its messages; returns false if there was none.
    @discardableResult
    private mutating func beginReady(_ id: NodeID) throws -> Bool {
        var raft = try raft(id)
        guard raft.hasReady else { return false }
        let ready = raft.ready()
        nodes[id]!.raft = raft
        readiesInProgress[id] = ready
        emit("> \(id) handling Ready MustSync=\(ready.mustSync)")
        indent = "  "
        describeState(of: ready)
        send(ready.messages, title: "Messages:")
        indent = ""
        return true
    }

    private mutating func finishReady(_ id: NodeID) throws {
        guard let ready = readiesInProgress.removeValue(forKey: id) else { return }
        indent = "  "
        persist(ready, on: id)
        send(ready.persistedMessages, title: "Messages after persist:")
        apply(ready, on: id)
        try updateRaft(id) { $0.advance(ready) }
        indent = ""
    }

    private mutating func describeState(of ready: Ready) {
        if let soft = ready.softState {
            emit("Lead:\(soft.leader) State:\(Describe.role(soft.role))")
        }
        if let hard = ready.hardState { emit("HardState " + Describe.hardState(hard)) }
        if let snapshot = ready.snapshot {
            emit("Snapshot " + Describe.snapshotMetadata(snapshot.metadata))
        }
        if !ready.entries.isEmpty {
            emit("Entries:")
            ready.entries.forEach { emit(Describe.entry($0)) }
        }
    }

    /// Puts messages on the network; those that cross a partition are lost on the way.
    mutating func send(_ messages: [Message], title: String) {
        guard !messages.isEmpty else { return }
        emit(title)
        for message in messages {
            if network.connects(message.from, message.to) {
                network.enqueue(message)
                emit(Describe.message(message))
            } else {
                emit(Describe.message(message) + " (dropped: partition)")
            }
        }
    }

    private mutating func persist(_ ready: Ready, on id: NodeID) {
        let storage = nodes[id]!.storage
        if let snapshot = ready.snapshot {
            do {
                try storage.applySnapshot(snapshot)
            } catch {
                emit("\(Self.violation) storage refused the snapshot: \(error)")
            }
            nodes[id]!.state.restore(snapshot)
            let values = nodes[id]!.state.values.map(\.text)
            emit("\(id) installed snapshot \(snapshot.metadata.term)/\(snapshot.metadata.index)"
                + " values:" + "[" + values.joined(separator: " ") + "]")
        }
        storage.append(ready.entries)
        if let hardState = ready.hardState { storage.setHardState(hardState) }
    }

    private mutating func apply(_ ready: Ready, on id: NodeID) {
        for entry in ready.committedEntries {
            apply(entry, on: id)
        }
        if let confState = ready.confState {
            nodes[id]!.storage.setConfState(confState)
            emit("\(id) conf state " + Describe.confState(confState))
        }
        for read in ready.readStates {
            emit("\(id) read-state index=\(read.index) ctx=\(Describe.plain(read.context))")
        }
    }

    /// Applies one committed entry, checking the two promises an application relies on: each
    /// index is applied once and in order, and every node applies the same entry at an index.
    private mutating func apply(_ entry: Entry, on id: NodeID) {
        let applied = nodes[id]!.state.appliedIndex
        guard entry.index == applied + 1 else {
            emit("\(Self.violation) \(id) asked to apply \(Describe.entry(entry)) after applying \(applied)")
            return
        }
        nodes[id]!.state.apply(entry)
        emit("\(id) applied \(Describe.entry(entry))")
        if let first = appliedLog[entry.index], first != entry {
            emit("\(Self.violation) \(id) applied \(Describe.entry(entry)) but another node applied"
                + " \(Describe.entry(first)) at index \(entry.index)")
        } else {
            appliedLog[entry.index] = entry
        }
    }
}
