import Checksum
import RaftCore
import Storage

/// Snapshots are the `state` column family itself. Every applied batch already writes the
/// state there atomically with the applied index, so taking a snapshot only records where it
/// stands (no encoding, no copy) and the log behind it can be compacted. Bytes are produced only
/// when a follower needs a snapshot: every key and value of the column family as applied now.
///
/// Data: `magic(4) version(1)` then `keyLength(4) key valueLength(4) value` per pair in key
/// order, then `pairCount(8) crc32c(4)` of everything before the checksum.
enum StateSnapshot {
    static let magic: [UInt8] = Array("SBSS".utf8)
    static let version: UInt8 = 2
    /// A single key or value larger than this is damage, not data: no record comes near it.
    static let fieldBytesMax = 64 << 20

    /// Every pair of the `state` column family of `database`, as snapshot data.
    static func encode(_ database: Database) throws(StorageError) -> [UInt8] {
        // Nothing stops this encoding, so it always yields data.
        try encode(database.iterator(in: .state)) { false } ?? []
    }

    /// Every pair `iterator` sees from where it stands, as snapshot data; nil if `shouldStop`
    /// said so before the end (it is asked before each pair).
    static func encode(_ iterator: DatabaseIterator, shouldStop: () -> Bool) throws(StorageError) -> [UInt8]? {
        var writer = ByteWriter()
        writer.writeRaw(magic)
        writer.write(version)
        var count: UInt64 = 0
        while iterator.isValid {
            if shouldStop() { return nil }
            writer.writeBytes(iterator.key)
            writer.writeBytes(iterator.value)
            count += 1
            try iterator.next()
        }
        return sealed(writer, count: count)
    }

    /// Snapshot data holding exactly `pairs` (the founding snapshot of a cluster).
    static func encode(_ pairs: [(key: [UInt8], value: [UInt8])]) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeRaw(magic)
        writer.write(version)
        for pair in pairs.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }) {
            writer.writeBytes(pair.key)
            writer.writeBytes(pair.value)
        }
        return sealed(writer, count: UInt64(pairs.count))
    }

    private static func sealed(_ writer: ByteWriter, count: UInt64) -> [UInt8] {
        var writer = writer
        writer.write(count)
        writer.write(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    /// The pairs of snapshot data, after checking its framing, count and checksum.
    static func decode(_ bytes: [UInt8]) throws(EnvelopeError) -> [(key: [UInt8], value: [UInt8])] {
        let header = magic.count + 1, trailer = 12
        guard bytes.count >= header + trailer else { throw .truncated }
        guard Array(bytes[0..<magic.count]) == magic else { throw .malformed("not a state snapshot") }
        guard bytes[magic.count] == version else { throw .unsupportedVersion(bytes[magic.count]) }
        let stored = bytes[(bytes.count - 4)...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard CRC32C.checksum(bytes[..<(bytes.count - 4)]) == stored else { throw .malformed("snapshot checksum mismatch") }
        var reader = ByteReader(Array(bytes[header..<(bytes.count - trailer)]))
        var pairs: [(key: [UInt8], value: [UInt8])] = []
        while !reader.isAtEnd {
            let key = try reader.readBytes(limit: fieldBytesMax)
            pairs.append((key, try reader.readBytes(limit: fieldBytesMax)))
        }
        var countReader = ByteReader(Array(bytes[(bytes.count - trailer)..<(bytes.count - 4)]))
        guard try countReader.readUInt64() == UInt64(pairs.count) else { throw .malformed("snapshot pair count mismatch") }
        return pairs
    }

    /// Replaces the whole `state` column family with `pairs` and records them applied at
    /// `metadata`, in one write; returns the member directory the snapshot carries.
    static func install(
        _ pairs: [(key: [UInt8], value: [UInt8])], metadata: SnapshotMetadata, into store: RaftLogStore, sync: Bool
    ) throws -> Directory {
        var changes = WriteBatch()
        let incoming = Set(pairs.map(\.key))
        let iterator = try store.database.iterator(in: .state)
        while iterator.isValid {
            let key = iterator.key
            if !incoming.contains(key) { changes.delete(key, in: .state) }
            try iterator.next()
        }
        var directory = Directory()
        for pair in pairs {
            if pair.key == directoryKey { directory = try Directory(decoding: pair.value) }
            changes.put(pair.key, pair.value, in: .state)
        }
        try store.setApplied(metadata.index, confState: metadata.confState, stateChanges: changes, sync: sync)
        return directory
    }
}

/// The store as RaftCore sees it, with snapshots made from the `state` column family: a leader
/// asked for a snapshot sends the state as applied when the request found no usable snapshot
/// (never compacted: the log is compacted only behind the applied index). The bytes are
/// built by `SnapshotBuilder` on another thread; until they are ready RaftCore hears
/// `snapshotTemporarilyUnavailable` and asks again later.
final class StateBackedStorage: RaftStorage {
    let store: RaftLogStore
    let builder: SnapshotBuilder

    init(_ store: RaftLogStore, builder: SnapshotBuilder) {
        self.store = store
        self.builder = builder
    }

    func initialState() -> (hardState: HardState, confState: ConfState) { store.initialState() }

    func entries(from low: LogIndex, to high: LogIndex, bytesMax: Int) throws(RaftError) -> [Entry] {
        try store.entries(from: low, to: high, bytesMax: bytesMax)
    }

    func term(at index: LogIndex) throws(RaftError) -> Term { try store.term(at: index) }

    func firstIndex() -> LogIndex { store.firstIndex() }

    func lastIndex() -> LogIndex { store.lastIndex() }

    func snapshot() throws(RaftError) -> Snapshot {
        guard store.snapshotMetadata.index > 0 else { return Snapshot() }
        if let built = builder.usableSnapshot(firstIndex: store.firstIndex()) { return built }
        if !builder.isBuilding { try startBuilding() }
        throw .snapshotTemporarilyUnavailable
    }

    /// Pins the state as applied now and has it encoded on another thread.
    private func startBuilding() throws(RaftError) {
        let index = store.appliedIndex
        precondition(index >= store.snapshotMetadata.index, "the recorded snapshot is not applied")
        let metadata = SnapshotMetadata(index: index, term: try store.term(at: index), confState: store.confState)
        do {
            builder.start(metadata: metadata, iterator: try store.database.iterator(in: .state))
        } catch {
            fatalStorageFailure(error)
        }
    }
}
