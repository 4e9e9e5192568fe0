/// Writes that become durable together or not at all, across column families.
///
/// A plain value: building one touches no database, so it can be filled anywhere (for example
/// by the state machine) and handed to `Database.write(_:sync:)` or `RaftLogStore.setApplied`.
public struct WriteBatch: Sendable, Hashable {
    /// One write in a batch.
    public enum Operation: Sendable, Hashable {
        /// Sets `key` to `value`.
        case put(ColumnFamily, key: [UInt8], value: [UInt8])
        /// Removes `key`.
        case delete(ColumnFamily, key: [UInt8])
        /// Removes every key in `[start, end)`.
        case deleteRange(ColumnFamily, start: [UInt8], end: [UInt8])

        /// The column family the operation writes to.
        public var columnFamily: ColumnFamily {
            switch self {
            case .put(let family, _, _), .delete(let family, _), .deleteRange(let family, _, _):
                return family
            }
        }
    }

    /// The operations in the order they apply.
    public private(set) var operations: [Operation] = []

    /// An empty batch.
    public init() {}

    /// Whether the batch holds no operation.
    public var isEmpty: Bool { operations.isEmpty }

    /// Sets `key` to `value` in `columnFamily`.
    public mutating func put(_ key: [UInt8], _ value: [UInt8], in columnFamily: ColumnFamily) {
        operations.append(.put(columnFamily, key: key, value: value))
    }

    /// Removes `key` from `columnFamily`.
    public mutating func delete(_ key: [UInt8], in columnFamily: ColumnFamily) {
        operations.append(.delete(columnFamily, key: key))
    }

    /// Removes every key in `[start, end)` from `columnFamily` with one range tombstone.
    public mutating func deleteRange(from start: [UInt8], to end: [UInt8], in columnFamily: ColumnFamily) {
        precondition(start.lexicographicallyPrecedes(end), "deleteRange needs start < end")
        operations.append(.deleteRange(columnFamily, start: start, end: end))
    }

    /// Adds the operations of `other` after this batch's own.
    public mutating func append(contentsOf other: WriteBatch) {
        operations.append(contentsOf: other.operations)
    }
}
