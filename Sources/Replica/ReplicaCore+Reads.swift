import RaftCore

extension ReplicaCore {
    /// Answers a read under this leader's lease, or starts a ReadIndex round for it.
    func startRead(_ waiter: ReadWaiter) {
        status.readsTotal += 1
        let arrived = ContinuousClock.now
        if holdsLease(at: arrived) {
            localReadsByLease += 1
            renewLease(at: arrived)
            if raft.commitIndex <= store.appliedIndex {
                waiter.serve(self)
            } else {
                waitingForApply.append((raft.commitIndex, deadline(), waiter))
            }
            return
        }
        let context = makeReadContext()
        do {
            try raft.readIndex(context: context)
        } catch {
            waiter.fail(replicaError(error))
            return
        }
        readsAwaitingIndex[context] = waiter
        expiries.append((deadline(), .read(context)))
    }

    func readIndexConfirmed(_ readState: ReadState) {
        guard let waiter = readsAwaitingIndex.removeValue(forKey: readState.context) else { return }
        waitingForApply.append((readState.index, deadline(), waiter))
    }

    /// Whether this leader's lease covers a read that arrives at `time`.
    private func holdsLease(at time: ContinuousClock.Instant) -> Bool {
        guard config.leaseReads, let leaseExpiry else { return false }
        return time < leaseExpiry && leaseTerm == raft.term && raft.mayServeLeaseReads
    }

    /// Starts a round that no read waits for once less than half the lease is left, so that
    /// steady reads find it renewed instead of each paying a round when it runs out. At most
    /// one such round per quarter lease.
    private func renewLease(at time: ContinuousClock.Instant) {
        guard let leaseExpiry, leaseExpiry - time < config.leaseDuration / 2 else { return }
        if let started = leaseRenewalStarted, time - started < config.leaseDuration / 4 { return }
        leaseRenewalStarted = time
        try? raft.readIndex(context: makeReadContext())
    }

    /// This node's id and a counter: unique across the cluster, as RaftCore requires.
    private func makeReadContext() -> [UInt8] {
        var context: [UInt8] = []
        withUnsafeBytes(of: config.nodeID.bigEndian) { context.append(contentsOf: $0) }
        withUnsafeBytes(of: makeRequestID().bigEndian) { context.append(contentsOf: $0) }
        return context
    }

    /// Tells RaftCore, before it steps this turn's items (all arrived by now), whether the
    /// lease holds now and what time it is.
    func startLeaseTurn() {
        let now = ContinuousClock.now
        raft.leaseHeld = holdsLease(at: now)
        let elapsed = (now - leaseEpoch).components
        raft.leaseStamp = UInt64(elapsed.seconds) * 1_000_000_000 + UInt64(elapsed.attoseconds / 1_000_000_000) + 1
    }

    /// After the turn's items: extends the lease from the rounds confirmed meanwhile, and
    /// renews it if followers' reads were answered under it.
    func endLeaseTurn() {
        extendLease()
        if raft.readsAnsweredByLease != followerReadsByLeaseSeen {
            followerReadsByLeaseSeen = raft.readsAnsweredByLease
            renewLease(at: .now)
        }
    }

    /// A heartbeat round that a quorum confirmed in this term began at `leaseConfirmedStamp`;
    /// each member then ignores campaigns for an election timeout from when the heartbeat
    /// reached it, which is later: no other leader can be elected before the lease runs out.
    private func extendLease() {
        let stamp = raft.leaseConfirmedStamp
        guard stamp > 0, raft.mayServeLeaseReads else { return }
        let expiry = leaseEpoch + .nanoseconds(Int64(stamp - 1)) + config.leaseDuration
        if leaseTerm != raft.term || leaseExpiry.map({ expiry > $0 }) ?? true {
            leaseExpiry = expiry
            leaseTerm = raft.term
        }
    }

    /// Serves every read, and answers every forwarded write, whose index is applied now.
    func serveAppliedReads() {
        guard !waitingForApply.isEmpty else { return }
        let applied = store.appliedIndex
        var waiting: [(index: LogIndex, deadline: UInt64, waiter: ReadWaiter)] = []
        for read in waitingForApply {
            if read.index <= applied {
                read.waiter.serve(self)
            } else {
                waiting.append(read)
            }
        }
        waitingForApply = waiting
    }

    /// A read whose index is confirmed but not applied in time (this node is cut off from the
    /// leader) fails rather than hang; a forwarded write's answer goes out.
    func expireAppliedReads(now current: UInt64) {
        guard waitingForApply.contains(where: { $0.deadline <= current }) else { return }
        for read in waitingForApply where read.deadline <= current { read.waiter.fail(.timedOut) }
        waitingForApply.removeAll { $0.deadline <= current }
    }

    /// Fails the requests in `items` that never reached a waiter table (the replica stops).
    func fail(_ items: [InboxItem], with error: ReplicaError) {
        for item in items {
            switch item {
            case .propose(_, let completion), .confChange(_, let completion), .transferLeader(_, let completion):
                completion.deliver(.failure(error))
            case .read(let waiter):
                waiter.fail(error)
            default:
                break
            }
        }
    }

    /// Fails everything still waiting; used when the replica stops.
    func failEverything(with error: ReplicaError) {
        for waiter in waiters.values { waiter.completion.deliver(.failure(error)) }
        waiters = [:]
        for waiter in replacedWaiters.values.joined() { waiter.completion.deliver(.failure(error)) }
        replacedWaiters = [:]
        for held in heldDuringHandover { held.completion.deliver(.failure(error)) }
        heldDuringHandover = []
        forwardTable.close(failingWith: error)
        for waiter in readsAwaitingIndex.values { waiter.fail(error) }
        readsAwaitingIndex = [:]
        for read in waitingForApply { read.waiter.fail(error) }
        waitingForApply = []
    }
}
