@testable import RaftCore

/// The commands that feed one node: time, elections, proposals and transport reports.
extension InteractionHarness {
    mutating func campaign(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 1)
        try updateRaft(command.node()) { $0.campaign() }
    }

    /// `tick N… [count=K]`, `tick-heartbeat N`, `tick-election N`. Several nodes given to
    /// `tick` advance together, one tick each in turn. An election tick count is the node's
    /// own remaining timeout, so the timeout fires on the last tick whatever the randomization
    /// chose: a leader's check-quorum, a follower's election.
    mutating func tick(_ command: ScenarioCommand) throws {
        guard command.name == "tick" else {
            try command.check(options: [], argumentsMax: 1)
            let id = try command.node()
            let raft = try raft(id)
            let count = command.name == "tick-election"
                ? remainingElectionTicks(raft)
                : raft.config.heartbeatTimeoutTicks - raft.heartbeatElapsed
            try tick([id], count: count)
            return
        }
        try command.check(options: ["count"], argumentsMax: Int.max)
        try tick(command.nodes(), count: command.integer("count", default: 1))
    }

    private mutating func tick(_ ids: [NodeID], count: Int) throws {
        for _ in 0..<max(count, 1) {
            for id in ids {
                try updateRaft(id) { $0.tick() }
            }
        }
    }

    private func remainingElectionTicks(_ raft: RaftNode) -> Int {
        let timeout = raft.role == .leader
            ? raft.config.electionTimeoutTicks : raft.randomizedElectionTimeout
        return timeout - raft.electionElapsed
    }

    /// `propose N data`, or `propose N a b c` for one batch (one append carries them all).
    mutating func propose(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: Int.max)
        _ = try command.argument(1)
        let batch = command.arguments.dropFirst().map { Array($0.utf8) }
        try attempt(command.node()) { raft throws(RaftError) in
            if batch.count == 1 {
                _ = try raft.propose(batch[0])
            } else {
                _ = try raft.propose(batch: batch)
            }
        }
    }

    /// `propose-conf N add-learner|promote|remove ID`
    mutating func proposeConfChange(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 3)
        let kinds: [String: ConfChange.Kind] = [
            "add-learner": .addLearner, "promote": .promote, "remove": .remove,
        ]
        guard let kind = kinds[try command.argument(1)] else {
            throw ScenarioError("conf change must be add-learner, promote or remove")
        }
        let change = ConfChange(kind: kind, nodeID: try command.node(2))
        try attempt(command.node()) { raft throws(RaftError) in
            _ = try raft.proposeConfChange(change)
        }
    }

    mutating func transferLeader(_ command: ScenarioCommand) throws {
        try command.check(options: ["to"], argumentsMax: 1)
        let target = try command.requiredNode("to")
        try attempt(command.node()) { raft throws(RaftError) in try raft.transferLeader(to: target) }
    }

    /// `read-index N ctx`
    mutating func readIndex(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 2)
        let context = Array(try command.argument(1).utf8)
        try attempt(command.node()) { raft throws(RaftError) in try raft.readIndex(context: context) }
    }

    mutating func reportUnreachable(_ command: ScenarioCommand) throws {
        try command.check(options: ["to"], argumentsMax: 1)
        let target = try command.requiredNode("to")
        try updateRaft(command.node()) { $0.reportUnreachable(target) }
    }

    /// `report-snapshot N to=M [failed=true]`
    mutating func reportSnapshot(_ command: ScenarioCommand) throws {
        try command.check(options: ["to", "failed"], argumentsMax: 1)
        let target = try command.requiredNode("to")
        let failed = try command.flag("failed", default: false)
        try updateRaft(command.node()) { $0.reportSnapshot(to: target, failed: failed) }
    }
}
