import RaftCore

/// The step of the Ready loop a node carries out next. Each is one simulation step, so a crash
/// or a delivery can fall between any two of them.
enum ReadyPhase {
    /// Write snapshot, entries and hard state to disk.
    case persist
    /// Send the messages that waited for the write, apply committed entries, answer reads.
    case apply
    /// Report the Ready done.
    case advance
}

/// A ReadIndex request waiting for its answer and then for the machine to catch up.
struct PendingRead {
    var id: UInt64
    /// The highest acknowledged write when the read was issued.
    var requiredIndex: LogIndex
    /// The read index once RaftCore answered.
    var readIndex: LogIndex?
}

/// A leader-completeness check due on the first Ready a new leader hands out, when its whole
/// log is visible.
struct LeaderCheck {
    var term: Term
    /// Everything up to here was committed (applied somewhere) when the node won.
    var committedIndex: LogIndex
}

/// One node process: the RaftNode while it runs, its disk, its application, and the runtime's
/// in-flight work. A crash keeps only the disk.
struct SimulatedNode {
    let id: NodeID
    /// The running node; nil while crashed, or for good once removed from the cluster.
    var raft: RaftNode?
    var disk: SimulatedDisk
    var machine = DigestMachine()
    /// The membership after everything the machine applied: stored with each snapshot.
    var appliedConfState: ConfState
    var ready: Ready?
    var readyPhase = ReadyPhase.persist
    /// Counts the starts of the process; seeds RaftCore's randomness differently each time.
    var incarnation: UInt64 = 0
    var isRemoved = false
    /// Set while the process is frozen (as by SIGSTOP or a long GC pause): it keeps its memory
    /// but neither ticks, nor handles messages, nor runs its Ready loop until this tick.
    var pausedUntilTick: Int?

    var observedRole = Role.follower
    var observedTerm: Term = 0
    var leaderCheck: LeaderCheck?

    /// Proposals made through this process, by the index they were given.
    var proposals: [LogIndex: UInt64] = [:]
    var reads: [PendingRead] = []

    /// Cached `hasWork`; cleared by every input so that RaftNode is asked only when needed.
    var workKnown = false
    var workCached = false

    /// Proposals one process tracks at most; more are refused like a full request queue.
    static let proposalsPendingMax = 256
    /// Reads one process tracks at most; the oldest unanswered one is dropped beyond it.
    static let readsPendingMax = 32

    init(id: NodeID, bootVoters: [NodeID]) {
        self.id = id
        disk = SimulatedDisk(voters: bootVoters)
        appliedConfState = ConfState(voters: bootVoters)
    }

    var isRunning: Bool { raft != nil }
    var isPaused: Bool { pausedUntilTick != nil }
    /// Running and not frozen: able to take input now.
    var isActive: Bool { raft != nil && pausedUntilTick == nil }

    /// Whether the node has a Ready phase to run.
    mutating func hasWork() -> Bool {
        if !workKnown {
            workCached = ready != nil || (raft?.hasReady ?? false)
            workKnown = true
        }
        return workCached
    }

    mutating func touched() {
        workKnown = false
    }

    /// Starts (or restarts) the process from what the disk holds.
    mutating func start(settings: SimulationSettings) {
        incarnation += 1
        var config = Config(id: id)
        config.electionTimeoutTicks = settings.electionTimeoutTicks
        config.heartbeatTimeoutTicks = settings.heartbeatTimeoutTicks
        config.applied = machine.applied
        config.messageBytesMax = settings.messageBytesMax
        config.inflightMessagesMax = settings.inflightMessagesMax
        config.committedBytesMax = settings.committedBytesMax
        config.promotionLagEntriesMax = settings.promotionLagEntriesMax
        config.snapshotTimeoutTicks = settings.snapshotTimeoutTicks
        config.randomSeed = mix(settings.seed &+ incarnation)
        config.plantedFault = settings.plantedFault
        config.preVote = settings.preVote
        config.checkQuorum = settings.checkQuorum
        config.leaseReads = settings.leaseReads
        raft = RaftNode(config: config, storage: disk.storage)
        appliedConfState = disk.storage.initialState().confState
        observedRole = .follower
        observedTerm = raft?.term ?? 0
        touched()
    }

    /// Kills the process: everything but the durable part of the disk is lost.
    mutating func crash() {
        raft = nil
        pausedUntilTick = nil
        ready = nil
        readyPhase = .persist
        leaderCheck = nil
        proposals = [:]
        reads = []
        disk.crash()
        machine = disk.durableMachine
        touched()
    }
}
