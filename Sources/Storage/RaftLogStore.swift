import RaftCore

/// The durable Raft log, hard state, membership, snapshot and applied index of one node,
/// in the `raft_log` and `raft_meta` column families of a `Database`.
///
/// It answers RaftCore exactly as `MemoryStorage` does (the log is `firstIndex() ... lastIndex()`,
/// the position just before it is the base that `term(at:)` still answers, with the same
/// `.compacted` and `.unavailable` errors) and writes through RocksDB. Storage is the truth:
/// the indexes and terms are cached in memory only so that `term(at:)` and the index queries
/// need no disk read, and the cache changes only after a write succeeded.
///
/// Two deliberate differences from `MemoryStorage`: membership (`initialState().confState`) is
/// what `setApplied` or an installed snapshot last recorded, not the snapshot's metadata; and
/// `snapshot()` returns the stored snapshot unchanged.
///
/// Failure: every write throws on a RocksDB error, and after a thrown write the node must stop
/// (`fatalStorageFailure(_:)`), because whether the write reached the disk is unknown. A read
/// error in the `RaftStorage` methods, which cannot report one, stops the node directly.
///
/// Not thread-safe: one owner (the replica's Ready loop) serializes every call.
public final class RaftLogStore: RaftStorage {
    /// The database the store writes to; the application keeps its own column families there.
    public let database: Database
    /// The hard state last saved.
    public internal(set) var hardState: HardState
    /// The membership last recorded by `setApplied` or an installed snapshot.
    public internal(set) var confState: ConfState
    /// The index of the last entry whose effects the application has stored. When it is below
    /// `snapshotMetadata.index` after a restart, the application restores from `snapshot()`.
    public internal(set) var appliedIndex: LogIndex
    /// Where the stored snapshot sits (index 0 when there is none).
    public internal(set) var snapshotMetadata: SnapshotMetadata
    var layout: LogLayout
    /// The entries written last, served from memory (see `RecentEntries`).
    var recentEntries = RecentEntries(countMax: 8_192, bytesMax: 16 << 20)

    /// At most this many of the entries written last are kept in memory for reading back
    /// (8,192 unless changed; 0 reads every entry from RocksDB).
    public var recentEntriesCountMax: Int {
        get { recentEntries.countMax }
        set {
            precondition(newValue >= 0, "recentEntriesCountMax must not be negative")
            recentEntries.countMax = newValue
            recentEntries.removeAll()
        }
    }

    /// Opens the store in `database`, which must have the `raft_log` and `raft_meta` families.
    /// Verifies every stored entry's checksum and that the indexes run without a gap; damage
    /// throws `StorageError.corruption(index:reason:)` or `.corruptMetadata(record:reason:)`.
    public init(database: Database) throws(StorageError) {
        precondition(
            database.columnFamilies.contains(.raftLog) && database.columnFamilies.contains(.raftMeta),
            "the database at \(database.path) lacks the raft_log or raft_meta column family")
        let stored = try StoredRaftState.load(from: database)
        self.database = database
        self.hardState = stored.hardState
        self.confState = stored.confState
        self.appliedIndex = stored.appliedIndex
        self.snapshotMetadata = stored.snapshotMetadata
        self.layout = stored.layout
    }

    /// Opens (or creates) the database at `path` with the Switchboard column families and the
    /// store in it.
    public convenience init(path: String, options: DatabaseOptions = DatabaseOptions()) throws(StorageError) {
        try self.init(database: Database(path: path, options: options))
    }

    public func initialState() -> (hardState: HardState, confState: ConfState) {
        (hardState, confState)
    }

    public func entries(from low: LogIndex, to high: LogIndex, bytesMax: Int) throws(RaftError) -> [Entry] {
        guard low > layout.base.index else { throw .compacted }
        guard high <= layout.lastIndex + 1 else { throw .unavailable }
        if layout.isEmpty { throw .unavailable }
        precondition(low <= high, "entries(from: \(low), to: \(high)) is an inverted range")
        return readEntries(low..<high, bytesMax: bytesMax)
    }

    public func term(at index: LogIndex) throws(RaftError) -> Term {
        try layout.term(at: index)
    }

    public func firstIndex() -> LogIndex { layout.firstIndex }

    public func lastIndex() -> LogIndex { layout.lastIndex }

    public func snapshot() throws(RaftError) -> Snapshot {
        do {
            guard let bytes = try database.get(RaftKey.snapshot, in: .raftMeta) else { return Snapshot() }
            return try RaftRecord.decodeSnapshot(bytes)
        } catch {
            fatalStorageFailure(error)
        }
    }

    /// The entries at `indexes`, stopping before the one that would make their total size pass
    /// `bytesMax`, but never empty. The layout says they exist, so a missing or damaged one is
    /// a disk failure.
    private func readEntries(_ indexes: Range<LogIndex>, bytesMax: Int) -> [Entry] {
        guard !indexes.isEmpty else { return [] }
        if let recent = recentEntries.entries(indexes, bytesMax: bytesMax) { return recent }
        do {
            let range = KeyRange(from: RaftKey.entry(indexes.lowerBound), to: RaftKey.entry(indexes.upperBound))
            let iterator = try database.iterator(in: .raftLog, range: range)
            var entries: [Entry] = []
            var totalBytes = 0
            for index in indexes {
                guard iterator.isValid else {
                    throw StorageError.corruption(index: index, reason: "missing from storage")
                }
                let entry = try StoredRaftState.verifiedEntry(key: iterator.key, value: iterator.value, expected: index)
                totalBytes += entry.sizeBytes
                if !entries.isEmpty && totalBytes > bytesMax { break }
                entries.append(entry)
                try iterator.next()
            }
            return entries
        } catch {
            fatalStorageFailure(error)
        }
    }
}

/// The store's caches are unsynchronized; its single owner serializes every call.
@available(*, unavailable)
extension RaftLogStore: Sendable {}
