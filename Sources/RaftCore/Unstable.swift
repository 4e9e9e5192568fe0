/// Entries (and possibly a snapshot) that RaftCore accepted but the application has not yet
/// written to stable storage. `entries[i]` has index `offset + i`.
struct Unstable {
    var snapshot: Snapshot?
    var entries: [Entry] = []
    var offset: LogIndex
    /// Entries below this index (and the snapshot, if `snapshotInProgress`) were handed out in
    /// a Ready that has not been advanced yet; they must not be handed out twice.
    var offsetInProgress: LogIndex
    var snapshotInProgress = false

    init(offset: LogIndex) {
        self.offset = offset
        self.offsetInProgress = offset
    }

    /// The first index the unstable part knows, if it holds a snapshot.
    func maybeFirstIndex() -> LogIndex? {
        snapshot.map { $0.metadata.index + 1 }
    }

    func maybeLastIndex() -> LogIndex? {
        if !entries.isEmpty { return offset + LogIndex(entries.count) - 1 }
        return snapshot?.metadata.index
    }

    func maybeTerm(_ index: LogIndex) -> Term? {
        if index < offset {
            guard let snapshot, snapshot.metadata.index == index else { return nil }
            return snapshot.metadata.term
        }
        guard let last = maybeLastIndex(), index <= last else { return nil }
        return entries[Int(index - offset)].term
    }

    /// Entries not yet handed out for persisting.
    func nextEntries() -> [Entry] {
        let start = Int(offsetInProgress - offset)
        return start >= entries.count ? [] : Array(entries[start...])
    }

    func nextSnapshot() -> Snapshot? {
        snapshotInProgress ? nil : snapshot
    }

    /// Marks everything currently unstable as handed out.
    mutating func acceptInProgress() {
        if let last = entries.last { offsetInProgress = last.index + 1 }
        if snapshot != nil { snapshotInProgress = true }
    }

    /// The application persisted entries up to (`index`, `term`): drop them from memory.
    /// A term mismatch means the entries were replaced meanwhile; they stay unstable.
    mutating func stableTo(index: LogIndex, term: Term) {
        guard let stored = maybeTerm(index), stored == term, index >= offset else { return }
        let count = Int(index + 1 - offset)
        entries.removeFirst(count)
        offset = index + 1
        offsetInProgress = max(offsetInProgress, offset)
    }

    mutating func stableSnapshotTo(index: LogIndex) {
        if snapshot?.metadata.index == index {
            snapshot = nil
            snapshotInProgress = false
        }
    }

    mutating func restore(_ snapshot: Snapshot) {
        offset = snapshot.metadata.index + 1
        offsetInProgress = offset
        entries = []
        self.snapshot = snapshot
        snapshotInProgress = false
    }

    /// Appends entries, replacing any suffix they conflict with.
    mutating func truncateAndAppend(_ newEntries: [Entry]) {
        guard let first = newEntries.first else { return }
        let after = first.index
        if after == offset + LogIndex(entries.count) {
            entries.append(contentsOf: newEntries)
        } else if after <= offset {
            // The whole unstable part is replaced.
            offset = after
            offsetInProgress = offset
            entries = newEntries
        } else {
            entries.removeSubrange(Int(after - offset)...)
            entries.append(contentsOf: newEntries)
            offsetInProgress = min(offsetInProgress, after)
        }
    }

    /// Entries in `[low, high)`, which must lie within the unstable part.
    func slice(_ low: LogIndex, _ high: LogIndex) -> [Entry] {
        precondition(low >= offset && high <= offset + LogIndex(entries.count) && low <= high,
            "unstable slice [\(low), \(high)) out of [\(offset), \(offset + LogIndex(entries.count)))")
        return Array(entries[Int(low - offset)..<Int(high - offset)])
    }
}
