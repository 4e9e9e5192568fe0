import RaftCore
import Storage
import Testing

/// Random sequences of appends, compactions and snapshots run against `MemoryStorage` (the
/// model) and `RaftLogStore`, comparing every answer after every step and after reopening.
/// Odd seeds keep only four recent entries in memory, even seeds the default 8,192 (which
/// holds the whole log of a run), and seed 8 none, so reads come from memory, from RocksDB,
/// and from both in turn.
@Suite struct RaftLogStoreModelTests {
    @Test(arguments: 1...8 as ClosedRange<UInt64>)
    func agreesWithMemoryStorage(seed: UInt64) throws {
        try withTemporaryDirectory { directory in
            var run = try ModelRun(path: directory + "/db", seed: seed)
            for step in 0..<250 {
                try run.step()
                run.compare(context: "seed \(seed) step \(step)")
                if run.random.next() % 12 == 0 {
                    try run.reopen()
                    run.compare(context: "seed \(seed) step \(step) after reopen")
                }
            }
        }
    }
}

/// One model run: the two storages, the random source, and the highest term handed out so far
/// (new entries always use it, so terms never go down along the log, as in Raft).
private struct ModelRun {
    let path: String
    var random: SplitMix64
    let memory = MemoryStorage()
    var store: RaftLogStore?
    var term: Term = 1

    let recentEntriesCountMax: Int

    init(path: String, seed: UInt64) throws {
        self.path = path
        self.random = SplitMix64(seed: seed)
        recentEntriesCountMax = seed == 8 ? 0 : seed % 2 == 1 ? 4 : 8_192
        try reopen()
    }

    var durable: RaftLogStore { store! }

    mutating func reopen() throws {
        store = nil
        store = try RaftLogStore(path: path)
        store!.recentEntriesCountMax = recentEntriesCountMax
    }

    mutating func step() throws {
        if random.next() % 8 == 0 { term += 1 }
        switch random.next() % 10 {
        case 0...4: try append()
        case 5, 6: try compact()
        case 7, 8: try createSnapshot()
        default: try installSnapshot()
        }
    }

    /// Entries from somewhere between a little before the first index and right after the
    /// last, so some are skipped, some overwrite a suffix, and some extend the log.
    private mutating func append() throws {
        let first = memory.firstIndex()
        let low = first > 3 ? first - 3 : 1
        let start = LogIndex.random(in: low...(memory.lastIndex() + 1), using: &random)
        let count = Int.random(in: 0...6, using: &random)
        let entries = (0..<count).map { offset in
            Entry(
                term: term, index: start + LogIndex(offset),
                data: (0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        }
        memory.append(entries)
        let hardState = HardState(term: term, vote: 1 + random.next() % 3, commit: 0)
        memory.setHardState(hardState)
        try durable.save(hardState: hardState, entries: entries, snapshot: nil, sync: random.next() % 2 == 0)
    }

    /// Compaction anywhere up to the last index, including where it is already compacted.
    private mutating func compact() throws {
        let index = LogIndex.random(in: 0...memory.lastIndex(), using: &random)
        let expected = Result { () throws(RaftError) in try memory.compact(to: index) }
        let actual = Result { () throws(StorageError) in try durable.compact(to: index) }
        expectSame(actual, expected, "compact(to: \(index))")
    }

    /// A snapshot at an index that is still in the log (or its base), or an outdated one.
    private mutating func createSnapshot() throws {
        let low = memory.firstIndex() - 1
        let index = LogIndex.random(in: low...memory.lastIndex(), using: &random)
        let confState = ConfState(voters: [1, 2, 3].filter { _ in random.next() % 2 == 0 })
        let data = Array("snapshot at \(index)".utf8)
        let expected = Result { () throws(RaftError) in
            try memory.createSnapshot(index: index, confState: confState, data: data)
        }
        let actual = Result { () throws(StorageError) in
            try durable.createSnapshot(index: index, confState: confState, data: data)
        }
        expectSame(actual, expected, "createSnapshot(index: \(index))")
    }

    /// A snapshot from a leader: sometimes behind what the log has, sometimes ahead of it.
    private mutating func installSnapshot() throws {
        let current = try memory.snapshot().metadata.index
        let index = current + LogIndex.random(in: 0...12, using: &random)
        let snapshot = Snapshot(
            metadata: SnapshotMetadata(index: index, term: term, confState: ConfState(voters: [1, 2])),
            data: [UInt8(truncatingIfNeeded: index)])
        let expected = Result { () throws(RaftError) in try memory.applySnapshot(snapshot) }
        let actual = Result { () throws(StorageError) in
            try durable.save(hardState: nil, entries: [], snapshot: snapshot, sync: true)
        }
        expectSame(actual, expected, "install snapshot at \(index)")
    }

    private func expectSame<Value>(
        _ actual: Result<Value, StorageError>, _ expected: Result<Value, RaftError>, _ operation: String
    ) {
        switch (actual, expected) {
        case (.success, .success): break
        case (.failure(let error), .failure(let model)):
            #expect(error == .rejected(model), "\(operation)")
        default:
            Issue.record("\(operation): store gave \(actual), model gave \(expected)")
        }
    }

    /// Every answer RaftCore could ask for, from both storages.
    mutating func compare(context: String) {
        let first = memory.firstIndex()
        let last = memory.lastIndex()
        #expect(durable.firstIndex() == first, "\(context)")
        #expect(durable.lastIndex() == last, "\(context)")
        #expect(durable.initialState().hardState == memory.initialState().hardState, "\(context)")
        #expect((try? durable.snapshot()) == (try? memory.snapshot()), "\(context)")
        for index in (first > 3 ? first - 3 : 0)...(last + 2) {
            let expected = Result { () throws(RaftError) in try memory.term(at: index) }
            #expect(Result { () throws(RaftError) in try durable.term(at: index) } == expected, "\(context) term(at: \(index))")
        }
        for _ in 0..<6 { compareEntries(first: first, last: last, context: context) }
    }

    private mutating func compareEntries(first: LogIndex, last: LogIndex, context: String) {
        let low = LogIndex.random(in: (first > 2 ? first - 2 : 0)...(last + 2), using: &random)
        let high = LogIndex.random(in: low...(last + 3), using: &random)
        let bytesMax = [0, 30, 120, 400, Int.max].randomElement(using: &random)!
        // MemoryStorage traps on an inverted range it would otherwise serve; skip those.
        if low > high { return }
        let expected = Result { () throws(RaftError) in try memory.entries(from: low, to: high, bytesMax: bytesMax) }
        let actual = Result { () throws(RaftError) in try durable.entries(from: low, to: high, bytesMax: bytesMax) }
        #expect(actual == expected, "\(context) entries(from: \(low), to: \(high), bytesMax: \(bytesMax))")
    }
}
