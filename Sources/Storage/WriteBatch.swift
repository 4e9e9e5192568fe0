#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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

        /// The key a put or delete writes; a range delete's start.
        var key: [UInt8] {
            switch self {
            case .put(_, let key, _), .delete(_, let key): key
            case .deleteRange(_, let start, _): start
            }
        }

        var isRangeDelete: Bool {
            if case .deleteRange = self { return true }
            return false
        }

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

    /// The operations in the order to hand them to RocksDB: by column family and key, writes
    /// to the same key in their own order, so the result is the same as in `operations` order.
    ///
    /// A memtable is a skip list that remembers where its last insert went. Keys in ascending
    /// order are each found from that place, a few steps away, where keys in the order commands
    /// wrote them are each searched for from the top; with a full memtable that search was a
    /// fifth of a node's apply. A batch with a range delete keeps its order: a range covers
    /// keys that sort elsewhere.
    func insertionOrdered() -> [Operation] {
        guard operations.count > 1, !operations.contains(where: \.isRangeDelete) else { return operations }
        let order = SortKeys(operations).order()
        return order.map { operations[$0] }
    }

    /// Each operation's column family and key, laid out so that sorting compares plain values:
    /// indexing arrays of keys and names in the comparator retained and released both on every
    /// comparison, which cost more than the comparisons.
    private struct SortKeys {
        /// The column family's rank by name, and where the key lies in `bytes`.
        struct Item {
            var familyRank: Int
            var start: Int
            var count: Int
        }

        var items: [Item] = []
        var bytes: [UInt8] = []

        init(_ operations: [Operation]) {
            let names = Array(Set(operations.map(\.columnFamily.name))).sorted()
            items.reserveCapacity(operations.count)
            bytes.reserveCapacity(operations.reduce(0) { $0 + $1.key.count })
            for operation in operations {
                let key = operation.key
                let rank = names.count == 1 ? 0 : names.firstIndex(of: operation.columnFamily.name)!
                items.append(Item(familyRank: rank, start: bytes.count, count: key.count))
                bytes.append(contentsOf: key)
            }
        }

        /// Positions of the operations by family and key; equal keys keep their order.
        func order() -> [Int] {
            bytes.withUnsafeBufferPointer { bytes in
                items.withUnsafeBufferPointer { items in
                    items.indices.sorted { left, right in
                        let (leftItem, rightItem) = (items[left], items[right])
                        if leftItem.familyRank != rightItem.familyRank { return leftItem.familyRank < rightItem.familyRank }
                        let order = Self.compare(leftItem, rightItem, in: bytes)
                        return order != 0 ? order < 0 : left < right
                    }
                }
            }
        }

        /// Negative, zero or positive as the key of `left` sorts before, with or after that of `right`, bytewise.
        private static func compare(_ left: Item, _ right: Item, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
            let common = min(left.count, right.count)
            guard common > 0, let base = bytes.baseAddress else { return left.count - right.count }
            let order = memcmp(base + left.start, base + right.start, common)
            return order != 0 ? Int(order) : left.count - right.count
        }
    }

    /// Adds the operations of `other` after this batch's own.
    public mutating func append(contentsOf other: WriteBatch) {
        operations.append(contentsOf: other.operations)
    }
}
