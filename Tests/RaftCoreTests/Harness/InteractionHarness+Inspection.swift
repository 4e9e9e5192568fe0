@testable import RaftCore

/// Commands that print state without changing it.
extension InteractionHarness {
    /// `raft-state`: one line per node, like etcd's.
    mutating func raftState(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 0)
        for id in sortedIDs {
            guard let raft = nodes[id]!.raft else {
                emit("\(id): down")
                continue
            }
            emit("\(id): \(Describe.role(raft.role)) (\(membership(of: id, in: raft.confState)))"
                + " Term:\(raft.term) Lead:\(raft.leader)")
        }
    }

    private func membership(of id: NodeID, in confState: ConfState) -> String {
        if confState.isVoter(id) { return "Voter" }
        if confState.isLearner(id) { return "Learner" }
        return "Non-member"
    }

    /// `status N`: the node's marks, and on a leader its view of every member's replication.
    mutating func status(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 1)
        let id = try command.node()
        let raft = try raft(id)
        var line = "\(id): \(Describe.role(raft.role)) Term:\(raft.term) Vote:\(raft.vote)"
        line += " Lead:\(raft.leader) Commit:\(raft.log.committed) Applied:\(raft.log.applied)"
        line += " First:\(raft.log.firstIndex()) Last:\(raft.log.lastIndex())"
        if raft.leadTransferee != noNode { line += " Transferee:\(raft.leadTransferee)" }
        emit(line)
        emit("  " + Describe.confState(raft.confState))
        for peer in raft.progress.keys.sorted() where raft.role == .leader {
            emit("  \(peer): " + describe(raft.progress[peer]!))
        }
    }

    private func describe(_ progress: Progress) -> String {
        var text = "\(Describe.progressState(progress.state)) match=\(progress.match)"
        text += " next=\(progress.next)"
        if progress.inflights.count > 0 { text += " inflight=\(progress.inflights.count)" }
        if progress.isPaused { text += " paused" }
        if progress.state == .snapshot { text += " pending-snapshot=\(progress.pendingSnapshot)" }
        if progress.isLearner { text += " learner" }
        if !progress.recentActive { text += " inactive" }
        return text
    }

    /// `log N`: the log as the node sees it (its disk, if it is down).
    mutating func log(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 1)
        let id = try command.node()
        let node = try node(id)
        guard let raft = node.raft else {
            emit("\(id) (down): HardState \(Describe.hardState(node.storage.hardState))")
            emitEntries(storageEntries(node.storage))
            return
        }
        let first = raft.log.firstIndex()
        let last = raft.log.lastIndex()
        emit("\(id): First:\(first) Last:\(last) Commit:\(raft.log.committed)"
            + " Applied:\(raft.log.applied) Persisted:\(raft.persistedLastIndex)")
        do {
            emitEntries(try raft.log.slice(first, last + 1, bytesMax: Int.max))
        } catch {
            emit(Describe.error(error))
        }
    }

    private func storageEntries(_ storage: MemoryStorage) -> [Entry] {
        guard storage.lastIndex() >= storage.firstIndex() else { return [] }
        let entries = try? storage.entries(
            from: storage.firstIndex(), to: storage.lastIndex() + 1, bytesMax: Int.max)
        return entries ?? []
    }

    private mutating func emitEntries(_ entries: [Entry]) {
        if entries.isEmpty { emit("  (no entries)") }
        entries.forEach { emit("  " + Describe.entry($0)) }
    }
}
