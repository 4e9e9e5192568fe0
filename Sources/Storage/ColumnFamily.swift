/// A named column family: an independent key space inside one database, sharing its WAL, so
/// that one atomic `WriteBatch` can span several of them.
public struct ColumnFamily: Sendable, Hashable, CustomStringConvertible {
    /// The name RocksDB stores.
    public let name: String

    /// A column family called `name`.
    public init(_ name: String) {
        precondition(!name.isEmpty, "a column family needs a name")
        self.name = name
    }

    public var description: String { name }

    /// The family RocksDB always has; unused by Switchboard but opened because RocksDB requires it.
    public static let rocksDBDefault = ColumnFamily("default")
    /// Raft log entries, keyed by the 8-byte big-endian index.
    public static let raftLog = ColumnFamily("raft_log")
    /// Raft hard state, membership, snapshot, applied index and log base.
    public static let raftMeta = ColumnFamily("raft_meta")
    /// The application's records (the ServiceDesk state).
    public static let state = ColumnFamily("state")
    /// Secondary indexes derived from `state`.
    public static let index = ColumnFamily("index")

    /// The column families of a Switchboard node (DESIGN §5).
    public static let switchboard: [ColumnFamily] = [.raftLog, .raftMeta, .state, .index]
}

/// A half-open range of keys `[lowerBound, upperBound)` in bytewise order; a `nil` bound is open.
public struct KeyRange: Sendable, Hashable {
    /// The smallest key in the range, or `nil` to start at the first key.
    public var lowerBound: [UInt8]?
    /// The first key past the range, or `nil` to run to the last key.
    public var upperBound: [UInt8]?

    /// The keys from `lowerBound` (inclusive) up to `upperBound` (exclusive).
    public init(from lowerBound: [UInt8]? = nil, to upperBound: [UInt8]? = nil) {
        self.lowerBound = lowerBound
        self.upperBound = upperBound
    }

    /// Every key.
    public static let all = KeyRange()

    /// Every key that starts with `prefix`.
    public static func prefix(_ prefix: [UInt8]) -> KeyRange {
        KeyRange(from: prefix, to: successor(ofPrefix: prefix))
    }

    /// The smallest key greater than every key that starts with `prefix`, or `nil` when there
    /// is none (the prefix is empty or all 0xFF bytes).
    static func successor(ofPrefix prefix: [UInt8]) -> [UInt8]? {
        var bytes = prefix
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return bytes
            }
            bytes.removeLast()
        }
        return nil
    }
}

/// One key and its value, copied out of the database.
public struct KeyValue: Sendable, Hashable {
    public var key: [UInt8]
    public var value: [UInt8]

    public init(key: [UInt8], value: [UInt8]) {
        self.key = key
        self.value = value
    }
}
