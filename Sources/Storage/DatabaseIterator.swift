internal import CRocksDB

/// A forward cursor over one key range of one column family.
///
/// It sees the database as it was when it was made. Keys and values are copied out, so nothing
/// it returns points into RocksDB memory. Not thread-safe: use one iterator from one thread at
/// a time (make one per thread instead). It keeps its `Database` open while it lives.
public final class DatabaseIterator {
    /// The range the iterator is confined to.
    public let range: KeyRange

    /// Held so that the database cannot close while the iterator still reads from it.
    private let database: Database
    private let iterator: OpaquePointer
    private let readOptions: OpaquePointer
    /// RocksDB keeps only a pointer to the bounds, so their bytes must live as long as it does.
    private let boundStorage: [UnsafeMutableBufferPointer<CChar>]

    init(database: Database, columnFamily: ColumnFamily, range: KeyRange) {
        self.database = database
        self.range = range
        let readOptions = rocksdb_readoptions_create()!
        let lower = Self.bind(range.lowerBound) { rocksdb_readoptions_set_iterate_lower_bound(readOptions, $0, $1) }
        let upper = Self.bind(range.upperBound) { rocksdb_readoptions_set_iterate_upper_bound(readOptions, $0, $1) }
        self.readOptions = readOptions
        self.boundStorage = [lower, upper].compactMap { $0 }
        self.iterator = rocksdb_create_iterator_cf(
            database.rawHandle, readOptions, database.familyHandle(columnFamily))
    }

    deinit {
        rocksdb_iter_destroy(iterator)
        rocksdb_readoptions_destroy(readOptions)
        boundStorage.forEach { $0.deallocate() }
    }

    /// Whether the iterator is at a key (false once it has run past the range).
    public var isValid: Bool { rocksdb_iter_valid(iterator) != 0 }

    /// The current key. Only while `isValid`.
    public var key: [UInt8] {
        precondition(isValid, "key read from an iterator that is not at a key")
        var length = 0
        let bytes = rocksdb_iter_key(iterator, &length)
        return [UInt8](copying: bytes, count: length)
    }

    /// The current value. Only while `isValid`.
    public var value: [UInt8] {
        precondition(isValid, "value read from an iterator that is not at a key")
        var length = 0
        let bytes = rocksdb_iter_value(iterator, &length)
        return [UInt8](copying: bytes, count: length)
    }

    /// Moves to the first key of the range.
    public func seekToFirst() throws(StorageError) {
        if let lower = range.lowerBound {
            lower.withCChars { rocksdb_iter_seek(iterator, $0, $1) }
        } else {
            rocksdb_iter_seek_to_first(iterator)
        }
        try checkStatus("seek to first")
    }

    /// Moves to the first key at or after `key` (and never before the range's lower bound).
    public func seek(to key: [UInt8]) throws(StorageError) {
        if let lower = range.lowerBound, key.lexicographicallyPrecedes(lower) {
            try seekToFirst()
            return
        }
        key.withCChars { rocksdb_iter_seek(iterator, $0, $1) }
        try checkStatus("seek")
    }

    /// Moves to the last key at or before `key` (never past the range's bounds): with the
    /// range's end, to its last key.
    public func seek(toLastAtOrBefore key: [UInt8]) throws(StorageError) {
        key.withCChars { rocksdb_iter_seek_for_prev(iterator, $0, $1) }
        try checkStatus("seek for previous")
    }

    /// Moves to the next key. Only while `isValid`.
    public func next() throws(StorageError) {
        precondition(isValid, "next() on an iterator that is not at a key")
        rocksdb_iter_next(iterator)
        try checkStatus("next")
    }

    /// An iterator that stops being valid may have stopped on a read error rather than at the
    /// end; RocksDB reports which only when asked, so every move asks.
    private func checkStatus(_ operation: String) throws(StorageError) {
        guard !isValid else { return }
        try rocksDBCall("iterator \(operation)") { rocksdb_iter_get_error(iterator, $0) }
    }

    /// Hands RocksDB a copy of `bound` that the iterator owns; RocksDB bounds also keep the
    /// iterator from reading the range tombstones and keys beyond them.
    private static func bind(
        _ bound: [UInt8]?, _ setBound: (UnsafePointer<CChar>, Int) -> Void
    ) -> UnsafeMutableBufferPointer<CChar>? {
        guard let bound else { return nil }
        let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: max(bound.count, 1))
        for (offset, byte) in bound.enumerated() { buffer[offset] = CChar(bitPattern: byte) }
        setBound(UnsafePointer(buffer.baseAddress!), bound.count)
        return buffer
    }
}

/// Iterators hold RocksDB cursor state that must not be shared between threads.
@available(*, unavailable)
extension DatabaseIterator: Sendable {}
