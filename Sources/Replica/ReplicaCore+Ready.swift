import Dispatch
import RaftCore
import Storage

/// Keys at or below this byte in the `state` column family belong to the replica; the
/// application uses keys that start with any other byte.
let replicaKeyPrefix: UInt8 = 0x00
let directoryKey: [UInt8] = [replicaKeyPrefix] + Array("directory".utf8)

extension ReplicaCore {
    /// Handles one Ready: send, apply what was already stored, persist, send what needed the
    /// persist, apply the rest, advance. Any storage failure stops the process: continuing
    /// could acknowledge lost data.
    func processReady() {
        let ready = raft.ready()
        status.readiesTotal += 1
        network.send(ready.messages)
        let early = appliableBeforePersist(ready)
        if early > 0 {
            status.entriesAppliedBeforePersistTotal += UInt64(early)
            apply(ready.committedEntries[..<early], confState: ready.confState)
            answerApplied()
        }
        persist(ready)
        if raft.role != .leader { requeueReplacedRetryable(by: ready.entries) }
        network.send(ready.persistedMessages)
        if let snapshot = ready.snapshot { install(snapshot) }
        apply(ready.committedEntries[early...], confState: ready.confState)
        for readState in ready.readStates { readIndexConfirmed(readState) }
        raft.advance(ready)
        answerApplied()
        if let soft = ready.softState { leadershipChanged(soft) }
        maybeSnapshot()
    }

    /// How many of the Ready's committed entries may be applied before its save: those that
    /// earlier Readys stored. Under load most are (an entry commits once followers acknowledge
    /// an earlier Ready's append), and their answers, and a follower's answers to the writes it
    /// forwarded, then go out without waiting for this Ready's fsync. None when the Ready
    /// installs a snapshot (the entries follow it) or commits a membership change (the
    /// membership stored with the applied index is the one after the whole Ready).
    /// `RaftLogStore.setApplied` keeps the stored commit index up with the applied one.
    private func appliableBeforePersist(_ ready: Ready) -> Int {
        Self.appliableBeforePersist(
            committed: ready.committedEntries, storedLastIndex: store.lastIndex(),
            replacedFrom: ready.entries.first?.index, installsSnapshot: ready.snapshot != nil)
    }

    /// The count of `committed` entries at the front that are stored, and stored as they are:
    /// at or below the stored log's last index and below `replacedFrom`, where the Ready's
    /// own entries start to replace the stored ones (a node that took a new leader's log).
    /// An entry the Ready replaces is stored only in its old form until the Ready's save:
    /// applying the new one first, a crash before the save would leave a commit index above
    /// entries that were never committed.
    static func appliableBeforePersist(
        committed: [Entry], storedLastIndex: LogIndex, replacedFrom: LogIndex?, installsSnapshot: Bool
    ) -> Int {
        guard !installsSnapshot, !committed.contains(where: { $0.kind == .confChange }) else { return 0 }
        let storedAsIs = min(storedLastIndex, (replacedFrom ?? .max) - 1)
        return committed.prefix { $0.index <= storedAsIs }.count
    }

    /// Tells the forwarding table and the reads waiting for an index how far this node applied.
    private func answerApplied() {
        forwardTable.publishApplied(store.appliedIndex)
        serveAppliedReads()
    }

    /// Proposes again the retryable waiters whose entries `entries` replaced in this node's
    /// log (a new leader's log, which this node no longer leading now holds, differs from
    /// their index on or ends before it), at once rather than when an entry at their index
    /// is applied, which in a quiet cluster may be never. Others wait for that apply or their
    /// deadline: with five voters or more, an entry replaced here may still be committed by a
    /// later leader that holds it (Raft's Figure 8), which the idempotency key of a retryable
    /// one covers (see `requeue`).
    private func requeueReplacedRetryable(by entries: [Entry]) {
        guard let first = entries.first, let last = entries.last, !waiters.isEmpty else { return }
        let replaced = waiters.filter { index, waiter in
            waiter.retryData != nil && index >= first.index
                && (index > last.index || entries[Int(index - first.index)].term != waiter.term)
        }
        for (index, waiter) in replaced.sorted(by: { $0.key < $1.key }) {
            waiters[index] = nil
            requeue(waiter.retryData!, waiter.completion)
        }
    }

    private func persist(_ ready: Ready) {
        guard ready.hardState != nil || !ready.entries.isEmpty || ready.snapshot != nil else { return }
        let started = now
        do {
            try store.save(
                hardState: ready.hardState, entries: ready.entries, snapshot: ready.snapshot,
                sync: ready.mustSync)
        } catch {
            fatalStorageFailure(error)
        }
        if ready.mustSync {
            status.fsyncSeconds.record(Double(now - started) / 1e9)
        }
    }

    private func install(_ snapshot: Snapshot) {
        do {
            let pairs = try StateSnapshot.decode(snapshot.data)
            directory = try StateSnapshot.install(pairs, metadata: snapshot.metadata, into: store, sync: false)
            try machine.load(from: store.database, appliedIndex: snapshot.metadata.index)
        } catch {
            // A snapshot the leader sent that we cannot install means a software fault or a
            // damaged disk; stopping keeps the bad state from spreading.
            fatalStorageFailure(error)
        }
        network.publish(directory)
        forwardTable.noteStanding(of: config.nodeID, in: directory)
        lastSnapshotIndex = snapshot.metadata.index
        status.snapshotsInstalledTotal += 1
        for (index, waiter) in waiters where index <= snapshot.metadata.index {
            waiters[index] = nil
            fail([waiter.completion], with: .timedOut)
        }
        for (index, replaced) in replacedWaiters where index <= snapshot.metadata.index {
            replacedWaiters[index] = nil
            fail(replaced.map(\.completion), with: .timedOut)
        }
    }

    private func apply(_ entries: ArraySlice<Entry>, confState: ConfState?) {
        guard let last = entries.last else { return }
        var changes = WriteBatch()
        var directoryChanged = false
        var answered: [(entry: Entry, result: any StateMachineAnswer)] = []
        for entry in entries {
            let result = applyEntry(entry, changes: &changes, directoryChanged: &directoryChanged)
            if waiters[entry.index] != nil || (!replacedWaiters.isEmpty && replacedWaiters[entry.index] != nil) {
                answered.append((entry, result))
            }
        }
        if directoryChanged {
            changes.put(directoryKey, directory.encoded(), in: .state)
            network.publish(directory)
        }
        do {
            try store.setApplied(last.index, confState: confState ?? raft.confState, stateChanges: changes)
        } catch {
            fatalStorageFailure(error)
        }
        // Only now: the proposer's next request may read what the entry wrote from the store.
        for (entry, result) in answered { complete(entry, result: result) }
    }

    private func applyEntry(_ entry: Entry, changes: inout WriteBatch, directoryChanged: inout Bool) -> any StateMachineAnswer {
        switch entry.kind {
        case .confChange:
            guard let change = ConfChange(encoded: entry.data) else { return [UInt8]() }
            applyToDirectory(change, changed: &directoryChanged)
            return [UInt8]()
        case .normal:
            guard !entry.data.isEmpty else { return [UInt8]() }
            switch try? Envelope.decodeCommand(entry.data) {
            case .application(let command)?:
                return machine.apply(command, index: entry.index, answerWanted: isAwaited(entry), changes: &changes)
            case .announce(let node, let addresses)?:
                // Decided from the directory alone (which applies conf changes entry by entry),
                // never from RaftCore's membership, which changes only between Readys.
                if directory.members[node] != nil {
                    directory.set(node, addresses)
                    directoryChanged = true
                }
                return [UInt8]()
            case nil:
                // Every node skips the same undecodable entry, so state stays identical.
                return [UInt8]()
            }
        }
    }

    private func applyToDirectory(_ change: ConfChange, changed: inout Bool) {
        switch change.kind {
        case .addLearner:
            if let addresses = try? MemberAddresses(decoding: change.context) {
                directory.set(change.nodeID, addresses)
                changed = true
                // Added again under its old id: a member once more.
                if change.nodeID == config.nodeID { forwardTable.clearRemoved() }
            }
        case .remove:
            directory.remove(change.nodeID)
            changed = true
            if change.nodeID == config.nodeID { forwardTable.markRemoved() }
        case .promote:
            break
        }
    }

    /// Whether a proposal made here waits for this very entry (its answer is then built).
    private func isAwaited(_ entry: Entry) -> Bool {
        waiters[entry.index]?.term == entry.term
            || (!replacedWaiters.isEmpty && replacedWaiters[entry.index]?.contains { $0.term == entry.term } == true)
    }

    /// Answers the waiters at the entry's index: the one whose entry this is with the result,
    /// the others as replaced (`dropped`).
    private func complete(_ entry: Entry, result: any StateMachineAnswer) {
        if !replacedWaiters.isEmpty, let replaced = replacedWaiters.removeValue(forKey: entry.index) {
            for waiter in replaced { settle(waiter, of: entry, result: result) }
        }
        if let waiter = waiters.removeValue(forKey: entry.index) { settle(waiter, of: entry, result: result) }
    }

    private func settle(_ waiter: ProposalWaiter, of entry: Entry, result: any StateMachineAnswer) {
        guard waiter.term == entry.term else { return dropped(waiter) }
        if let deliverApplied = waiter.completion.deliverApplied {
            deliverApplied(entry.index, result)
        } else {
            waiter.completion.deliver(.success(result))
        }
    }

    private func leadershipChanged(_ soft: SoftState) {
        guard soft.role != .leader else { return }
        // Reads waiting for a leader's confirmation will not get it from a leader that changed
        // (RaftCore drops them): fail them now so that callers retry at once.
        let hint = soft.leader
        for waiter in readsAwaitingIndex.values { waiter.fail(.notLeader(leaderHint: hint)) }
        readsAwaitingIndex = [:]
        leaseExpiry = nil
    }

    /// Records a snapshot at the applied index every `snapshotEntriesInterval` applied entries
    /// and compacts the log behind it. The state it stands for is already in the `state`
    /// column family (see `StateSnapshot`), so this costs two small writes.
    private func maybeSnapshot() {
        let applied = store.appliedIndex
        guard applied >= lastSnapshotIndex + config.snapshotEntriesInterval else { return }
        do {
            try store.createSnapshot(index: applied, confState: store.confState, data: [])
            lastSnapshotIndex = applied
            status.snapshotsTakenTotal += 1
            if applied > config.compactionLagEntries {
                let compactTo = applied - config.compactionLagEntries
                if compactTo >= store.firstIndex() { try store.compact(to: compactTo) }
            }
            snapshots.discard(before: store.firstIndex())
        } catch {
            fatalStorageFailure(error)
        }
    }

    func refreshStatus() {
        let raftStatus = raft.status()
        status.readsByLeaseTotal = localReadsByLease + raft.readsAnsweredByLease
        status.term = raftStatus.term
        status.role = raftStatus.role
        status.leader = raftStatus.leader
        status.commit = raftStatus.commit
        status.applied = raftStatus.applied
        status.lastIndex = raftStatus.lastIndex
        status.firstIndex = raftStatus.firstIndex
        status.confState = raftStatus.confState
        status.peers = raftStatus.peers
        status.directory = directory
    }

    /// The status as the facade shows it: with the proposals forwarded from other threads.
    var publishedStatus: ReplicaStatus {
        var published = status
        published.isRemoved = forwardTable.isRemoved
        let forwarded = forwardTable.totals
        published.proposalsTotal += forwarded.forwarded
        published.proposalsFailedTotal += forwarded.failed
        return published
    }
}

extension MemberAddresses {
    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(peer)
        writer.write(http)
        return writer.bytes
    }

    init(decoding bytes: [UInt8]) throws(EnvelopeError) {
        var reader = ByteReader(bytes)
        self.init(peer: try reader.readString(), http: try reader.readString())
        guard reader.isAtEnd else { throw .malformed("trailing bytes after addresses") }
    }
}
