import RaftCore

/// An index and the term of the entry there.
struct LogPosition: Sendable, Hashable {
    var index: LogIndex
    var term: Term
}

/// Keys of the Raft store in its two column families.
enum RaftKey {
    /// A log entry's key: its index, 8 bytes big-endian, so key order is index order.
    static func entry(_ index: LogIndex) -> [UInt8] {
        var writer = ByteWriter(capacity: 8)
        writer.append(index)
        return writer.bytes
    }

    /// The index an entry key names, or `nil` for a key of the wrong size.
    static func index(ofEntryKey key: [UInt8]) -> LogIndex? {
        guard key.count == 8 else { return nil }
        var reader = ByteReader(key[...])
        return try? reader.readUInt64()
    }

    static let hardState = Array("hard_state".utf8)
    static let confState = Array("conf_state".utf8)
    static let appliedIndex = Array("applied_index".utf8)
    static let snapshot = Array("snapshot".utf8)
    /// Index and term of the position just before the first stored entry (the snapshot or
    /// compaction point), which `term(at:)` must still answer after the entry is gone.
    static let logBase = Array("log_base".utf8)
}

/// The versioned, checksummed encodings of the Raft records (layouts of format version 1).
enum RaftRecord {
    /// index, term, kind, data: the 17-byte `Entry.headerBytes` header, then the payload.
    static func encode(_ entry: Entry) -> [UInt8] {
        RecordFrame.seal(payloadBytesExpected: Entry.headerBytes + entry.data.count) { writer in
            writer.append(entry.index)
            writer.append(entry.term)
            writer.append(entry.kind.rawValue)
            writer.append(contentsOf: entry.data)
        }
    }

    static func decodeEntry(_ bytes: [UInt8]) throws(RecordDecodingFailure) -> Entry {
        var reader = try RecordFrame.open(bytes)
        let index = try reader.readUInt64()
        let term = try reader.readUInt64()
        let kindByte = try reader.readUInt8()
        guard let kind = EntryKind(rawValue: kindByte) else {
            throw RecordDecodingFailure(reason: "unknown entry kind \(kindByte)")
        }
        return Entry(term: term, index: index, kind: kind, data: reader.readRemaining())
    }

    /// term, vote, commit.
    static func encode(_ state: HardState) -> [UInt8] {
        RecordFrame.seal { writer in
            writer.append(state.term)
            writer.append(state.vote)
            writer.append(state.commit)
        }
    }

    static func decodeHardState(_ bytes: [UInt8]) throws(RecordDecodingFailure) -> HardState {
        var reader = try RecordFrame.open(bytes)
        let state = HardState(term: try reader.readUInt64(), vote: try reader.readUInt64(), commit: try reader.readUInt64())
        try reader.expectEnd()
        return state
    }

    static func encode(_ confState: ConfState) -> [UInt8] {
        RecordFrame.seal { writer in writeConfState(confState, to: &writer) }
    }

    static func decodeConfState(_ bytes: [UInt8]) throws(RecordDecodingFailure) -> ConfState {
        var reader = try RecordFrame.open(bytes)
        let confState = try readConfState(from: &reader)
        try reader.expectEnd()
        return confState
    }

    static func encode(appliedIndex: LogIndex) -> [UInt8] {
        RecordFrame.seal { $0.append(appliedIndex) }
    }

    static func decodeAppliedIndex(_ bytes: [UInt8]) throws(RecordDecodingFailure) -> LogIndex {
        var reader = try RecordFrame.open(bytes)
        let index = try reader.readUInt64()
        try reader.expectEnd()
        return index
    }

    static func encode(_ position: LogPosition) -> [UInt8] {
        RecordFrame.seal { writer in
            writer.append(position.index)
            writer.append(position.term)
        }
    }

    static func decodeLogPosition(_ bytes: [UInt8]) throws(RecordDecodingFailure) -> LogPosition {
        var reader = try RecordFrame.open(bytes)
        let position = LogPosition(index: try reader.readUInt64(), term: try reader.readUInt64())
        try reader.expectEnd()
        return position
    }

    /// index, term, membership, then the application's data to the end.
    static func encode(_ snapshot: Snapshot) -> [UInt8] {
        RecordFrame.seal(payloadBytesExpected: 64 + snapshot.data.count) { writer in
            writer.append(snapshot.metadata.index)
            writer.append(snapshot.metadata.term)
            writeConfState(snapshot.metadata.confState, to: &writer)
            writer.append(contentsOf: snapshot.data)
        }
    }

    static func decodeSnapshot(_ bytes: [UInt8]) throws(RecordDecodingFailure) -> Snapshot {
        var reader = try RecordFrame.open(bytes)
        let index = try reader.readUInt64()
        let term = try reader.readUInt64()
        let confState = try readConfState(from: &reader)
        return Snapshot(
            metadata: SnapshotMetadata(index: index, term: term, confState: confState),
            data: reader.readRemaining())
    }

    /// voter count, voters, learner count, learners; counts are 4 bytes, ids 8.
    private static func writeConfState(_ confState: ConfState, to writer: inout ByteWriter) {
        for members in [confState.voters, confState.learners] {
            writer.append(UInt32(members.count))
            members.forEach { writer.append($0) }
        }
    }

    private static func readConfState(from reader: inout ByteReader) throws(RecordDecodingFailure) -> ConfState {
        let voters = try readNodeIDs(from: &reader)
        let learners = try readNodeIDs(from: &reader)
        return ConfState(voters: voters, learners: learners)
    }

    private static func readNodeIDs(from reader: inout ByteReader) throws(RecordDecodingFailure) -> [NodeID] {
        let count = Int(try reader.readUInt32())
        // Check the count against what is there before allocating, so a damaged count cannot
        // ask for gigabytes.
        guard count * 8 <= reader.remainingCount else {
            throw RecordDecodingFailure(reason: "member count \(count) exceeds the record")
        }
        var ids: [NodeID] = []
        ids.reserveCapacity(count)
        for _ in 0..<count { ids.append(try reader.readUInt64()) }
        return ids
    }
}
