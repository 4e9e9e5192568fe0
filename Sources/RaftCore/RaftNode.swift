/// One Raft node as a deterministic state machine. It does no I/O, reads no clock and starts
/// no thread: the caller drives it with `tick()`, `step(_:)` and the proposal methods, then
/// collects the work to do with `ready()` and reports it done with `advance(_:)`.
///
/// The caller's loop for each `Ready`:
/// 1. send `messages` (they depend on nothing unpersisted);
/// 2. install `snapshot`, append `entries`, write `hardState` — one atomic write, synced if
///    `mustSync`;
/// 3. send `persistedMessages`;
/// 4. apply `committedEntries` (and persist `confState` with the applied index);
/// 5. call `advance(ready)`.
/// Committed entries that an earlier Ready already stored may be applied before step 2 (the
/// replica does, so that their answers do not wait for this Ready's fsync); the stored commit
/// index must then be raised with the applied one, because a restart requires applied ≤ commit.
/// `step`, `tick` and proposals may be called between `ready()` and `advance(_:)`; another
/// `ready()` may not.
public struct RaftNode {
    public let id: NodeID
    public internal(set) var term: Term = 0
    /// The node this one voted for in `term` (`noNode` if none).
    public internal(set) var vote: NodeID = noNode
    public internal(set) var role: Role = .follower
    /// The leader of `term` as far as this node knows (`noNode` if unknown).
    public internal(set) var leader: NodeID = noNode
    /// The membership in force: the result of every applied membership change.
    public internal(set) var confState: ConfState
    /// The index up to which `confState` is known (applied conf changes or the snapshot).
    var confStateIndex: LogIndex

    let config: Config
    var log: RaftLog
    var progress: [NodeID: Progress] = [:]
    var votes: [NodeID: Bool] = [:]

    var messages: [Message] = []
    var persistedMessages: [Message] = []
    var readStates: [ReadState] = []

    var electionElapsed = 0
    /// Ticks since this node last heard from a leader (or was one), counted up to an election
    /// timeout. Unlike `electionElapsed` and `leader`, no change of term or role clears it: with
    /// `Config.leaseReads` it alone decides whether a campaign may have this node's vote.
    var ticksSinceLeaderContact = 0
    /// This leader asked a node to campaign (a transfer) in this term: the transferee's vote
    /// ignores leases, so no lease read may be served until the term ends.
    var transferAttemptedThisTerm = false
    /// Set by the caller before it steps messages: whether its lease (`Config.leaseReads`)
    /// holds now, and so held when those messages arrived. Followers' ReadIndex requests are
    /// then answered at once, without a heartbeat round (the caller's own still get a round).
    public var leaseHeld = false
    /// Set by the caller with `leaseHeld`: its clock now, in its own units. A ReadIndex round
    /// started from now on carries it, and when a quorum confirms the round,
    /// `leaseConfirmedStamp` rises to it: the caller's lease may then run from that time.
    public var leaseStamp: UInt64 = 0
    /// The latest `leaseStamp` of a ReadIndex round a quorum confirmed in this term (0: none).
    public internal(set) var leaseConfirmedStamp: UInt64 = 0
    /// ReadIndex requests this leader answered under a lease.
    public internal(set) var readsAnsweredByLease: UInt64 = 0
    var heartbeatElapsed = 0
    var randomizedElectionTimeout = 0
    var random: SplitMix64

    /// The voter this leader is handing leadership to (`noNode` if none).
    public internal(set) var leadTransferee: NodeID = noNode
    /// A leader told this node to campaign while it had a committed membership change left to
    /// apply; it campaigns once that is applied (see `hup`).
    var transferCampaignPending = false
    /// Index of the newest membership change proposed; another may be proposed once it is applied.
    var pendingConfIndex: LogIndex = 0
    /// Payload bytes of this leader's uncommitted proposals.
    var uncommittedBytes = 0
    var readIndexQueue = ReadIndexQueue()
    /// ReadIndex requests received before this leader committed an entry of its own term.
    var readsAwaitingCommit: [(from: NodeID, context: [UInt8])] = []

    var previousSoftState: SoftState
    var previousHardState: HardState
    var readyNumber: UInt64 = 0
    var readyInProgress: UInt64?

    /// Starts a node from what `storage` holds: a fresh node needs a storage that already
    /// names the initial members (see `MemoryStorage(voters:)`).
    public init(config: Config, storage: any RaftStorage) {
        config.validate()
        self.id = config.id
        self.config = config
        self.log = RaftLog(storage: storage, committedBytesMax: config.committedBytesMax)
        self.random = SplitMix64(seed: config.randomSeed ^ config.id)
        let (hardState, confState) = storage.initialState()
        self.confState = confState
        self.confStateIndex = max(config.applied, log.committed)
        previousSoftState = SoftState(leader: noNode, role: .follower)
        previousHardState = hardState
        restoreHardState(hardState)
        // A node restarted from a stored term may have heard from a leader just before it stopped.
        ticksSinceLeaderContact = term > 0 ? 0 : config.electionTimeoutTicks
        if config.applied > 0 { log.appliedTo(config.applied) }
        becomeFollower(term: term, leader: noNode)
        previousHardState = HardState(term: term, vote: vote, commit: log.committed)
    }

    private mutating func restoreHardState(_ hardState: HardState) {
        guard !hardState.isEmpty else { return }
        precondition(
            hardState.commit >= log.committed && hardState.commit <= log.lastIndex(),
            "stored commit \(hardState.commit) outside [\(log.committed), \(log.lastIndex())]: the log is damaged")
        log.committed = hardState.commit
        term = hardState.term
        vote = hardState.vote
    }

    // MARK: - Inputs

    /// Advances logical time by one tick: elections for followers, heartbeats for leaders.
    public mutating func tick() {
        if role == .leader {
            ticksSinceLeaderContact = 0
            tickLeader()
        } else {
            ticksSinceLeaderContact = min(ticksSinceLeaderContact + 1, config.electionTimeoutTicks)
            tickElection()
        }
    }

    /// Starts an election now (with a pre-vote round if enabled), as if the timeout had fired.
    public mutating func campaign() {
        hup(transfer: false)
    }

    /// Proposes `data` for the log. Returns the index it will have if it commits.
    @discardableResult
    public mutating func propose(_ data: [UInt8]) throws(RaftError) -> LogIndex {
        try propose(batch: [data]).lowerBound
    }

    /// Proposes several entries at once (one append message carries them all).
    /// Returns the indexes they will have if they commit.
    @discardableResult
    public mutating func propose(batch: [[UInt8]]) throws(RaftError) -> ClosedRange<LogIndex> {
        try checkCanPropose()
        for data in batch where data.count > config.proposalBytesMax {
            throw .proposalTooLarge
        }
        let first = log.lastIndex() + 1
        let entries = batch.enumerated().map { offset, data in
            Entry(term: term, index: first + LogIndex(offset), kind: .normal, data: data)
        }
        try appendEntries(entries)
        broadcastAppend()
        return first...(first + LogIndex(batch.count) - 1)
    }

    /// Proposes a single-server membership change; see `ConfChange` for the rules.
    @discardableResult
    public mutating func proposeConfChange(_ change: ConfChange) throws(RaftError) -> LogIndex {
        try checkCanPropose()
        try validate(change)
        let index = log.lastIndex() + 1
        try appendEntries([Entry(term: term, index: index, kind: .confChange, data: change.encoded())])
        pendingConfIndex = index
        broadcastAppend()
        return index
    }

    private func checkCanPropose() throws(RaftError) {
        guard role == .leader else { throw .notLeader(leaderHint: leader) }
        guard leadTransferee == noNode else { throw .proposalDropped }
    }

    /// Asks for a linearizable read point. The answer arrives as a `ReadState` with the same
    /// `context` in a later `Ready`; contexts must be unique across the cluster while pending.
    /// A request that cannot be served (leadership lost meanwhile) gets no answer: retry it.
    public mutating func readIndex(context: [UInt8]) throws(RaftError) {
        if role == .leader {
            handleReadIndex(from: id, context: context)
        } else if leader != noNode {
            send(Message(kind: .readIndex, to: leader, context: context))
        } else {
            throw .notLeader(leaderHint: noNode)
        }
    }

    /// Hands leadership to `target` once its log is current (the leader stops taking proposals
    /// meanwhile). The transfer is abandoned after one election timeout.
    public mutating func transferLeader(to target: NodeID) throws(RaftError) {
        guard role == .leader else { throw .notLeader(leaderHint: leader) }
        guard target != id, confState.isVoter(target) else { throw .invalidTransferTarget }
        if leadTransferee == target { return }
        electionElapsed = 0
        leadTransferee = target
        transferAttemptedThisTerm = true
        if progress[target]?.match == log.lastIndex() {
            sendTimeoutNow(to: target)
        } else {
            _ = sendAppend(to: target)
        }
    }

    /// The transport could not deliver to `node`: stop pipelining to it and probe instead.
    public mutating func reportUnreachable(_ node: NodeID) {
        guard role == .leader, progress[node]?.state == .replicate else { return }
        progress[node]?.becomeProbe()
    }

    /// The transport finished (or failed) streaming a snapshot to `node`.
    public mutating func reportSnapshot(to node: NodeID, failed: Bool) {
        guard role == .leader, var peer = progress[node], peer.state == .snapshot else { return }
        if failed { peer.pendingSnapshot = 0 }
        peer.becomeProbe()
        // Wait for the next heartbeat answer before probing, so a failing peer is not flooded.
        peer.probeSent = true
        progress[node] = peer
    }

    // MARK: - Inspection

    /// Whether this node, given a lease its caller measured (`Config.leaseReads`), may answer a
    /// linearizable read at `commitIndex` without a heartbeat round: it leads, it committed an
    /// entry of its own term (so its commit index covers every earlier leader's), and it asked
    /// no node to campaign in this term.
    public var mayServeLeaseReads: Bool {
        config.leaseReads && role == .leader && !transferAttemptedThisTerm && log.termOrZero(log.committed) == term
    }

    public var commitIndex: LogIndex { log.committed }

    /// A copy of the node's externally interesting state.
    public func status() -> RaftStatus {
        var peers: [NodeID: PeerStatus] = [:]
        if role == .leader {
            for (node, peer) in progress {
                peers[node] = PeerStatus(
                    match: peer.match, next: peer.next, state: peer.state,
                    recentActive: peer.recentActive, isLearner: peer.isLearner)
            }
        }
        return RaftStatus(
            id: id, term: term, vote: vote, role: role, leader: leader,
            commit: log.committed, applied: log.applied, lastIndex: log.lastIndex(),
            firstIndex: log.firstIndex(), confState: confState, leadTransferee: leadTransferee,
            peers: peers)
    }
}

/// What `RaftNode.status()` reports.
public struct RaftStatus: Sendable, Hashable {
    public var id: NodeID
    public var term: Term
    public var vote: NodeID
    public var role: Role
    public var leader: NodeID
    public var commit: LogIndex
    public var applied: LogIndex
    public var lastIndex: LogIndex
    public var firstIndex: LogIndex
    public var confState: ConfState
    public var leadTransferee: NodeID
    /// The leader's view of every member (empty on other roles).
    public var peers: [NodeID: PeerStatus]
}

/// The leader's view of one member's replication.
public struct PeerStatus: Sendable, Hashable {
    public var match: LogIndex
    public var next: LogIndex
    public var state: ProgressState
    public var recentActive: Bool
    public var isLearner: Bool
}
