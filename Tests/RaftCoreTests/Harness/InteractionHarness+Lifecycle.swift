@testable import RaftCore

/// Commands that create, crash, restart and compact nodes.
extension InteractionHarness {
    static let clusterOptions: Set<String> = [
        "voters", "learners", "prevote", "checkquorum", "election", "heartbeat", "inflight",
        "inflightbytes", "maxbytes", "uncommitted", "committedbytes", "lag", "snapshot-timeout",
        "seed", "fault", "leasereads",
    ]

    /// `cluster voters=1,2,3 [learners=4] [prevote=true] [checkquorum=true] …`. Pre-vote and
    /// check-quorum are off unless asked for, so each scenario states the features it relies on.
    mutating func createCluster(_ command: ScenarioCommand) throws {
        try command.check(options: Self.clusterOptions, argumentsMax: 0)
        guard nodes.isEmpty else { throw ScenarioError("the cluster exists already") }
        let voters = try command.nodeList("voters")
        let learners = try command.nodeList("learners")
        guard !voters.isEmpty else { throw ScenarioError("cluster needs voters=") }
        let config = try Self.config(command)
        clusterConfig = config
        for id in (voters + learners).sorted() {
            var nodeConfig = config
            nodeConfig.id = id
            nodes[id] = ScenarioNode(
                config: nodeConfig, storage: MemoryStorage(voters: voters, learners: learners))
        }
    }

    private static func config(_ command: ScenarioCommand) throws -> Config {
        var config = Config(id: 1)
        config.preVote = try command.flag("prevote", default: false)
        config.checkQuorum = try command.flag("checkquorum", default: false)
        config.leaseReads = try command.flag("leasereads", default: false)
        config.electionTimeoutTicks = try command.integer("election", default: 10)
        config.heartbeatTimeoutTicks = try command.integer("heartbeat", default: 1)
        config.inflightMessagesMax = try command.integer("inflight", default: 256)
        config.inflightBytesMax = try command.integer("inflightbytes", default: 0)
        config.messageBytesMax = try command.integer("maxbytes", default: 1 << 20)
        config.uncommittedBytesMax = try command.integer("uncommitted", default: 1 << 20)
        config.committedBytesMax = try command.integer("committedbytes", default: 1 << 20)
        config.promotionLagEntriesMax = LogIndex(try command.integer("lag", default: 1_000))
        config.snapshotTimeoutTicks = try command.integer("snapshot-timeout", default: 50)
        config.randomSeed = UInt64(try command.integer("seed", default: 0))
        if let fault = command.options["fault"] {
            guard let planted = PlantedFault(rawValue: fault) else {
                throw ScenarioError("unknown fault \(fault)")
            }
            config.plantedFault = planted
        }
        return config
    }

    /// `add-node N [voters=1,2,3]`: a new process with an empty log. Without `voters=` it
    /// knows no membership and must be sent a snapshot; with it, it starts from the cluster's
    /// initial membership and can replay the whole log.
    mutating func addNode(_ command: ScenarioCommand) throws {
        try command.check(options: ["voters"], argumentsMax: 1)
        let id = try command.node()
        guard var config = clusterConfig else { throw ScenarioError("add-node needs a cluster") }
        guard nodes[id] == nil else { throw ScenarioError("node \(id) exists already") }
        config.id = id
        let storage = MemoryStorage(voters: try command.nodeList("voters"))
        nodes[id] = ScenarioNode(config: config, storage: storage)
    }

    /// `crash N`: the process dies. Whatever RaftCore held that the node had not yet persisted
    /// (entries, term, vote, including those of a Ready begun by `ready N`) and every message
    /// not yet sent is lost.
    mutating func crash(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 1)
        let id = try command.node()
        let raft = try raft(id)
        nodes[id]!.raft = nil
        emit("\(id) crashed")
        reportLoss(of: raft, disk: nodes[id]!.storage.hardState)
    }

    private mutating func reportLoss(of raft: RaftNode, disk: HardState) {
        if raft.hardState != disk {
            emit("  lost HardState \(Describe.hardState(raft.hardState))"
                + " (disk has \(Describe.hardState(disk)))")
        }
        for entry in raft.log.unstable.entries {
            emit("  lost entry " + Describe.entry(entry))
        }
        let unsent = readiesInProgress.removeValue(forKey: raft.id)?.persistedMessages ?? []
        for message in unsent + raft.messages + raft.persistedMessages {
            emit("  lost message " + Describe.message(message))
        }
    }

    /// `restart N`: a crashed node starts again from its disk.
    mutating func restart(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 1)
        let id = try command.node()
        let node = try node(id)
        guard !node.isUp else { throw ScenarioError("node \(id) is running") }
        var config = node.config
        config.applied = node.state.appliedIndex
        let raft = RaftNode(config: config, storage: node.storage)
        nodes[id]!.raft = raft
        emit("\(id) restarted: Term:\(raft.term) Vote:\(raft.vote) Commit:\(raft.log.committed)"
            + " Applied:\(raft.log.applied) Last:\(raft.log.lastIndex()) "
            + Describe.confState(raft.confState))
    }

    /// `compact N INDEX`: snapshot the state machine at INDEX (already applied) and drop the
    /// log up to it.
    mutating func compact(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 2)
        let id = try command.node()
        guard let index = LogIndex(try command.argument(1)) else {
            throw ScenarioError("compact needs an index")
        }
        let node = try node(id)
        guard index <= node.state.appliedIndex else {
            throw ScenarioError("node \(id) has applied only \(node.state.appliedIndex)")
        }
        do {
            let snapshot = try node.storage.createSnapshot(
                index: index, confState: node.state.confState(at: index),
                data: node.state.snapshotData(through: index))
            try node.storage.compact(to: index)
            emit("\(id) compacted: snapshot " + Describe.snapshotMetadata(snapshot.metadata)
                + ", first index \(node.storage.firstIndex())")
        } catch {
            emit(Describe.error(error))
        }
    }
}
