import Dispatch
import RaftCore
import Storage

/// A request that waits for its entry to be applied.
struct ProposalWaiter {
    var term: Term
    var completion: Completion
    /// The framed command of a retryable proposal, kept so that it can go on to the next
    /// leader should this node lose its leadership before the entry is applied (`requeue`).
    var retryData: [UInt8]?
}

/// A linearizable read waiting for its read index to be confirmed and applied.
struct ReadWaiter {
    var serve: @Sendable (ReplicaCore) -> Void
    var fail: @Sendable (ReplicaError) -> Void
}

/// Everything the Raft thread owns. Only that thread touches an instance after `start`: the
/// facade (`Replica`) reaches it solely through the inbox, so no state here is shared.
public final class ReplicaCore {
    let config: ReplicaConfig
    var raft: RaftNode
    let store: RaftLogStore
    /// The application; read it only inside `Replica.read` bodies (on the Raft thread).
    public let machine: any ReplicatedStateMachine
    let network: any PeerNetwork
    var directory: Directory
    var status: ReplicaStatus

    var waiters: [LogIndex: ProposalWaiter] = [:]
    /// Plain waiters whose index this node, leading again, took for a proposal of its own
    /// (`register`). Their entries are gone from this log but may live on in others', and with
    /// five voters or more a later leader may still commit one (Raft's Figure 8): each waits
    /// for the entry committed at its index, or its deadline. Almost always empty.
    var replacedWaiters: [LogIndex: [ProposalWaiter]] = [:]
    /// Proposals refused while this leader hands over, until the handover is over and a
    /// leader is known (`releaseHeldProposals`), or their deadline passes.
    var heldDuringHandover: [(data: [UInt8], completion: Completion, deadline: UInt64)] = []
    static let heldProposalsMax = 10_000
    /// Proposals forwarded to the leader, shared with the request path and the transport.
    let forwardTable: ForwardTable
    var readsAwaitingIndex: [[UInt8]: ReadWaiter] = [:]
    /// Lease reads (`ReplicaConfig.leaseReads`): this leader answers reads from its own state
    /// until `leaseExpiry` in `leaseTerm`, on a clock that runs on while the process is
    /// stopped and while the machine sleeps (`CLOCK_BOOTTIME`). A lease runs from the start of
    /// the inbox turn in which a ReadIndex round began (before its heartbeats left) once a
    /// quorum confirms that round, whoever asked for the read: RaftCore carries the turn's
    /// time as `leaseStamp`, counted from `leaseEpoch`.
    var leaseExpiry: ContinuousClock.Instant?
    var leaseTerm: Term = 0
    let leaseEpoch = ContinuousClock.now
    /// When this leader last started a round only to renew its lease (see `renewLease`).
    var leaseRenewalStarted: ContinuousClock.Instant?
    /// `raft.readsAnsweredByLease` when last looked at: followers' reads renew the lease too.
    var followerReadsByLeaseSeen: UInt64 = 0
    /// Reads made here that this leader answered under its lease (see `refreshStatus`).
    var localReadsByLease: UInt64 = 0
    /// Reads whose read index is confirmed, and answers to forwarded writes, until this node
    /// has applied the index each names.
    var waitingForApply: [(index: LogIndex, deadline: UInt64, waiter: ReadWaiter)] = []
    /// Deadlines in arrival order (they all use the same timeout, so the order is sorted).
    var expiries: [(deadline: UInt64, key: ExpiryKey)] = []
    var expiriesHead = 0
    /// Read contexts. Starts at a random value so that contexts of a restarted process never
    /// match reads a peer still holds from before the restart.
    var nextRequestID = UInt64.random(in: 1...(UInt64.max >> 1))
    var lastSnapshotIndex: LogIndex
    /// Ticks since RocksDB's memory figures were last read into the status (the first tick
    /// reads them).
    var ticksSinceStorageMemory = 9
    /// Builds snapshots for followers off this thread (see `SnapshotBuilder`).
    let snapshots: SnapshotBuilder
    var ticksSinceAnnounce = ReplicaCore.announceIntervalTicks
    static let announceIntervalTicks = 20
    let selfAddresses: MemberAddresses

    enum ExpiryKey {
        case proposal(LogIndex, Term)
        case read([UInt8])
    }

    init(
        config: ReplicaConfig, store: RaftLogStore, machine: any ReplicatedStateMachine,
        network: any PeerNetwork, forwardTable: ForwardTable, directory: Directory, selfAddresses: MemberAddresses,
        seed: UInt64
    ) {
        self.config = config
        self.forwardTable = forwardTable
        self.store = store
        self.machine = machine
        self.network = network
        self.directory = directory
        self.selfAddresses = selfAddresses
        let snapshots = SnapshotBuilder()
        self.snapshots = snapshots
        self.raft = RaftNode(
            config: config.raftConfig(applied: store.appliedIndex, seed: seed),
            storage: StateBackedStorage(store, builder: snapshots))
        self.status = ReplicaStatus(nodeID: config.nodeID)
        self.lastSnapshotIndex = store.snapshotMetadata.index
    }

    var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    func deadline() -> UInt64 {
        now + UInt64(config.proposalTimeoutMilliseconds) * 1_000_000
    }

    func makeRequestID() -> UInt64 {
        defer { nextRequestID += 1 }
        return nextRequestID
    }

    // MARK: - Inbox handling

    func handle(_ items: [InboxItem]) {
        // The items arrived before now: a lease that holds now held for them (ReadIndex
        // requests forwarded by followers are then answered at once).
        if config.leaseReads { startLeaseTurn() }
        var proposals: [([UInt8], Completion)] = []
        for item in items {
            switch item {
            case .message(let message): raft.step(message)
            case .propose(let data, let completion):
                proposals.append((Envelope.encode(.application(data)), completion))
            case .forwarded(let proposal): acceptForwarded(proposal, into: &proposals)
            case .read(let completion): startRead(completion)
            case .confChange(let change, let completion): proposeConfChange(change, completion)
            case .transferLeader(let target, let completion): transferLeader(to: target, completion)
            case .unreachable(let node): raft.reportUnreachable(node)
            case .snapshotStatus(let node, let failed): raft.reportSnapshot(to: node, failed: failed)
            case .run(let body): body(self)
            case .stop: break
            }
        }
        // Proposals held through a handover that has ended go first: they came earlier. A
        // handover that a tick gives up is seen at the next turn.
        releaseHeldProposals()
        if !proposals.isEmpty { propose(proposals) }
        if config.leaseReads { endLeaseTurn() }
    }

    /// Proposes framed commands in one batch (one append message per follower), or forwards
    /// them to the leader. `counted`: the proposals were counted when first made here (ones
    /// proposed again, see `requeue`).
    func propose(_ proposals: [([UInt8], Completion)], counted: Bool = false) {
        guard raft.role == .leader else {
            for (data, completion) in proposals { forward(data, completion) }
            return
        }
        // Forwarded proposals are counted by the forward table.
        if !counted { status.proposalsTotal += UInt64(proposals.count) }
        do {
            let indexes = try raft.propose(batch: proposals.map(\.0))
            for (offset, index) in indexes.enumerated() {
                register(index: index, completion: proposals[offset].1, data: proposals[offset].0)
            }
        } catch {
            failOrHold(proposals, with: error)
        }
    }

    /// Fails proposals the leader refused, except those refused because a handover is under
    /// way, which wait for its outcome (`releaseHeldProposals`), up to `heldProposalsMax`.
    private func failOrHold(_ proposals: [([UInt8], Completion)], with error: RaftError) {
        guard error == .proposalDropped else { return fail(proposals.map(\.1), with: replicaError(error)) }
        let room = max(0, Self.heldProposalsMax - heldDuringHandover.count)
        let until = deadline()
        heldDuringHandover.append(contentsOf: proposals.prefix(room).map { ($0.0, $0.1, until) })
        status.proposalsHeldTotal += UInt64(min(room, proposals.count))
        fail(proposals.dropFirst(room).map(\.1), with: replicaError(error))
    }

    /// Once the handover that refused them is over, proposes the held proposals again if this
    /// node still leads. Otherwise, once it knows the new leader, those made here go on to it
    /// (a retryable one through `requeue`, any other forwarded once like any proposal made
    /// away from the leader), and one forwarded by another node is refused as not leading, to
    /// go on from there if it may. None of them was ever appended, so none can be applied
    /// twice.
    func releaseHeldProposals() {
        guard !heldDuringHandover.isEmpty,
            raft.role == .leader ? raft.leadTransferee == noNode : raft.leader != noNode
        else { return }
        let released = heldDuringHandover
        heldDuringHandover = []
        guard raft.role != .leader else { return propose(released.map { ($0.data, $0.completion) }, counted: true) }
        for (data, completion, _) in released {
            if completion.deliverApplied != nil {
                fail([completion], with: .notLeader(leaderHint: raft.leader))
            } else if completion.retryable {
                requeue(data, completion)
            } else {
                forward(data, completion)
            }
        }
    }

    func register(index: LogIndex, completion: Completion, data: [UInt8]? = nil) {
        // A waiter left at this index by an earlier term lost its entry here, but not
        // necessarily everywhere: a retryable one goes on (its key makes it apply once), a
        // plain one waits for the entry committed at its index.
        if let replaced = waiters[index] {
            if let data = replaced.retryData {
                requeue(data, replaced.completion)
            } else {
                replacedWaiters[index, default: []].append(replaced)
            }
        }
        waiters[index] = ProposalWaiter(
            term: raft.term, completion: completion, retryData: completion.retryable ? data : nil)
        expiries.append((deadline(), .proposal(index, raft.term)))
    }

    /// A waiter whose entry another leader's replaced at its index, found when the committed
    /// entry there is applied: a retryable proposal is proposed again (`requeue`), any other
    /// fails as dropped (it can no longer be committed).
    func dropped(_ waiter: ProposalWaiter) {
        if let data = waiter.retryData {
            requeue(data, waiter.completion)
        } else {
            fail([waiter.completion], with: .dropped)
        }
    }

    /// Hands a retryable proposal made here as leader, whose entry another leader's replaced
    /// (or which a handover that moved the leadership held, never appended), to the forward
    /// table: it goes to the leader once one is known, or back into this node's log when it
    /// leads (`Replica.publishLeader`). Its deadline starts again. A replaced entry found when
    /// the committed entry at its index is applied was not committed; one replaced in this
    /// node's log before that could, with five voters or more, still be committed by a later
    /// leader that holds it (Raft's Figure 8): its idempotency key then makes the desk apply
    /// it once, as for a forwarded write sent again.
    func requeue(_ data: [UInt8], _ completion: Completion) {
        if forwardTable.requeue(completion, deadline: deadline(), data: data) {
            status.proposalsRequeuedTotal += 1
        }
    }

    /// Hands a framed command to the leader, which answers when it is applied. Most
    /// forwarded proposals do not come here: `Replica` forwards them from the caller's thread
    /// while it knows the leader; these are the ones that met a leader change on the way, or
    /// found no leader. A retryable one then waits in the forward table for the next leader
    /// (`Replica.publishLeader`) until its deadline; any other fails at once.
    private func forward(_ data: [UInt8], _ completion: Completion) {
        let leader = raft.leader
        guard leader != noNode || completion.retryable else {
            status.proposalsTotal += 1
            status.proposalsFailedTotal += 1
            completion.deliver(.failure(.notLeader(leaderHint: noNode)))
            return
        }
        guard let requestID = forwardTable.register(completion, leader: leader, deadline: deadline(), data: data) else { return }
        if leader != noNode {
            network.forward(ForwardedProposal(requestID: requestID, origin: config.nodeID, leader: leader, data: data))
        }
    }

    private func acceptForwarded(_ proposal: ForwardedProposal, into proposals: inout [([UInt8], Completion)]) {
        let network = self.network
        let send = { @Sendable (outcome: ForwardedAnswer.Outcome) in
            network.answer(ForwardedAnswer(requestID: proposal.requestID, origin: proposal.origin, outcome: outcome))
        }
        // Only a conf change or a leadership transfer succeeds without an index, and neither
        // is forwarded; a failure is sent as it is.
        let completion = Completion(
            deliver: { result in
                if case .failure(let error) = result { send(.failed(error)) }
            },
            deliverApplied: { index, answer in send(.applied(index: index, answer: answer.encodedAnswer())) })
        guard raft.role == .leader else {
            completion.deliver(.failure(.notLeader(leaderHint: raft.leader)))
            return
        }
        guard (try? Envelope.decodeCommand(proposal.data)) != nil else {
            completion.deliver(.failure(.rejected(.proposalDropped)))
            return
        }
        proposals.append((proposal.data, completion))
    }

    /// Answers a forwarded write once this node has applied its entry as well, so that the
    /// client's next request here (served from this node's state) sees the write. Should this
    /// node not get that far within the proposal timeout (it lags, or is cut off from the
    /// leader), the answer goes out then anyway: the write is in, only this node's view is
    /// behind.
    func answerOnceApplied(index: LogIndex, _ result: [UInt8], _ completion: Completion) {
        let answer = ReadWaiter(
            serve: { _ in completion.deliver(.success(result)) },
            fail: { _ in completion.deliver(.success(result)) })
        if index <= store.appliedIndex {
            answer.serve(self)
        } else {
            status.answersAwaitingApplyTotal += 1
            waitingForApply.append((index, deadline(), answer))
        }
    }

    func fail(_ completions: [Completion], with error: ReplicaError) {
        status.proposalsFailedTotal += UInt64(completions.count)
        for completion in completions { completion.deliver(.failure(error)) }
    }

    func replicaError(_ error: RaftError) -> ReplicaError {
        if case .notLeader(let hint) = error { return .notLeader(leaderHint: hint) }
        return .rejected(error)
    }

    // MARK: - Membership and leadership

    private func proposeConfChange(_ change: ConfChange, _ completion: Completion) {
        do {
            let index = try raft.proposeConfChange(change)
            register(index: index, completion: completion)
        } catch {
            completion.deliver(.failure(replicaError(error)))
        }
    }

    private func transferLeader(to target: NodeID, _ completion: Completion) {
        do {
            try raft.transferLeader(to: target)
            completion.deliver(.success([]))
        } catch {
            completion.deliver(.failure(replicaError(error)))
        }
    }

    /// The leader promotes learners that have caught up, one at a time, and makes sure every
    /// member's addresses are in the directory.
    func leaderHousekeeping() {
        guard raft.role == .leader else { return }
        for learner in raft.confState.learners {
            // RaftCore refuses while the learner lags or another change is pending; the next
            // tick tries again.
            if (try? raft.proposeConfChange(ConfChange(kind: .promote, nodeID: learner))) != nil { break }
        }
    }

    /// A member whose addresses the directory lacks (or has wrong) announces them through the
    /// log, again every `announceIntervalTicks` until they are there: an announcement can be
    /// lost to a leader change or a dropped forward.
    func announceSelfIfNeeded() {
        ticksSinceAnnounce += 1
        guard ticksSinceAnnounce >= Self.announceIntervalTicks, raft.leader != noNode,
            raft.confState.contains(config.nodeID), directory.members[config.nodeID] != selfAddresses
        else { return }
        ticksSinceAnnounce = 0
        propose([(Envelope.encode(.announce(config.nodeID, selfAddresses)), Completion { _ in })])
    }

    /// Reads RocksDB's memory figures into the status every ten ticks: they take RocksDB's
    /// locks, too dear for every batch of work, and only this thread may touch the store (the
    /// database closes when this thread lets it go, before the process exits).
    func refreshStorageMemory() {
        ticksSinceStorageMemory += 1
        guard ticksSinceStorageMemory >= 10 else { return }
        ticksSinceStorageMemory = 0
        status.storageMemory = store.database.memoryUsage()
    }

    // MARK: - Expiry

    func expireDeadlines() {
        let current = now
        forwardTable.expire(now: current)
        expireHeldProposals(now: current)
        expireAppliedReads(now: current)
        while expiriesHead < expiries.count, expiries[expiriesHead].deadline <= current {
            expire(expiries[expiriesHead].key)
            expiriesHead += 1
        }
        if expiriesHead > 1_024 && expiriesHead * 2 > expiries.count {
            expiries.removeFirst(expiriesHead)
            expiriesHead = 0
        }
    }

    /// Fails the held proposals whose deadline passed (no leader settled in time) as
    /// dropped: they were never appended.
    private func expireHeldProposals(now current: UInt64) {
        guard heldDuringHandover.contains(where: { $0.deadline <= current }) else { return }
        let expired = heldDuringHandover.filter { $0.deadline <= current }
        heldDuringHandover.removeAll { $0.deadline <= current }
        fail(expired.map(\.completion), with: .dropped)
    }

    private func expire(_ key: ExpiryKey) {
        switch key {
        case .proposal(let index, let term):
            if let waiter = waiters[index], waiter.term == term {
                waiters[index] = nil
                fail([waiter.completion], with: .timedOut)
            } else if let replaced = replacedWaiters[index], let position = replaced.firstIndex(where: { $0.term == term }) {
                replacedWaiters[index]!.remove(at: position)
                if replacedWaiters[index]!.isEmpty { replacedWaiters[index] = nil }
                fail([replaced[position].completion], with: .timedOut)
            }
        case .read(let context):
            readsAwaitingIndex.removeValue(forKey: context)?.fail(.timedOut)
        }
    }
}
