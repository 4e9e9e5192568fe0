import RaftCore

/// The fault injector: crashes and restarts, partitions (symmetric and one-way), membership
/// churn and leadership transfers, chosen by the weights the seed drew.
extension Simulation {
    /// Voters the churn keeps at least, so that removals never shrink the cluster to a toy.
    static let votersMin = 3

    mutating func nemesis() throws(Violation) {
        let weights = [
            settings.crashWeight, settings.partitionWeight, settings.membershipWeight,
            settings.transferWeight,
        ]
        let total = weights.reduce(0, +)
        guard total > 0 else { return }
        var roll = random.below(total)
        var action = 0
        while roll >= weights[action] {
            roll -= weights[action]
            action += 1
        }
        switch action {
        case 0: try crashOrRestart()
        case 1: changePartition()
        case 2: try changeMembership()
        default: try transferLeadership()
        }
    }

    // MARK: - Crashes

    private mutating func crashOrRestart() throws(Violation) {
        let stopped = nodes.indices.filter { !nodes[$0].isRunning && !nodes[$0].isRemoved }
        let running = activePositions
        if let position = random.element(of: stopped), running.isEmpty || random.chance(0.6) {
            try restart(at: position)
        } else if random.chance(0.15), let position = pickCrashVictim(among: running) {
            pause(at: position)
        } else if random.chance(0.1) {
            // A power loss: every node loses its unsynced writes at the same moment.
            trace("power loss")
            for position in running { crash(at: position) }
        } else if let position = pickCrashVictim(among: running) {
            crash(at: position)
        }
    }

    /// Often a node that has taken a Ready but not yet written it, or the leader: crashes
    /// there test the persistence contract and leader handover hardest.
    private mutating func pickCrashVictim(among running: [Int]) -> Int? {
        let unpersisted = running.filter {
            nodes[$0].ready != nil && nodes[$0].readyPhase == .persist
        }
        switch random.below(3) {
        case 0 where !unpersisted.isEmpty: return random.element(of: unpersisted)
        case 1 where currentLeader != nil: return currentLeader
        default: return random.element(of: running)
        }
    }

    mutating func crash(at position: Int) {
        stats.crashes += 1
        trace("crash n\(nodes[position].id)")
        nodes[position].crash()
    }

    /// Freezes a process for up to three election timeouts: long enough for the others to
    /// elect a new leader while it still believes in the old one.
    private mutating func pause(at position: Int) {
        let resumeTick = now + random.value(in: 1...3 * settings.electionTimeoutTicks)
        nodes[position].pausedUntilTick = resumeTick
        trace("pause n\(nodes[position].id) until \(resumeTick)")
    }

    /// Thaws the processes whose pause is over.
    mutating func resumePaused() {
        for position in nodes.indices {
            guard let resumeTick = nodes[position].pausedUntilTick, resumeTick <= now else { continue }
            nodes[position].pausedUntilTick = nil
            trace("resume n\(nodes[position].id)")
        }
    }

    mutating func restart(at position: Int) throws(Violation) {
        stats.restarts += 1
        nodes[position].start(settings: settings)
        trace("restart n\(nodes[position].id) applied \(nodes[position].machine.applied) term \(nodes[position].observedTerm)")
        try observe(position)
    }

    // MARK: - Partitions

    private mutating func changePartition() {
        if !network.cutLinks.isEmpty && random.chance(0.3) {
            network.healAll()
            trace("heal")
            return
        }
        stats.partitions += 1
        let healTick = now + random.value(in: 1...settings.partitionTicksMax)
        let ids = nodes.filter { !$0.isRemoved }.map(\.id)
        switch random.below(3) {
        case 0:
            // Cut one node off entirely; often the leader, the most interesting one to lose.
            let leader = currentLeader.map { nodes[$0].id }
            guard let isolated = random.chance(0.5) ? leader : random.element(of: ids) else { return }
            isolate(isolated, until: healTick)
        case 1:
            var side: [NodeID] = []
            var rest: [NodeID] = []
            for id in ids {
                if random.chance(0.5) { side.append(id) } else { rest.append(id) }
            }
            cutBothWays(between: side, and: rest, until: healTick)
            trace("partition \(side) | \(rest) until \(healTick)")
        default:
            guard let from = random.element(of: ids), let to = random.element(of: ids), from != to else {
                return
            }
            network.cut(Link(from: from, to: to), until: healTick)
            trace("partition one-way n\(from) -> n\(to) until \(healTick)")
        }
    }

    mutating func isolate(_ node: NodeID, until healTick: Int) {
        let others = nodes.filter { !$0.isRemoved && $0.id != node }.map(\.id)
        cutBothWays(between: [node], and: others, until: healTick)
        trace("partition n\(node) isolated until \(healTick)")
    }

    private mutating func cutBothWays(between side: [NodeID], and rest: [NodeID], until healTick: Int) {
        for first in side {
            for second in rest {
                network.cut(Link(from: first, to: second), until: healTick)
                network.cut(Link(from: second, to: first), until: healTick)
            }
        }
    }

    /// Sometimes cuts a newly elected leader off a moment after it won: leaders that fall
    /// one after another, each leaving entries on a minority, are what the commitment rules
    /// are for.
    mutating func maybeScheduleIsolation(of leader: NodeID) {
        guard phase == .chaos, random.chance(settings.leaderIsolationRate) else { return }
        scheduledIsolations.append((leader, now + random.value(in: 0...2)))
    }

    /// Carries out the isolations whose time has come.
    mutating func isolateScheduled() {
        guard !scheduledIsolations.isEmpty else { return }
        var waiting: [(node: NodeID, tick: Int)] = []
        for isolation in scheduledIsolations {
            if isolation.tick > now {
                waiting.append(isolation)
            } else {
                isolate(isolation.node, until: now + random.value(in: 1...settings.partitionTicksMax))
            }
        }
        scheduledIsolations = waiting
    }

    // MARK: - Membership

    private mutating func changeMembership() throws(Violation) {
        guard let leader = currentLeader, let confState = nodes[leader].raft?.confState else { return }
        let change: ConfChange
        if let learner = random.element(of: confState.learners), random.chance(0.6) {
            change = ConfChange(kind: .promote, nodeID: learner)
        } else if confState.members.count < settings.membersMax && random.chance(0.5) {
            change = ConfChange(kind: .addLearner, nodeID: nextNodeID)
        } else {
            let removable = confState.learners
                + (confState.voters.count > Self.votersMin ? confState.voters : [])
            guard let node = random.element(of: removable) else { return }
            change = ConfChange(kind: .remove, nodeID: node)
        }
        let leaderID = nodes[leader].id
        do {
            try nodes[leader].raft?.proposeConfChange(change)
            if change.kind == .addLearner { nextNodeID += 1 }
            stats.membershipChanges += 1
            trace("conf-propose n\(leaderID) \(change.kind) n\(change.nodeID)")
        } catch {
            trace("conf-propose n\(leaderID) \(change.kind) n\(change.nodeID) refused: \(error)")
        }
        nodes[leader].touched()
        try observe(leader)
    }

    /// Does what an operator does once a membership change is applied: starts a fresh node
    /// for a new learner, stops a removed node for good.
    mutating func enactMembership(_ change: ConfChange) {
        switch change.kind {
        case .addLearner:
            guard position(of: change.nodeID) == nil else { return }
            // A joining node boots with the cluster's founding membership, as every log
            // replayed from index 1 assumes; it is no voter there, so it never campaigns.
            var node = SimulatedNode(id: change.nodeID, bootVoters: bootVoters)
            node.start(settings: settings)
            nodes.append(node)
            stats.nodesAdded += 1
            trace("start n\(change.nodeID) as learner")
        case .remove:
            guard let position = position(of: change.nodeID), !nodes[position].isRemoved else { return }
            nodes[position].crash()
            nodes[position].isRemoved = true
            stats.nodesRemoved += 1
            trace("stop n\(change.nodeID) removed")
        case .promote:
            break
        }
    }

    // MARK: - Leadership transfer

    private mutating func transferLeadership() throws(Violation) {
        guard let leader = currentLeader, let raft = nodes[leader].raft else { return }
        guard let target = random.element(of: raft.confState.voters.filter({ $0 != raft.id })) else {
            return
        }
        do {
            try nodes[leader].raft?.transferLeader(to: target)
            stats.leaderTransfers += 1
            trace("transfer n\(raft.id) -> n\(target)")
        } catch {
            trace("transfer n\(raft.id) -> n\(target) refused: \(error)")
        }
        nodes[leader].touched()
        try observe(leader)
    }
}
