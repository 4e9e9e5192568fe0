import RaftCore

/// What one run produced.
public struct SimulationResult: Sendable {
    /// The settings the run used (replay them to get the same run).
    public var settings: SimulationSettings
    /// The first broken property, if any: the run stops there.
    public var violation: Violation?
    /// What happened during the run.
    public var stats: SimulationStats
}

/// Counts of what happened during a run, for the summary line of a replay.
public struct SimulationStats: Sendable, Hashable {
    /// Simulation steps (events) taken.
    public var steps = 0
    /// Simulated time at the end of the run.
    public var ticks = 0
    /// Messages handed to their target.
    public var delivered = 0
    /// Messages lost: by the network, to a cut link, or to a stopped target.
    public var dropped = 0
    /// Messages the network delivered twice.
    public var duplicated = 0
    /// Node processes killed (a power loss counts each node).
    public var crashes = 0
    /// Node processes started again from their disks.
    public var restarts = 0
    /// Partitions made (whole-node isolations, splits and one-way cuts).
    public var partitions = 0
    /// Times a node became leader.
    public var elections = 0
    /// Client values a leader accepted.
    public var proposals = 0
    /// Client values applied by the node that accepted them and reported to the client.
    public var acknowledged = 0
    /// ReadIndex reads answered and served.
    public var readsServed = 0
    /// Snapshots nodes received and installed.
    public var snapshotsInstalled = 0
    /// Snapshots nodes took of their own state, compacting their logs.
    public var compactions = 0
    /// Membership changes a leader accepted.
    public var membershipChanges = 0
    /// Fresh nodes started as learners.
    public var nodesAdded = 0
    /// Nodes stopped for good after their removal.
    public var nodesRemoved = 0
    /// Leadership transfers a leader accepted.
    public var leaderTransfers = 0

    /// All counts zero.
    public init() {}

    /// Adds another run's counts to these.
    public mutating func add(_ other: SimulationStats) {
        steps += other.steps
        ticks += other.ticks
        delivered += other.delivered
        dropped += other.dropped
        duplicated += other.duplicated
        crashes += other.crashes
        restarts += other.restarts
        partitions += other.partitions
        elections += other.elections
        proposals += other.proposals
        acknowledged += other.acknowledged
        readsServed += other.readsServed
        snapshotsInstalled += other.snapshotsInstalled
        compactions += other.compactions
        membershipChanges += other.membershipChanges
        nodesAdded += other.nodesAdded
        nodesRemoved += other.nodesRemoved
        leaderTransfers += other.leaderTransfers
    }
}

/// A whole cluster in one thread: nodes, network, disks and clients, driven step by step from
/// one seeded random stream, with the safety checkers run on every event. The same settings
/// always give the same run.
public struct Simulation {
    enum Phase {
        /// Faults are injected.
        case chaos
        /// The network is reliable and every member runs: progress is required.
        case liveness
    }

    /// Deliverable messages per node above which time waits for the network to catch up.
    static let backlogPerNodeMax = 4
    /// Steps after which time moves on however busy the cluster is.
    static let stepsPerTickMax = 400

    /// What shapes this run.
    public let settings: SimulationSettings
    var random: SplitMix64
    /// Every node ever started, in ascending id order (new ids are always larger).
    var nodes: [SimulatedNode] = []
    var network = SimulatedNetwork()
    var checker = SafetyChecker()
    var stats = SimulationStats()
    var phase = Phase.chaos
    var now = 0
    var lastTickStep = 0
    var nextValue: UInt64 = 1
    var nextReadID: UInt64 = 1
    var nextNodeID: NodeID
    let bootVoters: [NodeID]
    /// The network faults in force (cleared when the cluster heals).
    var dropRate: Double
    var duplicateRate: Double
    var delayRate: Double
    var reorderRate: Double
    /// Probability that time moves on although work is pending (0 once healed: a healthy
    /// cluster processes its messages well within a tick).
    var earlyTickRate: Double
    /// Leaders to cut off, with the tick at which to do it.
    var scheduledIsolations: [(node: NodeID, tick: Int)] = []
    /// Proposals acknowledged since the cluster healed.
    var livenessAcknowledged = 0
    let tracer: ((String) -> Void)?

    /// A cluster of `settings.nodeCount` fresh voters; `tracer` receives one line per event.
    public init(settings: SimulationSettings, tracer: ((String) -> Void)? = nil) {
        self.settings = settings
        self.tracer = tracer
        random = SplitMix64(seed: settings.seed)
        bootVoters = (1...NodeID(settings.nodeCount)).map { $0 }
        nextNodeID = NodeID(settings.nodeCount) + 1
        dropRate = settings.dropRate
        duplicateRate = settings.duplicateRate
        delayRate = settings.delayRate
        reorderRate = settings.reorderRate
        earlyTickRate = settings.earlyTickRate
        for id in bootVoters {
            var node = SimulatedNode(id: id, bootVoters: bootVoters)
            node.start(settings: settings)
            nodes.append(node)
        }
    }

    /// Runs the fault phase, heals the cluster and runs the liveness phase. Stops at the first
    /// violation.
    public mutating func run() -> SimulationResult {
        var violation: Violation?
        do {
            while stats.steps < settings.chaosSteps {
                try step()
            }
            try runLivenessPhase()
        } catch let found {
            violation = found
            violation?.tick = now
            violation?.step = stats.steps
            trace("violation \(found.checker.rawValue): \(found.detail)")
        }
        stats.ticks = now
        return SimulationResult(settings: settings, violation: violation, stats: stats)
    }

    /// One event: a nemesis action, a client request, a tick, a Ready phase or a delivery.
    mutating func step() throws(Violation) {
        stats.steps += 1
        let roll = random.unit()
        let nemesisRate = phase == .chaos ? settings.nemesisRate : 0
        if roll < nemesisRate {
            try nemesis()
        } else if roll < nemesisRate + settings.proposalRate {
            try propose()
        } else if roll < nemesisRate + settings.proposalRate + settings.readRate {
            try read()
        } else {
            try work()
        }
    }

    /// Runs a Ready phase or delivers a message; moves time on when there is nothing to do
    /// (and sometimes when there is, so that work piles up and timeouts race it).
    private mutating func work() throws(Violation) {
        var busy: [Int] = []
        for position in nodes.indices where !nodes[position].isPaused && nodes[position].hasWork() {
            busy.append(position)
        }
        let dueCount = network.due.count
        // Time may run ahead of pending work, but only while the backlog is small: a network
        // that falls ever further behind the clock would turn every message into a stale one.
        let earlyTick = dueCount <= nodes.count * Self.backlogPerNodeMax
            && random.chance(earlyTickRate)
        // Clients can keep a cluster busy for ever; time must still pass.
        let tickOverdue = stats.steps - lastTickStep >= Self.stepsPerTickMax
        if busy.isEmpty && dueCount == 0 || earlyTick || tickOverdue {
            try tick()
        } else if dueCount == 0 || !busy.isEmpty && random.chance(0.5) {
            try runReadyPhase(at: busy[random.below(busy.count)])
        } else {
            try deliver(network.takeDue(at: random.below(dueCount)))
        }
    }

    /// Moves simulated time on by one tick for every running node.
    mutating func tick() throws(Violation) {
        now += 1
        lastTickStep = stats.steps
        network.release(tick: now)
        trace("tick wire \(network.due.count)+\(network.delayedCount)")
        if network.mendLinks(at: now) { trace("links mended") }
        isolateScheduled()
        resumePaused()
        for position in nodes.indices where nodes[position].isActive {
            nodes[position].raft?.tick()
            nodes[position].touched()
            try observe(position)
            if nodes[position].disk.hasVolatileWrites && random.chance(settings.writeBackRate) {
                nodes[position].disk.flush()
            }
        }
    }

    // MARK: - Observation

    /// Looks at a node after an input: traces role changes and checks a new leader.
    mutating func observe(_ position: Int) throws(Violation) {
        guard let raft = nodes[position].raft else { return }
        let role = raft.role
        let term = raft.term
        guard role != nodes[position].observedRole || term != nodes[position].observedTerm else {
            return
        }
        nodes[position].observedRole = role
        nodes[position].observedTerm = term
        trace("role n\(raft.id) \(role.rawValue) term \(term)")
        guard role == .leader else { return }
        stats.elections += 1
        try checker.leaderElected(node: raft.id, term: term)
        nodes[position].leaderCheck = LeaderCheck(term: term, committedIndex: checker.appliedIndexMax)
        maybeScheduleIsolation(of: raft.id)
    }

    func position(of id: NodeID) -> Int? {
        nodes.firstIndex { $0.id == id }
    }

    /// Positions of the nodes that can take input now.
    var activePositions: [Int] {
        nodes.indices.filter { nodes[$0].isActive }
    }

    /// The active leader with the highest term, if any.
    var currentLeader: Int? {
        var best: (position: Int, term: Term)?
        for position in nodes.indices where nodes[position].isActive {
            guard let raft = nodes[position].raft, raft.role == .leader else { continue }
            if let known = best, known.term >= raft.term { continue }
            best = (position, raft.term)
        }
        return best?.position
    }

    func trace(_ line: @autoclosure () -> String) {
        guard let tracer else { return }
        tracer("t=\(now) s=\(stats.steps) \(line())")
    }
}
