internal import CRocksDB

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A RocksDB database with named column families.
///
/// Thread safety: every method may be called from any thread at the same time. All stored
/// properties are immutable after `init` (the C option objects are only read by RocksDB after
/// that), and the RocksDB calls used (get, put, delete, write, iterator creation, flush,
/// checkpoint) are documented thread-safe on one `DB` object. The database closes in `deinit`,
/// when the last reference goes away (iterators hold one), so a closed handle is never used.
public final class Database: @unchecked Sendable {
    /// The directory the database lives in.
    public let path: String
    /// Every column family that is open, in the order RocksDB opened them.
    public let columnFamilies: [ColumnFamily]

    private let handle: OpaquePointer
    private let familyHandles: [ColumnFamily: OpaquePointer]
    private let readOptions: OpaquePointer
    private let writeOptions: OpaquePointer
    private let syncWriteOptions: OpaquePointer

    /// Opens the database at `path`, creating it and any missing column family as needed.
    public init(path: String, options: DatabaseOptions = DatabaseOptions()) throws(StorageError) {
        let cOptions = options.makeRocksDBOptions()
        defer { rocksdb_options_destroy(cOptions) }
        let families = Database.familiesToOpen(path: path, requested: options.columnFamilies, options: cOptions)
        let opened = try Database.open(path: path, families: families, options: cOptions)
        self.path = path
        self.columnFamilies = families
        self.handle = opened.database
        self.familyHandles = Dictionary(uniqueKeysWithValues: zip(families, opened.families))
        self.readOptions = rocksdb_readoptions_create()
        self.writeOptions = rocksdb_writeoptions_create()
        self.syncWriteOptions = rocksdb_writeoptions_create()
        rocksdb_writeoptions_set_sync(syncWriteOptions, 1)
    }

    deinit {
        // Column family handles must go before the database they belong to.
        for family in familyHandles.values { rocksdb_column_family_handle_destroy(family) }
        rocksdb_close(handle)
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_writeoptions_destroy(writeOptions)
        rocksdb_writeoptions_destroy(syncWriteOptions)
    }

    /// The value of `key` in `columnFamily`, or `nil` if there is none.
    public func get(_ key: [UInt8], in columnFamily: ColumnFamily) throws(StorageError) -> [UInt8]? {
        let family = familyHandle(columnFamily)
        let slice = try rocksDBCall("get") { error in
            key.withCChars { rocksdb_get_pinned_cf(handle, readOptions, family, $0, $1, error) }
        }
        guard let slice else { return nil }
        defer { rocksdb_pinnableslice_destroy(slice) }
        var length = 0
        let value = rocksdb_pinnableslice_value(slice, &length)
        return [UInt8](copying: value, count: length)
    }

    /// Sets `key` to `value` in `columnFamily`; with `sync`, returns only once it is on disk.
    public func put(_ key: [UInt8], _ value: [UInt8], in columnFamily: ColumnFamily, sync: Bool = false)
        throws(StorageError)
    {
        var batch = WriteBatch()
        batch.put(key, value, in: columnFamily)
        try write(batch, sync: sync)
    }

    /// Removes `key` from `columnFamily`; with `sync`, returns only once it is on disk.
    public func delete(_ key: [UInt8], in columnFamily: ColumnFamily, sync: Bool = false) throws(StorageError) {
        var batch = WriteBatch()
        batch.delete(key, in: columnFamily)
        try write(batch, sync: sync)
    }

    /// Applies every operation of `batch` atomically. With `sync`, the WAL is fsynced before
    /// returning, so the batch survives a power loss; without it, a crash of the machine (not
    /// of the process) may lose it.
    public func write(_ batch: WriteBatch, sync: Bool) throws(StorageError) {
        let cBatch = rocksdb_writebatch_create()!
        defer { rocksdb_writebatch_destroy(cBatch) }
        for operation in batch.insertionOrdered() { add(operation, to: cBatch) }
        let options = sync ? syncWriteOptions : writeOptions
        try rocksDBCall("write") { rocksdb_write(handle, options, cBatch, $0) }
    }

    /// An iterator over `range` of `columnFamily`, positioned at the range's first key. It reads
    /// a consistent view of the database as of this call.
    public func iterator(in columnFamily: ColumnFamily, range: KeyRange = .all) throws(StorageError)
        -> DatabaseIterator
    {
        let iterator = DatabaseIterator(database: self, columnFamily: columnFamily, range: range)
        try iterator.seekToFirst()
        return iterator
    }

    /// The pairs in `range` of `columnFamily`, in key order, at most `limit` of them.
    public func scan(_ columnFamily: ColumnFamily, range: KeyRange = .all, limit: Int = .max)
        throws(StorageError) -> [KeyValue]
    {
        precondition(limit >= 0, "scan limit must not be negative")
        var pairs: [KeyValue] = []
        let iterator = try iterator(in: columnFamily, range: range)
        while iterator.isValid && pairs.count < limit {
            pairs.append(KeyValue(key: iterator.key, value: iterator.value))
            try iterator.next()
        }
        return pairs
    }

    /// Writes an openable copy of the database to `path`, which must not exist yet. Files are
    /// hard-linked where possible, so a checkpoint on the same file system is cheap.
    public func checkpoint(to path: String) throws(StorageError) {
        let checkpoint = try rocksDBCall("checkpoint") { rocksdb_checkpoint_object_create(handle, $0) }
        guard let checkpoint else {
            throw .rocksDB(operation: "checkpoint", message: "no checkpoint object was created")
        }
        defer { rocksdb_checkpoint_object_destroy(checkpoint) }
        // A log size of 0 flushes every memtable first, so the copy needs no WAL replay.
        try rocksDBCall("checkpoint") { error in
            path.withCString { rocksdb_checkpoint_create(checkpoint, $0, 0, error) }
        }
    }

    /// Writes every memtable to disk and waits until done.
    public func flush() throws(StorageError) {
        let options = rocksdb_flushoptions_create()
        defer { rocksdb_flushoptions_destroy(options) }
        rocksdb_flushoptions_set_wait(options, 1)
        for family in columnFamilies {
            let familyHandle = familyHandle(family)
            try rocksDBCall("flush \(family)") { rocksdb_flush_cf(handle, options, familyHandle, $0) }
        }
    }

    /// Turns automatic compactions on in every column family, after an open with
    /// `DatabaseOptions.compactionsDeferred`; files that piled up meanwhile are compacted then.
    public func resumeCompactions() throws(StorageError) {
        for family in columnFamilies {
            let familyHandle = familyHandle(family)
            try rocksDBCall("resume compactions of \(family)") { error in
                "disable_auto_compactions".withCString { key in
                    "false".withCString { value in
                        var keys: [UnsafePointer<CChar>?] = [key]
                        var values: [UnsafePointer<CChar>?] = [value]
                        rocksdb_set_options_cf(handle, familyHandle, 1, &keys, &values, error)
                    }
                }
            }
        }
    }

    /// The number of files at level 0 of `columnFamily`, which compactions merge into lower levels.
    public func levelZeroFileCount(in columnFamily: ColumnFamily) -> Int {
        // A string property: RocksDB's integer form does not offer the per-level counts.
        let property = "rocksdb.num-files-at-level0".withCString { rocksdb_property_value_cf(handle, familyHandle(columnFamily), $0) }
        guard let property else { return 0 }
        defer { rocksdb_free(property) }
        return Int(String(cString: property)) ?? 0
    }

    /// The memory RocksDB holds for this database, next to which a node's resident size makes
    /// sense: memtables fill up to the write buffer size in each column family before a flush.
    public func memoryUsage() -> StorageMemoryUsage {
        var usage = StorageMemoryUsage()
        for family in columnFamilies {
            usage.memtableBytes += integerProperty("rocksdb.cur-size-all-mem-tables", in: family)
            usage.tableReaderBytes += integerProperty("rocksdb.estimate-table-readers-mem", in: family)
        }
        // Every column family shares one cache, so any of them reports its whole usage.
        if let family = columnFamilies.first {
            usage.blockCacheBytes = integerProperty("rocksdb.block-cache-usage", in: family)
        }
        return usage
    }

    /// One of RocksDB's integer properties of `columnFamily`, or 0 when it does not report it.
    private func integerProperty(_ name: String, in columnFamily: ColumnFamily) -> Int {
        var value: UInt64 = 0
        let failed = name.withCString { rocksdb_property_int_cf(handle, familyHandle(columnFamily), $0, &value) }
        return failed == 0 ? Int(clamping: value) : 0
    }

    /// The C handle of an open column family. Asking for one that was not opened is a
    /// programming error, not a runtime condition.
    func familyHandle(_ columnFamily: ColumnFamily) -> OpaquePointer {
        guard let family = familyHandles[columnFamily] else {
            preconditionFailure("column family '\(columnFamily)' is not open in \(path)")
        }
        return family
    }

    /// The raw database handle, for `DatabaseIterator` only.
    var rawHandle: OpaquePointer { handle }

    private func add(_ operation: WriteBatch.Operation, to batch: OpaquePointer) {
        let family = familyHandle(operation.columnFamily)
        switch operation {
        case .put(_, let key, let value):
            key.withCChars { key, keyLength in
                value.withCChars { rocksdb_writebatch_put_cf(batch, family, key, keyLength, $0, $1) }
            }
        case .delete(_, let key):
            key.withCChars { rocksdb_writebatch_delete_cf(batch, family, $0, $1) }
        case .deleteRange(_, let start, let end):
            start.withCChars { start, startLength in
                end.withCChars { rocksdb_writebatch_delete_range_cf(batch, family, start, startLength, $0, $1) }
            }
        }
    }
}

extension Database {
    /// The families to open: those already in the database plus the requested ones, and always
    /// the default family, because RocksDB refuses an open that leaves any of them out.
    fileprivate static func familiesToOpen(path: String, requested: [ColumnFamily], options: OpaquePointer)
        -> [ColumnFamily]
    {
        var families = [ColumnFamily.rocksDBDefault]
        for family in existingFamilies(path: path, options: options) + requested
        where !families.contains(family) {
            families.append(family)
        }
        return families
    }

    /// The families stored at `path`; none when there is no database there yet (the open that
    /// follows reports any real problem with the path).
    private static func existingFamilies(path: String, options: OpaquePointer) -> [ColumnFamily] {
        var count = 0
        let names = try? rocksDBCall("list column families") { error in
            path.withCString { rocksdb_list_column_families(options, $0, &count, error) }
        }
        guard let names = names ?? nil else { return [] }
        defer { rocksdb_list_column_families_destroy(names, count) }
        return (0..<count).compactMap { names[$0].map { ColumnFamily(String(cString: $0)) } }
    }

    fileprivate static func open(path: String, families: [ColumnFamily], options: OpaquePointer)
        throws(StorageError) -> (database: OpaquePointer, families: [OpaquePointer])
    {
        let names = families.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        let familyOptions = [OpaquePointer?](repeating: options, count: families.count)
        var handles = [OpaquePointer?](repeating: nil, count: families.count)
        let database = try rocksDBCall("open \(path)") { error in
            names.map { UnsafePointer($0) }.withUnsafeBufferPointer { names in
                rocksdb_open_column_families(
                    options, path, Int32(families.count), names.baseAddress, familyOptions, &handles, error)
            }
        }
        guard let database else {
            throw .rocksDB(operation: "open \(path)", message: "no database handle was returned")
        }
        return (database, handles.map { handle in
            guard let handle else { preconditionFailure("RocksDB opened \(path) without a column family handle") }
            return handle
        })
    }
}

/// Bytes of memory RocksDB holds for one database (`Database.memoryUsage`).
public struct StorageMemoryUsage: Sendable, Hashable {
    /// Active and immutable memtables of every column family, not yet flushed.
    public var memtableBytes = 0
    /// Blocks held in the shared block cache.
    public var blockCacheBytes = 0
    /// Index and filter blocks of open table files, held outside the block cache.
    public var tableReaderBytes = 0

    public init() {}
}
