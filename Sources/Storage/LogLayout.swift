import RaftCore

/// The terms of a contiguous stretch of log, kept as runs: terms change only at elections, so
/// a whole log fits in a few runs and `term(at:)` never has to read the disk.
struct TermRuns: Sendable, Hashable {
    /// First index of each run, ascending; a run ends where the next begins (the last one at
    /// the end of the log).
    private var starts: [LogIndex] = []
    private var terms: [Term] = []

    /// The term at `index`, which must lie in the covered stretch.
    func term(at index: LogIndex) -> Term {
        precondition(!starts.isEmpty && index >= starts[0], "term(at: \(index)) outside the runs")
        var low = 0
        var high = starts.count
        // Find the last run that starts at or before `index`.
        while high - low > 1 {
            let middle = (low + high) / 2
            if starts[middle] <= index { low = middle } else { high = middle }
        }
        return terms[low]
    }

    /// Extends the stretch by the entry at `index`, the index right after the current end.
    mutating func append(index: LogIndex, term: Term) {
        if terms.last == term { return }
        starts.append(index)
        terms.append(term)
    }

    /// Forgets every index from `index` on.
    mutating func removeAll(from index: LogIndex) {
        let kept = starts.firstIndex { $0 >= index } ?? starts.count
        starts.removeSubrange(kept...)
        terms.removeSubrange(kept...)
    }

    /// Forgets every index up to and including `index`; `end` is the last covered index.
    mutating func removeAll(through index: LogIndex, end: LogIndex) {
        guard index < end else {
            self = TermRuns()
            return
        }
        let first = index + 1
        let covering = (starts.lastIndex { $0 <= first }) ?? 0
        starts.removeSubrange(..<covering)
        terms.removeSubrange(..<covering)
        starts[0] = max(starts[0], first)
    }
}

/// The shape of the stored log: the position before it (the snapshot or compaction point), its
/// last index, and every term in between. A cache of what storage holds, rebuilt at open.
struct LogLayout: Sendable, Hashable {
    private(set) var base: LogPosition
    private(set) var lastIndex: LogIndex
    /// The term of the entry at `lastIndex` (the base's term when the log is empty).
    private(set) var lastTerm: Term
    private var terms = TermRuns()

    /// An empty log that starts after `base`.
    init(base: LogPosition) {
        self.base = base
        self.lastIndex = base.index
        self.lastTerm = base.term
    }

    var firstIndex: LogIndex { base.index + 1 }
    var isEmpty: Bool { lastIndex == base.index }

    /// The term at `index`, with `MemoryStorage`'s errors outside `base.index ... lastIndex`.
    func term(at index: LogIndex) throws(RaftError) -> Term {
        guard index >= base.index else { throw .compacted }
        guard index <= lastIndex else { throw .unavailable }
        return knownTerm(at: index)
    }

    /// The term at `index`, which must lie in `base.index ... lastIndex`.
    func knownTerm(at index: LogIndex) -> Term {
        precondition(index >= base.index && index <= lastIndex, "term(at: \(index)) outside the log")
        return index == base.index ? base.term : terms.term(at: index)
    }

    /// Replaces everything from `entries[0].index` on with `entries`, which must start inside
    /// the log or right after it and hold consecutive indexes of non-decreasing terms.
    mutating func replaceSuffix(with entries: [Entry]) {
        guard let first = entries.first else { return }
        precondition(first.index >= firstIndex, "entry \(first.index) is before the first index \(firstIndex)")
        precondition(first.index <= lastIndex + 1, "gap in log: appending \(first.index) after \(lastIndex)")
        terms.removeAll(from: first.index)
        lastIndex = first.index - 1
        lastTerm = knownTerm(at: lastIndex)
        for entry in entries { append(entry) }
    }

    /// Drops every entry up to and including `index`, which then becomes the base.
    mutating func compact(to index: LogIndex) {
        precondition(index > base.index && index <= lastIndex, "compact(to: \(index)) outside the log")
        let term = terms.term(at: index)
        terms.removeAll(through: index, end: lastIndex)
        base = LogPosition(index: index, term: term)
    }

    /// Adds `entry` after the last one: Raft logs have consecutive indexes and terms that never
    /// go down, so anything else is a bug in the caller.
    mutating func append(_ entry: Entry) {
        precondition(entry.index == lastIndex + 1, "entry \(entry.index) does not follow \(lastIndex)")
        precondition(entry.term >= lastTerm, "entry \(entry.index) has term \(entry.term) < \(lastTerm)")
        terms.append(index: entry.index, term: entry.term)
        lastIndex = entry.index
        lastTerm = entry.term
    }
}
