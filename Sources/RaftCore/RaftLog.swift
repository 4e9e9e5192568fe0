/// The log as one node sees it: stable entries in the application's storage, followed by the
/// unstable entries RaftCore holds until they are persisted; plus the commit and apply marks.
struct RaftLog {
    let storage: any RaftStorage
    var unstable: Unstable
    /// The highest index known to be stored on a quorum.
    var committed: LogIndex
    /// The highest index the application has applied.
    var applied: LogIndex
    /// The highest index handed out for applying in a Ready not yet advanced.
    var applying: LogIndex
    /// Byte limit for the committed entries of one Ready.
    let committedBytesMax: Int

    init(storage: any RaftStorage, committedBytesMax: Int) {
        self.storage = storage
        let lastIndex = storage.lastIndex()
        unstable = Unstable(offset: lastIndex + 1)
        committed = storage.firstIndex() - 1
        applied = committed
        applying = committed
        self.committedBytesMax = committedBytesMax
    }

    func firstIndex() -> LogIndex {
        unstable.maybeFirstIndex() ?? storage.firstIndex()
    }

    func lastIndex() -> LogIndex {
        unstable.maybeLastIndex() ?? storage.lastIndex()
    }

    func term(_ index: LogIndex) throws(RaftError) -> Term {
        guard index + 1 >= firstIndex() else { throw .compacted }
        guard index <= lastIndex() else { throw .unavailable }
        if let term = unstable.maybeTerm(index) { return term }
        return try storage.term(at: index)
    }

    /// The term at `index`, or 0 if it is compacted or not present.
    func termOrZero(_ index: LogIndex) -> Term {
        (try? term(index)) ?? 0
    }

    func lastTerm() -> Term {
        do {
            return try term(lastIndex())
        } catch {
            preconditionFailure("the last entry's term must always be known: \(error)")
        }
    }

    func matchTerm(_ index: LogIndex, _ term: Term) -> Bool {
        guard let found = try? self.term(index) else { return false }
        return found == term
    }

    /// Whether a log ending at (`index`, `term`) is at least as up to date as this one (§5.4.1).
    func isUpToDate(index: LogIndex, term: Term) -> Bool {
        term > lastTerm() || (term == lastTerm() && index >= lastIndex())
    }

    /// Appends `entries` that follow (`index`, `logTerm`) if the logs match there.
    /// Returns the index of the last new entry, or nil when the logs do not match.
    mutating func maybeAppend(
        index: LogIndex, logTerm: Term, committed leaderCommit: LogIndex, entries: [Entry]
    ) -> LogIndex? {
        guard matchTerm(index, logTerm) else { return nil }
        let lastNew = index + LogIndex(entries.count)
        let conflict = findConflict(entries)
        if conflict != 0 {
            precondition(conflict > committed,
                "entry \(conflict) conflicts with committed entry (committed \(committed))")
            append(Array(entries[Int(conflict - (index + 1))...]))
        }
        commitTo(min(leaderCommit, lastNew))
        return lastNew
    }

    @discardableResult
    mutating func append(_ entries: [Entry]) -> LogIndex {
        guard let first = entries.first else { return lastIndex() }
        precondition(first.index > committed,
            "appending at \(first.index) would overwrite committed \(committed)")
        unstable.truncateAndAppend(entries)
        return lastIndex()
    }

    /// The index of the first entry whose term differs from ours, or 0 if all match
    /// (entries beyond our last index count as differing).
    func findConflict(_ entries: [Entry]) -> LogIndex {
        for entry in entries where !matchTerm(entry.index, entry.term) {
            return entry.index
        }
        return 0
    }

    /// The largest index at or below `index` whose term is at most `term`, with that term.
    /// Used by the leader to skip a whole term of mismatching entries in one round trip.
    func findConflictByTerm(index: LogIndex, term: Term) -> (index: LogIndex, term: Term) {
        var candidate = min(index, lastIndex())
        while true {
            guard let found = try? self.term(candidate) else { return (candidate, 0) }
            if found <= term || candidate == 0 { return (candidate, found) }
            candidate -= 1
        }
    }

    mutating func commitTo(_ index: LogIndex) {
        guard index > committed else { return }
        precondition(index <= lastIndex(),
            "commit \(index) is beyond the last index \(lastIndex()); the log is corrupt or truncated")
        committed = index
    }

    /// Commits `index` if it belongs to `term` (a leader only commits current-term entries by
    /// counting; earlier ones commit with them — Raft §5.4.2, the Figure 8 rule).
    mutating func maybeCommit(index: LogIndex, term: Term) -> Bool {
        guard index > committed, termOrZero(index) == term else { return false }
        commitTo(index)
        return true
    }

    mutating func appliedTo(_ index: LogIndex) {
        guard index != 0 else { return }
        precondition(index <= committed && index >= applied,
            "applied \(index) outside [\(applied), \(committed)]")
        applied = index
        applying = max(applying, index)
    }

    func hasNextCommittedEntries() -> Bool {
        committed > max(applied, applying) && max(applied, applying) + 1 >= firstIndex()
    }

    /// Committed entries not yet handed out for applying, within the byte limit.
    func nextCommittedEntries() -> [Entry] {
        guard hasNextCommittedEntries() else { return [] }
        let low = max(applied, applying) + 1
        do {
            return try slice(low, committed + 1, bytesMax: committedBytesMax)
        } catch {
            preconditionFailure("committed entries [\(low), \(committed)] unreadable: \(error)")
        }
    }

    func entries(from index: LogIndex, bytesMax: Int) throws(RaftError) -> [Entry] {
        guard index <= lastIndex() else { return [] }
        return try slice(index, lastIndex() + 1, bytesMax: bytesMax)
    }

    /// Entries in `[low, high)` from storage and the unstable part, within `bytesMax`.
    func slice(_ low: LogIndex, _ high: LogIndex, bytesMax: Int) throws(RaftError) -> [Entry] {
        guard low < high else { return [] }
        guard low >= firstIndex() else { throw .compacted }
        guard high <= lastIndex() + 1 else { throw .unavailable }
        var result: [Entry] = []
        if low < unstable.offset {
            let stored = try storage.entries(
                from: low, to: min(high, unstable.offset), bytesMax: bytesMax)
            if LogIndex(stored.count) < min(high, unstable.offset) - low {
                return stored  // the byte limit cut the stored part short
            }
            result = stored
        }
        if high > unstable.offset {
            result += unstable.slice(max(low, unstable.offset), high)
        }
        return limitSize(result, bytesMax: bytesMax)
    }

    func snapshot() throws(RaftError) -> Snapshot {
        if let snapshot = unstable.snapshot { return snapshot }
        return try storage.snapshot()
    }

    mutating func restore(_ snapshot: Snapshot) {
        committed = snapshot.metadata.index
        applying = max(applying, committed)
        unstable.restore(snapshot)
    }
}
