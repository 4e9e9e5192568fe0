/// The settings of one Raft node. Times are in ticks; the caller decides how long a tick is.
public struct Config: Sendable {
    public var id: NodeID
    /// A follower that hears nothing from a leader for a randomized time in
    /// [electionTimeoutTicks, 2 × electionTimeoutTicks) starts an election.
    public var electionTimeoutTicks: Int = 10
    /// How often a leader sends heartbeats. Must be well below the election timeout.
    public var heartbeatTimeoutTicks: Int = 1
    /// The applied index the application restored on start (entries up to it are not re-delivered).
    public var applied: LogIndex = 0
    /// Largest total entry payload in one append message.
    public var messageBytesMax: Int = 1 << 20
    /// Append messages that may be in flight to one follower before the leader waits for acks.
    public var inflightMessagesMax: Int = 256
    /// Bytes of entry payload that may be in flight to one follower (0: no byte limit).
    public var inflightBytesMax: Int = 32 << 20
    /// Bytes of proposed but uncommitted entries the leader accepts before it rejects proposals.
    public var uncommittedBytesMax: Int = 64 << 20
    /// Largest single proposal accepted.
    public var proposalBytesMax: Int = 8 << 20
    /// Largest total payload of committed entries handed out in one Ready.
    public var committedBytesMax: Int = 16 << 20
    /// Campaign with a pre-vote round first, so a node that was cut off cannot raise the term
    /// of a healthy cluster when it comes back.
    public var preVote: Bool = true
    /// A leader that has not heard from a quorum within an election timeout steps down, and
    /// followers that heard from a leader recently ignore vote requests (a leader lease).
    public var checkQuorum: Bool = true
    /// Lets a leader answer reads from its own state under a lease (`RaftNode.mayServeLeaseReads`;
    /// the caller keeps the lease's time). It relies on every voter refusing its vote and
    /// pre-vote to any campaign but a transfer's for an election timeout after it last heard
    /// from a leader or was one, whatever happened to its term meanwhile, and for its first
    /// election timeout after a restart (it may have heard from a leader just before it
    /// stopped). It needs `checkQuorum` and the same setting on every node.
    public var leaseReads: Bool = false
    /// A learner may be promoted only when its log is at most this many entries behind.
    public var promotionLagEntriesMax: LogIndex = 1_000
    /// Ticks a follower may stay in snapshot state with no reply before the leader retries.
    public var snapshotTimeoutTicks: Int = 50
    /// Seeds the election-timeout randomness. Production nodes pass a random value; the
    /// simulator passes a seed so that a run can be replayed exactly.
    public var randomSeed: UInt64 = 0
    /// A deliberate protocol bug, so the simulator's checkers can be shown to catch real
    /// violations. Never set outside those tests.
    public var plantedFault: PlantedFault?

    public init(id: NodeID) {
        self.id = id
    }

    /// Checks every setting; the node refuses to start with an invalid configuration.
    public func validate() {
        precondition(id != noNode, "a node id must not be zero")
        precondition(heartbeatTimeoutTicks > 0, "heartbeatTimeoutTicks must be positive")
        precondition(
            electionTimeoutTicks > heartbeatTimeoutTicks,
            "electionTimeoutTicks must exceed heartbeatTimeoutTicks")
        precondition(messageBytesMax > 0, "messageBytesMax must be positive")
        precondition(inflightMessagesMax > 0, "inflightMessagesMax must be positive")
        precondition(uncommittedBytesMax > 0, "uncommittedBytesMax must be positive")
        precondition(committedBytesMax > 0, "committedBytesMax must be positive")
        precondition(snapshotTimeoutTicks > 0, "snapshotTimeoutTicks must be positive")
        precondition(!leaseReads || checkQuorum, "leaseReads needs checkQuorum")
    }
}

/// Known Raft bugs that can be switched on to prove that the safety checkers catch them.
public enum PlantedFault: String, Sendable, CaseIterable {
    /// Commit an entry of an earlier term by counting replicas (the Figure 8 bug).
    case commitPriorTermByCounting
    /// Acknowledge appended entries before they are persisted (leader and followers).
    case acknowledgeBeforePersist
    /// Grant votes without checking that the candidate's log is up to date.
    case voteIgnoringLog
    /// Grant a vote to every candidate of a term, not just the first.
    case voteTwice
    /// Answer ReadIndex requests at once, without confirming leadership with a quorum.
    case readIndexWithoutQuorum
}

/// A small, fast, seedable PRNG (SplitMix64) so that every random choice is replayable.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
