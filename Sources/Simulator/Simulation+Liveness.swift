import RaftCore

/// The liveness phase: the network turns reliable and every member runs again; then a leader
/// must appear and fresh proposals must be applied on every member within bounded time.
extension Simulation {
    mutating func runLivenessPhase() throws(Violation) {
        heal()
        let healedTick = now
        let healedStep = stats.steps
        var leaderElected = false
        while true {
            try step()
            if stats.steps - healedStep > settings.livenessStepsMax {
                // A healed cluster settles in far fewer steps: messages circulate without end.
                throw Violation(.liveness,
                    livenessShortfall(ticks: now - healedTick) + "; over \(settings.livenessStepsMax) steps")
            }
            leaderElected = leaderElected || currentLeader != nil
            if !leaderElected && now - healedTick > settings.electionTicksMax {
                throw Violation(.liveness, "no leader \(settings.electionTicksMax) ticks after healing")
            }
            if leaderElected && livenessReached() {
                try checkMembersHoldAcknowledged()
                trace("liveness reached \(now - healedTick) ticks after healing")
                return
            }
            if now - healedTick > settings.livenessTicksMax {
                throw Violation(.liveness, livenessShortfall(ticks: now - healedTick))
            }
        }
    }

    /// Ends every fault: links mend, the network stops losing or holding messages back, and
    /// every member that is down restarts. Messages already delayed still arrive.
    private mutating func heal() {
        phase = .liveness
        network.healAll()
        scheduledIsolations = []
        dropRate = 0
        duplicateRate = 0
        delayRate = 0
        reorderRate = 0
        earlyTickRate = 0
        trace("heal all")
        for position in nodes.indices where nodes[position].isPaused {
            nodes[position].pausedUntilTick = nil
            trace("resume n\(nodes[position].id)")
        }
        for position in nodes.indices where !nodes[position].isRunning && !nodes[position].isRemoved {
            stats.restarts += 1
            nodes[position].start(settings: settings)
            trace("restart n\(nodes[position].id) applied \(nodes[position].machine.applied)")
        }
    }

    /// The members as the current leader sees them.
    private var leaderMembers: [NodeID] {
        guard let leader = currentLeader else { return [] }
        return nodes[leader].raft?.confState.members ?? []
    }

    /// Enough fresh proposals were acknowledged and every member applied all acknowledged ones.
    private func livenessReached() -> Bool {
        guard livenessAcknowledged >= settings.livenessProposals else { return false }
        let members = leaderMembers
        guard !members.isEmpty else { return false }
        return members.allSatisfy { member in
            guard let position = position(of: member), nodes[position].isRunning else { return false }
            return nodes[position].machine.applied >= checker.acknowledgedIndexMax
        }
    }

    private func checkMembersHoldAcknowledged() throws(Violation) {
        for member in leaderMembers {
            guard let position = position(of: member) else { continue }
            try checker.checkHoldsAcknowledged(node: member, appliedIndex: nodes[position].machine.applied)
        }
    }

    private func livenessShortfall(ticks: Int) -> String {
        var parts = ["after \(ticks) ticks of healing: \(livenessAcknowledged)/\(settings.livenessProposals) fresh proposals acknowledged"]
        if let leader = currentLeader, let raft = nodes[leader].raft {
            parts.append("leader n\(raft.id) term \(raft.term)")
        } else {
            parts.append("no leader")
        }
        for member in leaderMembers {
            guard let position = position(of: member) else {
                parts.append("n\(member) never started")
                continue
            }
            let node = nodes[position]
            let role = node.raft.map { "\($0.role.rawValue) term \($0.term)" } ?? "down"
            parts.append("n\(member) \(role) applied \(node.machine.applied)")
        }
        parts.append("acknowledged up to \(checker.acknowledgedIndexMax)")
        return parts.joined(separator: "; ")
    }
}
