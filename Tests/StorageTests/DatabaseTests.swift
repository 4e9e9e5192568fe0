import Foundation
import Storage
import Testing

@Suite struct DatabaseTests {
    @Test func putGetDeleteKeepColumnFamiliesApart() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            let key = [UInt8](text: "customer/7")
            try database.put(key, [UInt8](text: "state value"), in: .state)
            try database.put(key, [UInt8](text: "index value"), in: .index, sync: true)
            #expect(try database.get(key, in: .state) == [UInt8](text: "state value"))
            #expect(try database.get(key, in: .index) == [UInt8](text: "index value"))
            #expect(try database.get(key, in: .raftMeta) == nil)
            try database.delete(key, in: .state)
            #expect(try database.get(key, in: .state) == nil)
            #expect(try database.get(key, in: .index) == [UInt8](text: "index value"))
        }
    }

    @Test func memoryUsageFollowsTheMemtablesAndTheCache() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            let empty = database.memoryUsage()
            var batch = WriteBatch()
            for index in 0..<1_000 { batch.put([UInt8](text: "record/\(index)"), [UInt8](repeating: 7, count: 1_000), in: .state) }
            try database.write(batch, sync: false)
            let written = database.memoryUsage()
            #expect(written.memtableBytes >= empty.memtableBytes + 1_000_000)
            try database.flush()
            #expect(database.memoryUsage().memtableBytes < written.memtableBytes)
            for index in stride(from: 0, to: 1_000, by: 100) {
                #expect(try database.get([UInt8](text: "record/\(index)"), in: .state)?.count == 1_000)
            }
            let read = database.memoryUsage()
            #expect(read.blockCacheBytes > empty.blockCacheBytes, "reads from the flushed table go through the cache")
            #expect(read.tableReaderBytes > 0)
        }
    }

    @Test func emptyKeysAndValuesRoundTrip() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            try database.put([], [], in: .state)
            #expect(try database.get([], in: .state) == [])
        }
    }

    @Test func writeBatchAppliesEveryOperationAcrossFamilies() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            for name in ["a", "b", "c", "d"] { try database.put([UInt8](text: name), [1], in: .state) }
            var batch = WriteBatch()
            batch.put([UInt8](text: "x"), [2], in: .index)
            batch.delete([UInt8](text: "a"), in: .state)
            batch.deleteRange(from: [UInt8](text: "b"), to: [UInt8](text: "d"), in: .state)
            batch.put([UInt8](text: "e"), [3], in: .state)
            #expect(batch.operations.count == 4)
            try database.write(batch, sync: true)
            let keys = try database.scan(.state).map { String(decoding: $0.key, as: UTF8.self) }
            #expect(keys == ["d", "e"])
            #expect(try database.get([UInt8](text: "x"), in: .index) == [2])
        }
    }

    @Test func batchesComposeInOrder() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            var first = WriteBatch()
            first.put([1], [1], in: .state)
            var second = WriteBatch()
            second.delete([1], in: .state)
            second.put([2], [2], in: .state)
            first.append(contentsOf: second)
            #expect(!first.isEmpty && WriteBatch().isEmpty)
            #expect(first.operations.map(\.columnFamily) == [.state, .state, .state])
            try database.write(first, sync: false)
            #expect(try database.scan(.state) == [KeyValue(key: [2], value: [2])])
        }
    }

    /// A batch is handed to RocksDB in key order; what it leaves must be what its operations
    /// leave one by one, in their own order, whatever keys repeat.
    @Test func batchesInKeyOrderLeaveWhatTheirOperationsLeave() throws {
        var generator = SystemRandomNumberGenerator()
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            var expected: [ColumnFamily: [[UInt8]: [UInt8]]] = [:]
            for round in 0..<20 {
                var batch = WriteBatch()
                for step in 0..<200 {
                    let family: ColumnFamily = Bool.random(using: &generator) ? .state : .index
                    // One to three bytes: keys that are prefixes of others sort by length.
                    let key = [UInt8(ascii: "k")] + (0..<Int.random(in: 0...2, using: &generator)).map { _ in
                        UInt8.random(in: 0...5, using: &generator)
                    }
                    if Int.random(in: 0..<3, using: &generator) == 0 {
                        batch.delete(key, in: family)
                        expected[family, default: [:]][key] = nil
                    } else {
                        let value = [UInt8(round), UInt8(step)]
                        batch.put(key, value, in: family)
                        expected[family, default: [:]][key] = value
                    }
                }
                try database.write(batch, sync: false)
                for family in [ColumnFamily.state, .index] {
                    let stored = try database.scan(family).map { ($0.key, $0.value) }
                    let wanted = (expected[family] ?? [:]).sorted { $0.key.lexicographicallyPrecedes($1.key) }
                    #expect(stored.map(\.0) == wanted.map(\.key) && stored.map(\.1) == wanted.map(\.value))
                }
            }
        }
    }

    @Test func scanHonoursPrefixAndRanges() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            for name in ["a/1", "a/2", "a/3", "b/1", "b/2", "c"] {
                try database.put([UInt8](text: name), [UInt8](text: name.uppercased()), in: .state)
            }
            func keys(_ range: KeyRange, limit: Int = .max) throws -> [String] {
                try database.scan(.state, range: range, limit: limit).map { String(decoding: $0.key, as: UTF8.self) }
            }
            #expect(try keys(.prefix([UInt8](text: "a/"))) == ["a/1", "a/2", "a/3"])
            #expect(try keys(KeyRange(from: [UInt8](text: "a/2"), to: [UInt8](text: "b/2"))) == ["a/2", "a/3", "b/1"])
            #expect(try keys(KeyRange(from: [UInt8](text: "b"))) == ["b/1", "b/2", "c"])
            #expect(try keys(KeyRange(to: [UInt8](text: "a/2"))) == ["a/1"])
            #expect(try keys(.all, limit: 2) == ["a/1", "a/2"])
            #expect(try keys(.prefix([UInt8](text: "z"))) == [])
            let values = try database.scan(.state, range: .prefix([UInt8](text: "c"))).map(\.value)
            #expect(values == [[UInt8](text: "C")])
        }
    }

    @Test func prefixOfMaximalBytesRunsToTheEnd() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            try database.put([0xFF, 0xFF, 0x01], [1], in: .state)
            try database.put([0xFF, 0xFE], [2], in: .state)
            #expect(KeyRange.prefix([0xFF, 0xFF]).upperBound == nil)
            #expect(KeyRange.prefix([0x01, 0xFF]).upperBound == [0x02])
            #expect(try database.scan(.state, range: .prefix([0xFF, 0xFF])).map(\.key) == [[0xFF, 0xFF, 0x01]])
        }
    }

    @Test func iteratorSeeksAndStepsWithinItsRange() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            for index: UInt8 in 1...9 { try database.put([index], [index * 10], in: .state) }
            let iterator = try database.iterator(in: .state, range: KeyRange(from: [3], to: [7]))
            #expect(iterator.isValid && iterator.key == [3] && iterator.value == [30])
            try iterator.seek(to: [5])
            #expect(iterator.key == [5])
            try iterator.next()
            #expect(iterator.key == [6] && iterator.value == [60])
            try iterator.next()
            #expect(!iterator.isValid)
            try iterator.seek(to: [1])
            #expect(iterator.key == [3], "a seek below the range starts at its lower bound")
            try iterator.seek(to: [8])
            #expect(!iterator.isValid)
            try iterator.seekToFirst()
            #expect(iterator.key == [3])
        }
    }

    @Test func iteratorSeesTheDatabaseAsWhenItWasMade() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            try database.put([1], [1], in: .state)
            let iterator = try database.iterator(in: .state)
            try database.put([2], [2], in: .state)
            try iterator.next()
            #expect(!iterator.isValid)
        }
    }

    @Test func reopenKeepsDataAndOpensEveryStoredFamily() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/db"
            do {
                let database = try Database(path: path, options: DatabaseOptions(columnFamilies: [.state]))
                #expect(database.columnFamilies == [.rocksDBDefault, .state])
                try database.put([1], [42], in: .state)
            }
            do {
                let database = try Database(path: path, options: DatabaseOptions(columnFamilies: [.index]))
                #expect(Set(database.columnFamilies) == [.rocksDBDefault, .state, .index])
                #expect(try database.get([1], in: .state) == [42])
            }
            let database = try Database(path: path)
            #expect(Set(database.columnFamilies) == Set([.rocksDBDefault] + ColumnFamily.switchboard))
            #expect(try database.get([1], in: .state) == [42])
        }
    }

    @Test func smallBuffersFlushAndKeepEveryKey() throws {
        try withTemporaryDirectory { directory in
            let options = DatabaseOptions(writeBufferBytes: 1 << 20, blockCacheBytes: 1 << 20, backgroundJobsMax: 1)
            let database = try Database(path: directory + "/db", options: options)
            for index in 0..<2_000 {
                try database.put(Array("key\(index)".utf8), [UInt8](repeating: 7, count: 1_000), in: .state)
            }
            try database.flush()
            #expect(try database.scan(.state).count == 2_000)
        }
    }

    @Test func openingALockedDatabaseReportsRocksDBError() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/db"
            let database = try Database(path: path)
            let error = #expect(throws: StorageError.self) { try Database(path: path) }
            guard case .rocksDB(let operation, let message)? = error else {
                Issue.record("expected a RocksDB error, got \(String(describing: error))")
                return
            }
            #expect(operation.hasPrefix("open"))
            #expect(message.contains("lock"))
            withExtendedLifetime(database) {}
        }
    }

    @Test func openingAMissingDatabaseWithoutCreateFails() throws {
        try withTemporaryDirectory { directory in
            #expect(throws: StorageError.self) {
                try Database(path: directory + "/absent", options: DatabaseOptions(createIfMissing: false))
            }
        }
    }

    @Test func checkpointOpensWithTheSameData() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            for index: UInt8 in 0..<50 { try database.put([index], [index, index], in: .state) }
            try database.put([9], [9], in: .index)
            try database.checkpoint(to: directory + "/checkpoint")
            try database.put([200], [1], in: .state)
            let copy = try Database(path: directory + "/checkpoint")
            #expect(try copy.scan(.state) == (0..<50).map { KeyValue(key: [$0], value: [$0, $0]) })
            #expect(try copy.get([9], in: .index) == [9])
        }
    }

    @Test func checkpointIntoAnExistingDirectoryFails() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            let error = #expect(throws: StorageError.self) { try database.checkpoint(to: directory) }
            guard case .rocksDB(let operation, _)? = error else {
                Issue.record("expected a RocksDB error, got \(String(describing: error))")
                return
            }
            #expect(operation == "checkpoint")
        }
    }

    /// Compactions run at nice 19 so that, on a busy machine, they take the CPU the request
    /// and Raft threads leave idle rather than stall them.
    @Test func compactionsRunAtTheLowestCPUPriority() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db")
            for file in 0..<6 {
                try database.put([UInt8](text: "key \(file)"), [UInt8](text: "value"), in: .state)
                try database.flush()
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while database.levelZeroFileCount(in: .state) >= 4, ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.01)
            }
            let compactionThreads = try threadNiceValues().filter { $0.name.hasPrefix("rocksdb:low") }
            #expect(!compactionThreads.isEmpty, "a compaction ran on RocksDB's low-priority pool")
            #expect(compactionThreads.allSatisfy { $0.nice == 19 }, "\(compactionThreads)")
        }
    }

    /// The name and nice value of each thread of this process, from `/proc/self/task`.
    private func threadNiceValues() throws -> [(name: String, nice: Int)] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task in
            guard let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                let fields = stat.split(separator: ")").last?.split(separator: " "), fields.count > 16,
                let nice = Int(fields[16])
            else { return nil }
            return (name.trimmingCharacters(in: .whitespacesAndNewlines), nice)
        }
    }

    /// A database opened with compactions deferred keeps its level-0 files until they are
    /// resumed; then they are compacted as usual.
    @Test func deferredCompactionsWaitUntilResumed() throws {
        try withTemporaryDirectory { directory in
            let database = try Database(path: directory + "/db", options: DatabaseOptions(compactionsDeferred: true))
            for file in 0..<6 {
                try database.put([UInt8](text: "key \(file)"), [UInt8](text: "value"), in: .state)
                try database.flush()
            }
            #expect(database.levelZeroFileCount(in: .state) == 6, "no compaction while deferred")
            try database.resumeCompactions()
            let deadline = ContinuousClock.now + .seconds(20)
            while database.levelZeroFileCount(in: .state) >= 6, ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.05)
            }
            #expect(database.levelZeroFileCount(in: .state) < 6)
            #expect(try database.get([UInt8](text: "key 3"), in: .state) == [UInt8](text: "value"))
        }
    }
}
