/// The read-only view of stable storage that RaftCore needs. The application owns the storage
/// and writes to it (entries, hard state, snapshots) when it handles a `Ready`; RaftCore only reads.
///
/// The log in storage is `[firstIndex, lastIndex]`; the entry just before `firstIndex` is
/// represented by the latest snapshot, whose index and term `term(at:)` must still answer.
public protocol RaftStorage: AnyObject {
    /// The persisted hard state and membership, read once when a node starts.
    func initialState() -> (hardState: HardState, confState: ConfState)
    /// Entries in `[low, high)`, at most `bytesMax` bytes but always at least one entry.
    /// Throws `.compacted` if `low < firstIndex()`, `.unavailable` if `high > lastIndex() + 1`.
    func entries(from low: LogIndex, to high: LogIndex, bytesMax: Int) throws(RaftError) -> [Entry]
    /// The term of the entry at `index`, for `firstIndex() - 1 ... lastIndex()`.
    func term(at index: LogIndex) throws(RaftError) -> Term
    /// The first index that is still a log entry (the snapshot index plus one).
    func firstIndex() -> LogIndex
    /// The index of the last entry (the snapshot index if the log is empty).
    func lastIndex() -> LogIndex
    /// The most recent snapshot, for sending to a follower that needs compacted entries.
    func snapshot() throws(RaftError) -> Snapshot
}

/// A `RaftStorage` in memory: used by tests and the simulator, and the model of how a durable
/// implementation behaves. Not thread-safe: the owner serializes access.
public final class MemoryStorage: RaftStorage {
    public private(set) var hardState = HardState()
    private var snapshotValue = Snapshot()
    /// `log[0]` is a placeholder for the snapshot position (its index and term); real entries follow.
    private var log: [Entry] = [Entry(term: 0, index: 0)]

    public init() {}

    /// A storage that starts as a member of `voters` (and `learners`) with an empty log.
    public convenience init(voters: [NodeID], learners: [NodeID] = []) {
        self.init()
        snapshotValue.metadata.confState = ConfState(voters: voters, learners: learners)
    }

    public func initialState() -> (hardState: HardState, confState: ConfState) {
        (hardState, snapshotValue.metadata.confState)
    }

    public func entries(from low: LogIndex, to high: LogIndex, bytesMax: Int) throws(RaftError)
        -> [Entry]
    {
        let offset = log[0].index
        guard low > offset else { throw .compacted }
        guard high <= lastIndex() + 1 else { throw .unavailable }
        if log.count == 1 { throw .unavailable }
        return limitSize(Array(log[Int(low - offset)..<Int(high - offset)]), bytesMax: bytesMax)
    }

    public func term(at index: LogIndex) throws(RaftError) -> Term {
        let offset = log[0].index
        guard index >= offset else { throw .compacted }
        guard Int(index - offset) < log.count else { throw .unavailable }
        return log[Int(index - offset)].term
    }

    public func firstIndex() -> LogIndex { log[0].index + 1 }
    public func lastIndex() -> LogIndex { log[0].index + LogIndex(log.count - 1) }
    public func snapshot() throws(RaftError) -> Snapshot { snapshotValue }

    /// Records the hard state handed out in a `Ready`.
    public func setHardState(_ state: HardState) { hardState = state }

    /// Records the membership after applying committed entries (a durable store writes it
    /// together with the applied index).
    public func setConfState(_ confState: ConfState) {
        snapshotValue.metadata.confState = confState
    }

    /// Replaces the whole log with `snapshot` (the follower side of InstallSnapshot).
    public func applySnapshot(_ snapshot: Snapshot) throws(RaftError) {
        guard snapshot.metadata.index > snapshotValue.metadata.index else {
            throw .snapshotOutOfDate
        }
        snapshotValue = snapshot
        log = [Entry(term: snapshot.metadata.term, index: snapshot.metadata.index)]
    }

    /// Makes a snapshot of the application state at `index` (which must be applied already).
    @discardableResult
    public func createSnapshot(index: LogIndex, confState: ConfState, data: [UInt8])
        throws(RaftError) -> Snapshot
    {
        guard index > snapshotValue.metadata.index else { throw .snapshotOutOfDate }
        // `compact(to:)` may have gone past the last snapshot; an index below it has no term.
        guard index >= log[0].index else { throw .compacted }
        precondition(index <= lastIndex(), "snapshot index \(index) beyond last index \(lastIndex())")
        let term = log[Int(index - log[0].index)].term
        snapshotValue = Snapshot(
            metadata: SnapshotMetadata(index: index, term: term, confState: confState), data: data)
        return snapshotValue
    }

    /// Discards entries up to and including `index` (which must be covered by a snapshot
    /// or be applied everywhere that matters).
    public func compact(to index: LogIndex) throws(RaftError) {
        let offset = log[0].index
        guard index > offset else { throw .compacted }
        precondition(index <= lastIndex(), "compact \(index) beyond last index \(lastIndex())")
        let cut = Int(index - offset)
        let placeholder = Entry(term: log[cut].term, index: log[cut].index)
        log = [placeholder] + log[(cut + 1)...]
    }

    /// Appends entries handed out in a `Ready`, dropping any conflicting suffix first.
    public func append(_ entries: [Entry]) {
        guard let first = entries.first else { return }
        let firstKept = firstIndex()
        guard first.index + LogIndex(entries.count) - 1 >= firstKept else { return }
        let fresh = first.index < firstKept ? Array(entries[Int(firstKept - first.index)...]) : entries
        let start = Int(fresh[0].index - log[0].index)
        precondition(start <= log.count, "gap in log: appending \(fresh[0].index) after \(lastIndex())")
        log.removeSubrange(start...)
        log.append(contentsOf: fresh)
    }
}

/// The longest prefix of `entries` within `bytesMax` bytes, but never empty.
func limitSize(_ entries: [Entry], bytesMax: Int) -> [Entry] {
    guard entries.count > 1 else { return entries }
    var total = entries[0].sizeBytes
    var count = 1
    while count < entries.count {
        total += entries[count].sizeBytes
        if total > bytesMax { break }
        count += 1
    }
    return count == entries.count ? entries : Array(entries[..<count])
}
