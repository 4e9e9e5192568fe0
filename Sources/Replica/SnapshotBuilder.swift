import Dispatch
import RaftCore
import Storage
import Synchronization

/// Builds the snapshot a follower needs away from the Raft thread.
///
/// Encoding the whole `state` column family takes seconds once the state is large. Done on the
/// Raft thread it silenced the leader's heartbeats, the followers elected another leader, and
/// that one had to build the same snapshot for the same newcomer: a node joining under load
/// cost many seconds of elections. Now the Raft thread only pins the state (an iterator made
/// there sees the state exactly as applied at that index) and RaftCore hears
/// `snapshotTemporarilyUnavailable`; it asks again on the follower's next heartbeat answer,
/// by when the snapshot is usually built. One snapshot is kept for every follower that needs one
/// until the log no longer connects to it.
final class SnapshotBuilder: Sendable {
    private enum Phase {
        case idle
        case building
        case built(Snapshot)
    }

    private let phase = Mutex(Phase.idle)
    private let stopping = Atomic(false)
    private let running = DispatchGroup()

    /// The built snapshot, if the log still holds the entries after it (`firstIndex` is at
    /// most one past its index); a snapshot the log has moved past is dropped.
    func usableSnapshot(firstIndex: LogIndex) -> Snapshot? {
        phase.withLock { phase in
            guard case .built(let snapshot) = phase else { return nil }
            guard snapshot.metadata.index + 1 >= firstIndex else {
                phase = .idle
                return nil
            }
            return snapshot
        }
    }

    /// Whether a snapshot is being built now.
    var isBuilding: Bool {
        phase.withLock { phase in
            if case .building = phase { return true }
            return false
        }
    }

    /// Encodes what `iterator` sees on another thread, as the snapshot at `metadata`. The
    /// caller made the iterator at the state's applied index `metadata.index` and gives it up.
    func start(metadata: SnapshotMetadata, iterator: DatabaseIterator) {
        let started = phase.withLock { phase in
            if case .building = phase { return false }
            phase = .building
            return true
        }
        guard started else { return }
        // The iterator is handed over whole: the Raft thread made it and keeps no reference,
        // so only the building thread ever uses it.
        let handOver = UncheckedBox(iterator)
        DispatchQueue.global(qos: .utility).async(group: running) { [self] in
            build(metadata: metadata, iterator: handOver.value)
        }
    }

    private func build(metadata: SnapshotMetadata, iterator: DatabaseIterator) {
        let data: [UInt8]?
        do {
            data = try StateSnapshot.encode(iterator) { stopping.load(ordering: .relaxed) }
        } catch {
            fatalStorageFailure(error)
        }
        phase.withLock { phase in
            phase = data.map { Phase.built(Snapshot(metadata: metadata, data: $0)) } ?? .idle
        }
    }

    /// Drops a built snapshot the log has moved past, so its memory is not held for nothing.
    func discard(before firstIndex: LogIndex) {
        _ = usableSnapshot(firstIndex: firstIndex)
    }

    /// Abandons a build in progress and waits until its thread lets go of the database, which
    /// must be closed on the Raft thread before the process may exit.
    func stopAndWait() {
        stopping.store(true, ordering: .relaxed)
        running.wait()
    }
}
