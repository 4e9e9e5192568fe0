import RaftCore

/// The explicit binary encoding of `RaftCore.Message`, versioned with the peer protocol.
///
/// Layout of version 1, all integers big-endian:
///
///     u8 kind | u64 from | u64 to | u64 term | u64 logTerm | u64 index | u64 commit
///     u8 reject | u64 rejectHint | u32 n, n bytes context
///     u32 entry count, each: u64 term | u64 index | u8 kind | u32 n, n bytes data
///     u8 has snapshot, if 1: u64 index | u64 term
///         | u32 n, n × u64 voters | u32 n, n × u64 learners | u32 n, n bytes data
///
/// The encoding is canonical: decoding accepts exactly the bytes `encode` can produce, so a
/// decoded message always encodes back to the bytes it came from.
public enum MessageCodec {
    /// The encoding version `encode` writes.
    public static let currentVersion: UInt8 = 1

    /// The encoding of `message` in the current version.
    public static func encode(_ message: Message) -> [UInt8] {
        var writer = WireWriter(capacity: message.sizeBytes + 64)
        writeHeader(message, to: &writer)
        writer.write(lengthPrefixed: message.context)
        writeEntries(message.entries, to: &writer)
        writeSnapshot(message.snapshot, to: &writer)
        return writer.bytes
    }

    /// Decodes a message written in encoding `version`, validating every field.
    public static func decode(_ bytes: [UInt8], version: UInt8 = currentVersion) throws(PayloadError)
        -> Message
    {
        guard version == 1 else { throw .unsupportedVersion(version) }
        var reader = WireReader(bytes)
        var message = try readHeader(from: &reader)
        message.context = try reader.readLengthPrefixed()
        message.entries = try readEntries(from: &reader)
        message.snapshot = try readSnapshot(from: &reader)
        try reader.expectEnd()
        return message
    }

    private static func writeHeader(_ message: Message, to writer: inout WireWriter) {
        writer.write(message.kind.rawValue)
        for field in [message.from, message.to, message.term, message.logTerm, message.index, message.commit] {
            writer.write(field)
        }
        writer.write(flag: message.reject)
        writer.write(message.rejectHint)
    }

    private static func readHeader(from reader: inout WireReader) throws(PayloadError) -> Message {
        let rawKind = try reader.read(UInt8.self)
        guard let kind = MessageKind(rawValue: rawKind) else { throw .unknownMessageKind(rawKind) }
        return Message(
            kind: kind, from: try reader.read(UInt64.self), to: try reader.read(UInt64.self),
            term: try reader.read(UInt64.self), logTerm: try reader.read(UInt64.self),
            index: try reader.read(UInt64.self), commit: try reader.read(UInt64.self),
            reject: try reader.readFlag(), rejectHint: try reader.read(UInt64.self))
    }

    /// Term, index, kind and the data's u32 count: the least an entry can take on the wire.
    private static let entryBytesMin = 21

    private static func writeEntries(_ entries: [Entry], to writer: inout WireWriter) {
        precondition(entries.count <= Int(UInt32.max), "more entries than a u32 count can frame")
        writer.write(UInt32(entries.count))
        for entry in entries {
            writer.write(entry.term)
            writer.write(entry.index)
            writer.write(entry.kind.rawValue)
            writer.write(lengthPrefixed: entry.data)
        }
    }

    private static func readEntries(from reader: inout WireReader) throws(PayloadError) -> [Entry] {
        let count = try reader.readCount(elementBytesMin: entryBytesMin)
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let term = try reader.read(UInt64.self)
            let index = try reader.read(UInt64.self)
            let rawKind = try reader.read(UInt8.self)
            guard let kind = EntryKind(rawValue: rawKind) else { throw .unknownEntryKind(rawKind) }
            entries.append(Entry(term: term, index: index, kind: kind, data: try reader.readLengthPrefixed()))
        }
        return entries
    }

    private static func writeSnapshot(_ snapshot: Snapshot?, to writer: inout WireWriter) {
        writer.write(flag: snapshot != nil)
        guard let snapshot else { return }
        writer.write(snapshot.metadata.index)
        writer.write(snapshot.metadata.term)
        writeNodeIDs(snapshot.metadata.confState.voters, to: &writer)
        writeNodeIDs(snapshot.metadata.confState.learners, to: &writer)
        writer.write(lengthPrefixed: snapshot.data)
    }

    private static func readSnapshot(from reader: inout WireReader) throws(PayloadError) -> Snapshot? {
        guard try reader.readFlag() else { return nil }
        let index = try reader.read(UInt64.self)
        let term = try reader.read(UInt64.self)
        let voters = try readNodeIDs(from: &reader)
        let learners = try readNodeIDs(from: &reader)
        guard Set(voters).isDisjoint(with: learners) else { throw .nonCanonicalConfState }
        let confState = ConfState(voters: voters, learners: learners)
        let metadata = SnapshotMetadata(index: index, term: term, confState: confState)
        return Snapshot(metadata: metadata, data: try reader.readLengthPrefixed())
    }

    private static func writeNodeIDs(_ ids: [NodeID], to writer: inout WireWriter) {
        writer.write(UInt32(ids.count))
        for id in ids { writer.write(id) }
    }

    /// Reads a strictly ascending list, the only order `ConfState` keeps.
    private static func readNodeIDs(from reader: inout WireReader) throws(PayloadError) -> [NodeID] {
        let count = try reader.readCount(elementBytesMin: MemoryLayout<NodeID>.size)
        var ids: [NodeID] = []
        ids.reserveCapacity(count)
        for _ in 0..<count {
            let id = try reader.read(NodeID.self)
            guard ids.last.map({ $0 < id }) ?? true else { throw .nonCanonicalConfState }
            ids.append(id)
        }
        return ids
    }
}
