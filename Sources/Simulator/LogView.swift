import RaftCore

/// One node's whole log at the moment it hands out a `Ready`: stable storage overlaid with the
/// Ready's snapshot and entries. Every earlier Ready was persisted before this one was taken,
/// so nothing of the log is missing from the view.
public struct LogView {
    let storage: MemoryStorage
    let snapshot: Snapshot?
    let entries: [Entry]

    /// The log held by `storage` once `snapshot` and `entries` are written to it.
    public init(storage: MemoryStorage, snapshot: Snapshot? = nil, entries: [Entry] = []) {
        self.storage = storage
        self.snapshot = snapshot
        self.entries = entries
    }

    /// The first index that is still an entry (older ones are covered by a snapshot).
    public var firstIndex: LogIndex {
        if let snapshot { return snapshot.metadata.index + 1 }
        return storage.firstIndex()
    }

    /// The index of the last entry (the snapshot index if no entry follows it).
    public var lastIndex: LogIndex {
        if let last = entries.last { return last.index }
        if let snapshot { return snapshot.metadata.index }
        return storage.lastIndex()
    }

    /// The term at `index`, or nil if it is compacted or beyond the end.
    public func term(at index: LogIndex) -> Term? {
        if let first = entries.first, index >= first.index {
            let offset = Int(index - first.index)
            return offset < entries.count ? entries[offset].term : nil
        }
        if let snapshot {
            return index == snapshot.metadata.index ? snapshot.metadata.term : nil
        }
        return try? storage.term(at: index)
    }
}
