import RaftCore

/// The ways the storage layer fails. A thrown `StorageError` from a write means the write may
/// not be durable: the caller must stop the node (see `fatalStorageFailure(_:)`).
public enum StorageError: Error, Sendable, Hashable {
    /// A RocksDB call failed; `message` is RocksDB's own description.
    case rocksDB(operation: String, message: String)
    /// The stored log entry at `index` is damaged or missing (bad checksum, cut short,
    /// unknown format, or a gap in the indexes).
    case corruption(index: LogIndex, reason: String)
    /// A stored Raft metadata record (hard state, membership, snapshot, applied index or log
    /// base) is damaged.
    case corruptMetadata(record: String, reason: String)
    /// The request is not valid for the log as it stands (the same answer `MemoryStorage`
    /// gives); nothing was written.
    case rejected(RaftError)
}

extension StorageError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .rocksDB(let operation, let message):
            return "RocksDB \(operation) failed: \(message)"
        case .corruption(let index, let reason):
            return "corrupt Raft log entry at index \(index): \(reason)"
        case .corruptMetadata(let record, let reason):
            return "corrupt Raft metadata record '\(record)': \(reason)"
        case .rejected(let error):
            return "storage request rejected: \(error)"
        }
    }
}
