import RaftCore

/// The history every checker compares against: who led each term, every entry any log ever
/// held, and what was applied at each index. Each method checks one event as it happens and
/// throws the first violation it finds.
public struct SafetyChecker: Sendable {
    struct Position: Hashable, Sendable {
        var index: LogIndex
        var term: Term
    }

    struct LoggedEntry: Sendable {
        var kind: EntryKind
        var data: [UInt8]
        /// The term of the entry before it in the log that held it (nil when compacted there).
        var previousTerm: Term?
        var node: NodeID
    }

    struct AppliedEntry: Sendable {
        var term: Term
        var kind: EntryKind
        var data: [UInt8]
        /// The machine digest after applying it.
        var digest: UInt64
        var node: NodeID
        /// The term of the node that applied it first. The leader that committed the entry
        /// led a term no later than this, so every leader of a later term must hold it.
        var committedTermMax: Term
    }

    private var leaderOfTerm: [Term: NodeID] = [:]
    private var loggedEntries: [Position: LoggedEntry] = [:]
    /// The entry applied at index `i` is at `i - 1`.
    private var appliedEntries: [AppliedEntry?] = []
    private var indexOfValue: [UInt64: LogIndex] = [:]
    /// The highest index of an acknowledged proposal: a read issued now must return at least it.
    public private(set) var acknowledgedIndexMax: LogIndex = 0
    /// A checker with an empty history.
    public init() {}

    /// The highest index any node has applied: everything up to it is committed.
    public var appliedIndexMax: LogIndex { LogIndex(appliedEntries.count) }

    // MARK: - Election safety

    /// `node` became leader of `term`.
    public mutating func leaderElected(node: NodeID, term: Term) throws(Violation) {
        if let other = leaderOfTerm[term], other != node {
            throw Violation(.electionSafety, "nodes \(other) and \(node) both lead term \(term)")
        }
        leaderOfTerm[term] = node
    }

    // MARK: - Log matching

    /// `node` appended `entry` after an entry of `previousTerm` (nil if that one is compacted).
    public mutating func entryAppended(_ entry: Entry, previousTerm: Term?, node: NodeID)
        throws(Violation)
    {
        let position = Position(index: entry.index, term: entry.term)
        guard let known = loggedEntries[position] else {
            loggedEntries[position] = LoggedEntry(
                kind: entry.kind, data: entry.data, previousTerm: previousTerm, node: node)
            return
        }
        if known.kind != entry.kind || known.data != entry.data {
            throw Violation(.logMatching,
                "entry \(entry.index) of term \(entry.term) differs between nodes \(known.node) and \(node)")
        }
        if let expected = known.previousTerm, let previousTerm, expected != previousTerm {
            throw Violation(.logMatching,
                "entry \(entry.index) of term \(entry.term) follows term \(expected) on node \(known.node) but term \(previousTerm) on node \(node)")
        }
        if known.previousTerm == nil, previousTerm != nil {
            loggedEntries[position]?.previousTerm = previousTerm
        }
    }

    // MARK: - State machine safety and exactly-once

    /// `node`, in `nodeTerm`, applied `entry`, reaching `digest`.
    public mutating func entryApplied(
        _ entry: Entry, digest: UInt64, node: NodeID, nodeTerm: Term
    ) throws(Violation) {
        let slot = Int(entry.index) - 1
        if slot < appliedEntries.count, let known = appliedEntries[slot] {
            try compare(known, with: entry, digest: digest, node: node)
            return
        }
        if let value = ClientValue.decode(entry) {
            if let first = indexOfValue[value], first != entry.index {
                throw Violation(.exactlyOnce,
                    "value \(value) applied at index \(first) and again at \(entry.index) by node \(node)")
            }
            indexOfValue[value] = entry.index
        }
        while appliedEntries.count <= slot { appliedEntries.append(nil) }
        appliedEntries[slot] = AppliedEntry(
            term: entry.term, kind: entry.kind, data: entry.data, digest: digest, node: node,
            committedTermMax: nodeTerm)
    }

    private func compare(_ known: AppliedEntry, with entry: Entry, digest: UInt64, node: NodeID)
        throws(Violation)
    {
        if known.term != entry.term || known.kind != entry.kind || known.data != entry.data {
            throw Violation(.stateMachineSafety,
                "index \(entry.index): node \(known.node) applied an entry of term \(known.term), node \(node) one of term \(entry.term) with other data")
        }
        if known.digest != digest {
            throw Violation(.stateMachineSafety,
                "index \(entry.index): node \(node) applied the same entry as node \(known.node) on top of a different state")
        }
    }

    /// `node` replaced its state with a snapshot at `index` whose machine digest is `digest`.
    public func snapshotRestored(index: LogIndex, digest: UInt64, node: NodeID) throws(Violation) {
        let slot = Int(index) - 1
        guard slot >= 0, slot < appliedEntries.count, let known = appliedEntries[slot] else { return }
        if known.digest != digest {
            throw Violation(.stateMachineSafety,
                "node \(node) installed a snapshot at \(index) whose state differs from what node \(known.node) applied")
        }
    }

    /// The proposal `value` was acknowledged to its client: it was applied at `index`.
    public mutating func proposalAcknowledged(value: UInt64, index: LogIndex) throws(Violation) {
        guard indexOfValue[value] == index else {
            throw Violation(.exactlyOnce, "value \(value) acknowledged at \(index) but not applied there")
        }
        acknowledgedIndexMax = max(acknowledgedIndexMax, index)
    }

    /// A live member reached `appliedIndex` at the end of the run: it must hold every
    /// acknowledged proposal.
    public func checkHoldsAcknowledged(node: NodeID, appliedIndex: LogIndex) throws(Violation) {
        if appliedIndex < acknowledgedIndexMax {
            throw Violation(.exactlyOnce,
                "node \(node) applied only up to \(appliedIndex) but proposals up to \(acknowledgedIndexMax) were acknowledged")
        }
    }

    // MARK: - Leader completeness

    /// `node`, elected leader of `term` when everything up to `committedIndex` was committed,
    /// must hold in `log` every entry that was committed in an earlier term. (A candidate
    /// whose votes arrive late may lead an old term after later terms committed more.)
    public func checkLeaderCompleteness(
        node: NodeID, term: Term, committedIndex: LogIndex, log: LogView
    ) throws(Violation) {
        let low = max(log.firstIndex, 1)
        guard low <= committedIndex else { return }
        for index in low...committedIndex {
            guard let known = appliedEntries[Int(index) - 1], known.committedTermMax < term else {
                continue
            }
            let held = log.term(at: index)
            if held != known.term {
                throw Violation(.leaderCompleteness,
                    "leader \(node) of term \(term) holds term \(held.map(String.init) ?? "none") at \(index) where an entry of term \(known.term) was committed")
            }
        }
    }

    // MARK: - Linearizable reads

    /// A read issued when `requiredIndex` was the highest acknowledged write got `readIndex`.
    public func checkRead(node: NodeID, readIndex: LogIndex, requiredIndex: LogIndex) throws(Violation) {
        if readIndex < requiredIndex {
            throw Violation(.linearizableRead,
                "node \(node) got read index \(readIndex) for a read issued after a write at \(requiredIndex) was acknowledged")
        }
    }
}
