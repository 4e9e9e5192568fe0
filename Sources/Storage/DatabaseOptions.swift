internal import CRocksDB

/// How a `Database` is opened and tuned. The write-ahead log is always on: a write is in the
/// WAL before it is acknowledged, and a synced write is on disk.
public struct DatabaseOptions: Sendable, Hashable {
    /// The column families to open; missing ones are created. Families already in the database
    /// but not listed are opened too, because RocksDB refuses to open a database otherwise.
    public var columnFamilies: [ColumnFamily]
    /// Size of one memtable per column family before it is flushed to disk.
    public var writeBufferBytes: Int
    /// Size of the block cache shared by all column families.
    public var blockCacheBytes: Int
    /// Background flush and compaction threads.
    public var backgroundJobsMax: Int
    /// Create the database when the path holds none.
    public var createIfMissing: Bool
    /// Open with automatic compactions off until `Database.resumeCompactions()`: a node
    /// loading its state at start then has the CPU to itself, not the compactions of the
    /// memtables flushed when it stopped.
    public var compactionsDeferred: Bool

    public init(
        columnFamilies: [ColumnFamily] = ColumnFamily.switchboard,
        writeBufferBytes: Int = 64 << 20,
        blockCacheBytes: Int = 64 << 20,
        backgroundJobsMax: Int = 2,
        createIfMissing: Bool = true,
        compactionsDeferred: Bool = false
    ) {
        precondition(writeBufferBytes > 0, "writeBufferBytes must be positive")
        precondition(blockCacheBytes > 0, "blockCacheBytes must be positive")
        precondition(backgroundJobsMax > 0, "backgroundJobsMax must be positive")
        self.columnFamilies = columnFamilies
        self.writeBufferBytes = writeBufferBytes
        self.blockCacheBytes = blockCacheBytes
        self.backgroundJobsMax = backgroundJobsMax
        self.createIfMissing = createIfMissing
        self.compactionsDeferred = compactionsDeferred
    }

    /// Builds the C options object; the caller destroys it with `rocksdb_options_destroy`.
    /// RocksDB copies options at open, so the object need not outlive the open call.
    func makeRocksDBOptions() -> OpaquePointer {
        let options = rocksdb_options_create()!
        rocksdb_options_set_create_if_missing(options, createIfMissing ? 1 : 0)
        rocksdb_options_set_create_missing_column_families(options, 1)
        rocksdb_options_set_write_buffer_size(options, writeBufferBytes)
        rocksdb_options_set_max_background_jobs(options, Int32(clamping: backgroundJobsMax))
        rocksdb_options_set_disable_auto_compactions(options, compactionsDeferred ? 1 : 0)
        // After a crash, replay the WAL up to the first damaged record and stop: what survives
        // is a consistent prefix of the writes, so the applied index never runs ahead of the
        // state written with it, and synced Raft writes (always earlier) are all kept.
        rocksdb_options_set_wal_recovery_mode(options, Int32(rocksdb_point_in_time_recovery))
        attachBlockCache(to: options)
        lowerCompactionPriority(of: options)
        return options
    }

    /// Runs compactions at the lowest CPU priority (nice 19), flushes at the normal one. A
    /// compaction rewrites a whole level at once and, on a busy machine, took the CPU from the
    /// Raft and request threads for hundreds of milliseconds (p99 of message posts up to
    /// 385 ms while one ran, 17–26 ms otherwise). Compactions still get the idle CPU, and when
    /// they fall behind, RocksDB slows writes down at 20 level-0 files, which frees CPU for
    /// them. The default environment is shared by the process, which holds one database.
    private func lowerCompactionPriority(of options: OpaquePointer) {
        let environment = rocksdb_create_default_env()
        rocksdb_env_lower_thread_pool_cpu_priority(environment)
        rocksdb_options_set_env(options, environment)
        // Destroying the wrapper of the default environment leaves the environment itself.
        rocksdb_env_destroy(environment)
    }

    /// One LRU block cache for every column family, so `blockCacheBytes` bounds them all.
    private func attachBlockCache(to options: OpaquePointer) {
        let table = rocksdb_block_based_options_create()
        let cache = rocksdb_cache_create_lru(blockCacheBytes)
        rocksdb_block_based_options_set_block_cache(table, cache)
        rocksdb_options_set_block_based_table_factory(options, table)
        // Both calls above copy shared references, so the local wrappers can go now.
        rocksdb_cache_destroy(cache)
        rocksdb_block_based_options_destroy(table)
    }
}
