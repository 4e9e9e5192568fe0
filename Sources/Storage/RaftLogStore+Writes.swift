import RaftCore

extension RaftLogStore {
    /// Persists the durable part of a Raft `Ready` in one atomic RocksDB write batch: first the
    /// snapshot, then the entries, then the hard state.
    ///
    /// - A snapshot replaces the whole log (as `MemoryStorage.applySnapshot` does): every stored
    ///   entry is deleted and the snapshot position becomes the log base. RaftCore hands over a
    ///   snapshot only when its log does not hold the snapshot's last entry.
    /// - Entries overwrite the stored log from their first index on, and stored entries past the
    ///   new last index are deleted (a conflicting suffix is truncated). Entries before
    ///   `firstIndex()` are skipped. They must follow the log without a gap.
    ///
    /// - Parameter sync: fsync before returning; required whenever the Ready says the write
    ///   must be durable before messages are sent.
    /// - Throws: `.rejected(.snapshotOutOfDate)` for a snapshot not newer than the stored one
    ///   (nothing written), or a RocksDB error. After a RocksDB error the caller must stop the
    ///   node (`fatalStorageFailure(_:)`): the write may or may not be on disk.
    public func save(hardState: HardState?, entries: [Entry], snapshot: Snapshot?, sync: Bool) throws(StorageError) {
        var batch = WriteBatch()
        var next = layout
        if let snapshot {
            guard snapshot.metadata.index > snapshotMetadata.index else { throw .rejected(.snapshotOutOfDate) }
            addInstall(of: snapshot, layout: &next, to: &batch)
        }
        let fresh = addAppend(of: entries, layout: &next, to: &batch)
        if let hardState {
            batch.put(RaftKey.hardState, RaftRecord.encode(hardState), in: .raftMeta)
        }
        guard !batch.isEmpty else { return }
        try database.write(batch, sync: sync)
        layout = next
        if let snapshot {
            snapshotMetadata = snapshot.metadata
            confState = snapshot.metadata.confState
            recentEntries.removeAll()
        }
        recentEntries.written(fresh)
        if let hardState { self.hardState = hardState }
    }

    /// Records that the application applied every entry up to `index`, with the membership in
    /// force there, in the same atomic batch as `stateChanges`, the application's own writes
    /// for those entries. So after a crash the applied index and the state always agree.
    ///
    /// A replica may apply committed entries that are already on disk before it saves the
    /// Ready that made them committed (so their answers need not wait for that Ready's fsync).
    /// The stored commit index is then behind: this batch raises it to `index` with the stored
    /// term and vote, so a restart never finds more applied than committed. Entries up to
    /// `index` are committed (they were applied) and stored (the precondition), so that commit
    /// is true and in range.
    ///
    /// - Parameter stateChanges: writes to the application's column families (never `raft_log`
    ///   or `raft_meta`).
    /// - Parameter sync: fsync before returning. Not needed for safety (lost applies are
    ///   replayed from the log), only to bound the replay after a power loss.
    /// - Throws: a RocksDB error; the caller must then stop the node.
    public func setApplied(
        _ index: LogIndex, confState: ConfState, stateChanges: WriteBatch = WriteBatch(), sync: Bool = false
    ) throws(StorageError) {
        precondition(index >= appliedIndex, "applied index moves back from \(appliedIndex) to \(index)")
        precondition(index <= layout.lastIndex, "applied index \(index) beyond the stored log (\(layout.lastIndex))")
        precondition(
            stateChanges.operations.allSatisfy { $0.columnFamily != .raftLog && $0.columnFamily != .raftMeta },
            "application state changes must not write the Raft column families")
        var batch = stateChanges
        batch.put(RaftKey.appliedIndex, RaftRecord.encode(appliedIndex: index), in: .raftMeta)
        batch.put(RaftKey.confState, RaftRecord.encode(confState), in: .raftMeta)
        var raised = hardState
        if index > raised.commit {
            raised.commit = index
            batch.put(RaftKey.hardState, RaftRecord.encode(raised), in: .raftMeta)
        }
        try database.write(batch, sync: sync)
        appliedIndex = index
        hardState = raised
        self.confState = confState
    }

    /// Stores a snapshot of the application state at `index` (already applied, not compacted)
    /// with the membership in force there. The log is left as it is; call `compact(to:)` next.
    ///
    /// - Throws: `.rejected(.snapshotOutOfDate)` when `index` is not past the stored snapshot,
    ///   or a RocksDB error (the caller must then stop the node).
    @discardableResult
    public func createSnapshot(index: LogIndex, confState: ConfState, data: [UInt8]) throws(StorageError) -> Snapshot {
        guard index > snapshotMetadata.index else { throw .rejected(.snapshotOutOfDate) }
        precondition(index <= layout.lastIndex, "snapshot index \(index) beyond last index \(layout.lastIndex)")
        precondition(index >= layout.base.index, "snapshot index \(index) is compacted (base \(layout.base.index))")
        let term = layout.knownTerm(at: index)
        let snapshot = Snapshot(
            metadata: SnapshotMetadata(index: index, term: term, confState: confState), data: data)
        try database.put(RaftKey.snapshot, RaftRecord.encode(snapshot), in: .raftMeta)
        snapshotMetadata = snapshot.metadata
        return snapshot
    }

    /// Deletes the entries up to and including `index` (with one range tombstone) and makes
    /// `index` the log base. Not synced: if a crash loses it the entries are merely still there.
    ///
    /// - Throws: `.rejected(.compacted)` when `index` is not past the base, or a RocksDB error
    ///   (the caller must then stop the node).
    public func compact(to index: LogIndex) throws(StorageError) {
        guard index > layout.base.index else { throw .rejected(.compacted) }
        precondition(index <= layout.lastIndex, "compact \(index) beyond last index \(layout.lastIndex)")
        var next = layout
        next.compact(to: index)
        var batch = WriteBatch()
        batch.deleteRange(from: RaftKey.entry(layout.firstIndex), to: RaftKey.entry(index + 1), in: .raftLog)
        batch.put(RaftKey.logBase, RaftRecord.encode(next.base), in: .raftMeta)
        try database.write(batch, sync: false)
        layout = next
        recentEntries.compacted(through: index)
    }

    private func addInstall(of snapshot: Snapshot, layout: inout LogLayout, to batch: inout WriteBatch) {
        if !layout.isEmpty {
            batch.deleteRange(
                from: RaftKey.entry(layout.firstIndex), to: RaftKey.entry(layout.lastIndex + 1), in: .raftLog)
        }
        let base = LogPosition(index: snapshot.metadata.index, term: snapshot.metadata.term)
        batch.put(RaftKey.snapshot, RaftRecord.encode(snapshot), in: .raftMeta)
        batch.put(RaftKey.logBase, RaftRecord.encode(base), in: .raftMeta)
        batch.put(RaftKey.confState, RaftRecord.encode(snapshot.metadata.confState), in: .raftMeta)
        layout = LogLayout(base: base)
    }

    /// Adds the entries that are not compacted away to `batch` and returns them.
    private func addAppend(of entries: [Entry], layout: inout LogLayout, to batch: inout WriteBatch) -> [Entry] {
        guard let first = entries.first else { return [] }
        let skipped = layout.firstIndex > first.index ? Int(clamping: layout.firstIndex - first.index) : 0
        let fresh = Array(entries.dropFirst(skipped))
        guard !fresh.isEmpty else { return [] }
        let previousLast = layout.lastIndex
        layout.replaceSuffix(with: fresh)
        for entry in fresh {
            batch.put(RaftKey.entry(entry.index), RaftRecord.encode(entry), in: .raftLog)
        }
        if previousLast > layout.lastIndex {
            batch.deleteRange(
                from: RaftKey.entry(layout.lastIndex + 1), to: RaftKey.entry(previousLast + 1), in: .raftLog)
        }
        return fresh
    }
}
