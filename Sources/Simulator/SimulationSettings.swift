import RaftCore

/// How harsh the faults drawn from a seed are.
public enum FaultProfile: String, Sendable, Hashable, CaseIterable {
    /// Calm, lossy, crashing and churning runs in proportion; a fifth of them are storms.
    case mixed
    /// Every run a storm of crashes and leader isolations, on a network that splits the log
    /// into small appends: the profile that exposes commitment and persistence bugs fastest.
    case storm
}

/// Everything that shapes one simulated run. `drawn(seed:)` derives a whole fault profile from
/// the seed, so a swarm of seeds covers calm runs, lossy networks, crash storms and churn.
public struct SimulationSettings: Sendable, Hashable {
    /// Seeds every random choice of the run.
    public var seed: UInt64
    /// Voters the cluster boots with.
    public var nodeCount = 3
    /// Steps of the fault phase; the liveness phase that follows adds its own.
    public var chaosSteps = 30_000
    /// A protocol bug switched on in every node, to show that the checkers catch it.
    public var plantedFault: PlantedFault?
    /// Whether this run drew a storm of faults (see `FaultProfile`).
    public var isStorm = false

    // The network.
    /// Share of messages the network loses.
    public var dropRate = 0.0
    /// Share of messages the network delivers twice.
    public var duplicateRate = 0.0
    /// Share of messages that may overtake earlier ones on the same link.
    public var reorderRate = 0.0
    /// Share of messages that are held back by 1…`deliveryDelayTicksMax` ticks.
    public var delayRate = 0.0
    /// Longest hold-back of a delayed message.
    public var deliveryDelayTicksMax = 0
    /// How often a lost message is reported to its sender, as a real transport would.
    public var reportRate = 0.5

    // The scheduler: per-step probabilities.
    /// Probability that time moves on although work is pending (so slow nodes exist).
    public var earlyTickRate = 0.03
    /// Probability that a step is a fault (crash, partition, membership change, transfer).
    public var nemesisRate = 0.003
    /// Probability that a step is a client proposal.
    public var proposalRate = 0.02
    /// Probability that a step is a client read.
    public var readRate = 0.01
    /// Per tick and node: the page cache writes unsynced data back by itself.
    public var writeBackRate = 0.01
    /// Probability that a write that need not be synced is synced anyway.
    public var extraSyncRate = 0.05

    // The nemesis: relative weights of its actions.
    /// Crashes, restarts and power losses.
    public var crashWeight = 1
    /// Partitions made and healed.
    public var partitionWeight = 1
    /// Learners added, promoted and members removed.
    public var membershipWeight = 1
    /// Leadership handed to another voter.
    public var transferWeight = 1
    /// Longest a partition lasts before its links mend by themselves.
    public var partitionTicksMax = 60
    /// Probability that a newly elected leader is cut off a moment after it won.
    public var leaderIsolationRate = 0.0

    // RaftCore and runtime configuration.
    /// `Config.electionTimeoutTicks` of every node.
    public var electionTimeoutTicks = 10
    /// `Config.heartbeatTimeoutTicks` of every node.
    public var heartbeatTimeoutTicks = 1
    /// `Config.messageBytesMax` of every node.
    public var messageBytesMax = 1 << 20
    /// `Config.inflightMessagesMax` of every node.
    public var inflightMessagesMax = 256
    /// `Config.committedBytesMax` of every node.
    public var committedBytesMax = 1 << 20
    /// A node snapshots its machine and compacts its log after this many applied entries.
    public var snapshotIntervalEntries: LogIndex = 50
    /// `Config.promotionLagEntriesMax` of every node.
    public var promotionLagEntriesMax: LogIndex = 20
    /// `Config.snapshotTimeoutTicks` of every node.
    public var snapshotTimeoutTicks = 30
    /// `Config.preVote` of every node.
    public var preVote = true
    /// `Config.checkQuorum` of every node.
    public var checkQuorum = true
    /// `Config.leaseReads` of every node (a restarted voter then sits out its first election
    /// timeout's campaigns).
    public var leaseReads = false

    // The liveness phase.
    /// Ticks after healing within which a leader must be known.
    public var electionTicksMax = 120
    /// Ticks after healing within which the liveness proposals must be applied everywhere.
    public var livenessTicksMax = 400
    /// Steps the liveness phase may take: with no early ticks, only a livelock exceeds it.
    public var livenessStepsMax = 200_000
    /// Proposals that must be acknowledged after healing.
    public var livenessProposals = 3

    /// Settings with every fault switched off.
    public init(seed: UInt64) {
        self.seed = seed
    }

    /// Clusters run with up to this many members (voters and learners) during churn.
    public var membersMax: Int { nodeCount + 2 }

    /// Settings drawn from `seed` within `profile`; the optional arguments override what they
    /// name.
    public static func drawn(
        seed: UInt64, profile: FaultProfile = .mixed, nodeCount: Int? = nil,
        chaosSteps: Int? = nil, plantedFault: PlantedFault? = nil
    ) -> SimulationSettings {
        var random = SplitMix64(seed: seed ^ 0x5EED_0F_5E77_1265)
        var settings = SimulationSettings(seed: seed)
        settings.nodeCount = nodeCount ?? [3, 5, 7][random.below(3)]
        if let chaosSteps { settings.chaosSteps = chaosSteps }
        settings.plantedFault = plantedFault
        settings.isStorm = profile == .storm || random.chance(0.2)
        settings.drawNetwork(&random)
        settings.drawScheduler(&random)
        settings.drawNemesis(&random)
        settings.drawConfiguration(&random)
        return settings
    }

    private mutating func drawNetwork(_ random: inout SplitMix64) {
        // A quarter of the runs keep a clean network so that deep states (many snapshots,
        // long logs, churn) are reached too.
        guard !random.chance(0.25) else { return }
        dropRate = random.fraction(upTo: 0.15)
        duplicateRate = random.fraction(upTo: 0.1)
        reorderRate = random.fraction(upTo: 0.3)
        delayRate = random.fraction(upTo: 0.5)
        deliveryDelayTicksMax = random.value(in: 1...6)
        reportRate = random.unit()
    }

    private mutating func drawScheduler(_ random: inout SplitMix64) {
        earlyTickRate = 0.005 + random.fraction(upTo: 0.08)
        nemesisRate = 0.0005 + random.fraction(upTo: 0.006)
        proposalRate = 0.005 + random.fraction(upTo: 0.05)
        readRate = random.fraction(upTo: 0.03)
        writeBackRate = random.fraction(upTo: 0.05)
        extraSyncRate = random.fraction(upTo: 0.2)
    }

    private mutating func drawNemesis(_ random: inout SplitMix64) {
        if isStorm {
            // A storm: faults every few dozen steps, mostly crashes, so that crashes land
            // between the steps of a Ready and leaders fall in quick succession.
            nemesisRate = 0.01 + random.fraction(upTo: 0.03)
            crashWeight = 6
            partitionWeight = random.below(3)
            membershipWeight = random.below(2)
            transferWeight = random.below(2)
            leaderIsolationRate = random.fraction(upTo: 0.8)
            partitionTicksMax = random.value(in: 5...40)
            return
        }
        crashWeight = random.below(4)
        partitionWeight = random.below(4)
        membershipWeight = random.below(4)
        transferWeight = random.below(2)
        partitionTicksMax = random.value(in: 5...100)
        if random.chance(0.3) { leaderIsolationRate = random.fraction(upTo: 0.5) }
    }

    private mutating func drawConfiguration(_ random: inout SplitMix64) {
        electionTimeoutTicks = random.value(in: 6...20)
        heartbeatTimeoutTicks = random.value(in: 1...3)
        // Storms split the log into appends of one or a few entries, so that a follower can
        // hold part of a new leader's log without its latest entry.
        messageBytesMax = isStorm ? [64, 256][random.below(2)] : [64, 256, 4096, 1 << 20][random.below(4)]
        inflightMessagesMax = [1, 4, 16, 256][random.below(4)]
        committedBytesMax = [32, 512, 1 << 20][random.below(3)]
        snapshotIntervalEntries = LogIndex([5, 20, 100, 10_000][random.below(4)])
        promotionLagEntriesMax = LogIndex(random.value(in: 0...50))
        snapshotTimeoutTicks = random.value(in: 10...60)
        // Without pre-vote a node with a stale log may win the timeout race several rounds in
        // a row (each campaign resets the others' timers): allow many rounds.
        electionTicksMax = 20 * electionTimeoutTicks
        livenessTicksMax = electionTicksMax + 400
        // Mostly the production settings; the others are supported and must be safe too.
        preVote = random.chance(0.8)
        checkQuorum = random.chance(0.8)
        // From the seed, not the generator, so that every other draw stays what it was.
        leaseReads = checkQuorum && seed % 2 == 1
    }
}
