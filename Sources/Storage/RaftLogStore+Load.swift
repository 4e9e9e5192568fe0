import RaftCore

/// Everything the Raft store keeps, read and verified at open.
struct StoredRaftState {
    var hardState: HardState
    var confState: ConfState
    var appliedIndex: LogIndex
    var snapshotMetadata: SnapshotMetadata
    var layout: LogLayout

    /// Reads every Raft record and checks every log entry, so damage is reported now, as a
    /// `StorageError`, and not later as a wrong answer.
    static func load(from database: Database) throws(StorageError) -> StoredRaftState {
        let hardState = try readRecord(RaftKey.hardState, "hard_state", in: database, RaftRecord.decodeHardState)
        let confState = try readRecord(RaftKey.confState, "conf_state", in: database, RaftRecord.decodeConfState)
        let applied = try readRecord(RaftKey.appliedIndex, "applied_index", in: database, RaftRecord.decodeAppliedIndex)
        let snapshot = try readRecord(RaftKey.snapshot, "snapshot", in: database, RaftRecord.decodeSnapshot)
        let base = try readRecord(RaftKey.logBase, "log_base", in: database, RaftRecord.decodeLogPosition)
        let layout = try verifiedLog(in: database, base: base ?? LogPosition(index: 0, term: 0))
        let state = StoredRaftState(
            hardState: hardState ?? HardState(), confState: confState ?? ConfState(),
            appliedIndex: applied ?? 0, snapshotMetadata: snapshot?.metadata ?? SnapshotMetadata(),
            layout: layout)
        try state.checkCommitIsStored()
        return state
    }

    /// A committed index past the last stored entry means the log lost its tail: Raft stores
    /// entries no later than (and in the same synced batch as, at the latest) the hard state
    /// that commits them.
    private func checkCommitIsStored() throws(StorageError) {
        guard hardState.commit > layout.lastIndex else { return }
        throw .corruption(
            index: layout.lastIndex + 1,
            reason: "missing: the hard state commits up to \(hardState.commit) but the log ends at \(layout.lastIndex)")
    }

    private static func readRecord<Record>(
        _ key: [UInt8], _ name: String, in database: Database,
        _ decode: ([UInt8]) throws(RecordDecodingFailure) -> Record
    ) throws(StorageError) -> Record? {
        guard let bytes = try database.get(key, in: .raftMeta) else { return nil }
        do {
            return try decode(bytes)
        } catch {
            throw .corruptMetadata(record: name, reason: error.reason)
        }
    }

    /// The layout of the stored log after checking that its entries run without a gap from
    /// just after `base`, each intact, with terms that never go down.
    private static func verifiedLog(in database: Database, base: LogPosition) throws(StorageError) -> LogLayout {
        var layout = LogLayout(base: base)
        let iterator = try database.iterator(in: .raftLog)
        while iterator.isValid {
            let entry = try verifiedEntry(key: iterator.key, value: iterator.value, expected: layout.lastIndex + 1)
            guard entry.term >= layout.lastTerm else {
                throw .corruption(
                    index: entry.index,
                    reason: "term \(entry.term) is lower than the term \(layout.lastTerm) before it")
            }
            layout.append(entry)
            try iterator.next()
        }
        return layout
    }

    /// Decodes the stored entry that should be at index `expected`.
    static func verifiedEntry(key: [UInt8], value: [UInt8], expected: LogIndex) throws(StorageError) -> Entry {
        guard let index = RaftKey.index(ofEntryKey: key) else {
            throw .corruption(index: expected, reason: "a key of \(key.count) bytes is not a log index")
        }
        guard index >= expected else {
            throw .corruption(index: index, reason: "entry lies at or before the log base \(expected - 1)")
        }
        guard index == expected else {
            throw .corruption(index: expected, reason: "missing: the next stored entry is \(index)")
        }
        let entry: Entry
        do {
            entry = try RaftRecord.decodeEntry(value)
        } catch {
            throw .corruption(index: index, reason: error.reason)
        }
        guard entry.index == index else {
            throw .corruption(index: index, reason: "the record holds index \(entry.index)")
        }
        return entry
    }
}
