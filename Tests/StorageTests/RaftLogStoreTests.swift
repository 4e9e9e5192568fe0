import RaftCore
import Storage
import Testing

/// Entries `indexes` of `term`, each carrying its index as text.
func makeEntries(_ indexes: ClosedRange<LogIndex>, term: Term) -> [Entry] {
    indexes.map { Entry(term: term, index: $0, data: Array("entry \($0)".utf8)) }
}

@Suite struct RaftLogStoreTests {
    @Test func freshStoreIsEmpty() throws {
        try withTemporaryDirectory { directory in
            let store = try RaftLogStore(path: directory + "/db")
            #expect(store.firstIndex() == 1)
            #expect(store.lastIndex() == 0)
            #expect(try store.term(at: 0) == 0)
            #expect(throws: RaftError.unavailable) { try store.term(at: 1) }
            #expect(throws: RaftError.unavailable) { try store.entries(from: 1, to: 1, bytesMax: .max) }
            #expect(store.initialState() == (HardState(), ConfState()))
            #expect(store.appliedIndex == 0)
            #expect(try store.snapshot() == Snapshot())
        }
    }

    @Test func entriesAndHardStateRoundTrip() throws {
        try withTemporaryDirectory { directory in
            let store = try RaftLogStore(path: directory + "/db")
            var entries = makeEntries(1...3, term: 1) + makeEntries(4...5, term: 2)
            entries[2].kind = .confChange
            entries[2].data = ConfChange(kind: .addLearner, nodeID: 4).encoded()
            let hardState = HardState(term: 2, vote: 1, commit: 4)
            try store.save(hardState: hardState, entries: entries, snapshot: nil, sync: true)
            #expect(store.firstIndex() == 1 && store.lastIndex() == 5)
            #expect(try store.entries(from: 1, to: 6, bytesMax: .max) == entries)
            #expect(try store.entries(from: 2, to: 4, bytesMax: .max) == Array(entries[1..<3]))
            #expect(try store.entries(from: 3, to: 3, bytesMax: .max) == [])
            #expect(try (0...5).map { try store.term(at: $0) } == [0, 1, 1, 1, 2, 2])
            #expect(store.hardState == hardState)
            #expect(throws: RaftError.unavailable) { try store.entries(from: 1, to: 7, bytesMax: .max) }
            #expect(throws: RaftError.compacted) { try store.entries(from: 0, to: 2, bytesMax: .max) }
        }
    }

    @Test func appendingAConflictTruncatesTheStoredSuffix() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/db"
            do {
                let store = try RaftLogStore(path: path)
                try store.save(hardState: nil, entries: makeEntries(1...6, term: 1), snapshot: nil, sync: true)
                try store.save(hardState: nil, entries: makeEntries(3...4, term: 2), snapshot: nil, sync: true)
                #expect(store.lastIndex() == 4)
                #expect(try (1...4).map { try store.term(at: $0) } == [1, 1, 2, 2])
                #expect(throws: RaftError.unavailable) { try store.term(at: 5) }
                #expect(try store.database.scan(.raftLog).count == 4, "entries 5 and 6 are deleted from disk")
            }
            let reopened = try RaftLogStore(path: path)
            #expect(reopened.lastIndex() == 4)
            #expect(
                try reopened.entries(from: 1, to: 5, bytesMax: .max)
                    == makeEntries(1...2, term: 1) + makeEntries(3...4, term: 2))
        }
    }

    @Test func appendingEntriesBelowTheFirstIndexSkipsThem() throws {
        try withTemporaryDirectory { directory in
            let store = try RaftLogStore(path: directory + "/db")
            try store.save(hardState: nil, entries: makeEntries(1...5, term: 1), snapshot: nil, sync: false)
            try store.compact(to: 3)
            try store.save(hardState: nil, entries: makeEntries(2...3, term: 1), snapshot: nil, sync: false)
            #expect(store.firstIndex() == 4 && store.lastIndex() == 5)
            try store.save(hardState: nil, entries: makeEntries(2...6, term: 1), snapshot: nil, sync: false)
            #expect(try store.entries(from: 4, to: 7, bytesMax: .max) == makeEntries(4...6, term: 1))
        }
    }

    @Test func compactionDropsEntriesAndKeepsTheBaseTerm() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/db"
            do {
                let store = try RaftLogStore(path: path)
                try store.save(
                    hardState: nil, entries: makeEntries(1...4, term: 1) + makeEntries(5...10, term: 3),
                    snapshot: nil, sync: true)
                try store.compact(to: 5)
                #expect(store.firstIndex() == 6 && store.lastIndex() == 10)
                #expect(try store.term(at: 5) == 3)
                #expect(throws: RaftError.compacted) { try store.term(at: 4) }
                #expect(throws: RaftError.compacted) { try store.entries(from: 5, to: 7, bytesMax: .max) }
                #expect(throws: StorageError.rejected(.compacted)) { try store.compact(to: 5) }
                #expect(try store.database.scan(.raftLog).count == 5)
            }
            let reopened = try RaftLogStore(path: path)
            #expect(reopened.firstIndex() == 6 && reopened.lastIndex() == 10)
            #expect(try reopened.term(at: 5) == 3)
            #expect(try reopened.entries(from: 6, to: 11, bytesMax: .max) == makeEntries(6...10, term: 3))
        }
    }

    @Test func compactingTheWholeLogLeavesAnEmptyLogAtTheBase() throws {
        try withTemporaryDirectory { directory in
            let store = try RaftLogStore(path: directory + "/db")
            try store.save(hardState: nil, entries: makeEntries(1...3, term: 2), snapshot: nil, sync: false)
            try store.compact(to: 3)
            #expect(store.firstIndex() == 4 && store.lastIndex() == 3)
            #expect(try store.term(at: 3) == 2)
            #expect(throws: RaftError.unavailable) { try store.entries(from: 4, to: 4, bytesMax: .max) }
            try store.save(hardState: nil, entries: makeEntries(4...4, term: 2), snapshot: nil, sync: false)
            #expect(try store.entries(from: 4, to: 5, bytesMax: .max) == makeEntries(4...4, term: 2))
        }
    }

    @Test func installingASnapshotReplacesTheLog() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/db"
            let confState = ConfState(voters: [1, 2, 3], learners: [4])
            let snapshot = Snapshot(
                metadata: SnapshotMetadata(index: 20, term: 3, confState: confState), data: [1, 2, 3])
            do {
                let store = try RaftLogStore(path: path)
                try store.save(hardState: nil, entries: makeEntries(1...10, term: 1), snapshot: nil, sync: true)
                let hardState = HardState(term: 3, vote: 2, commit: 20)
                try store.save(
                    hardState: hardState, entries: makeEntries(21...22, term: 3), snapshot: snapshot, sync: true)
                #expect(store.firstIndex() == 21 && store.lastIndex() == 22)
                #expect(try store.term(at: 20) == 3)
                #expect(throws: RaftError.compacted) { try store.term(at: 19) }
                #expect(try store.snapshot() == snapshot)
                #expect(store.initialState() == (hardState, confState))
                #expect(try store.database.scan(.raftLog).count == 2)
            }
            let reopened = try RaftLogStore(path: path)
            #expect(reopened.firstIndex() == 21 && reopened.lastIndex() == 22)
            #expect(try reopened.snapshot() == snapshot)
            #expect(reopened.snapshotMetadata == snapshot.metadata)
            #expect(reopened.confState == confState)
        }
    }

    @Test func aSnapshotThatIsNotNewerIsRejectedAndNothingIsWritten() throws {
        try withTemporaryDirectory { directory in
            let store = try RaftLogStore(path: directory + "/db")
            let snapshot = Snapshot(metadata: SnapshotMetadata(index: 5, term: 1, confState: ConfState(voters: [1])))
            try store.save(hardState: nil, entries: [], snapshot: snapshot, sync: true)
            let older = Snapshot(metadata: SnapshotMetadata(index: 5, term: 1))
            #expect(throws: StorageError.rejected(.snapshotOutOfDate)) {
                try store.save(
                    hardState: HardState(term: 9), entries: makeEntries(6...6, term: 1), snapshot: older, sync: true)
            }
            #expect(store.lastIndex() == 5)
            #expect(store.hardState == HardState())
        }
    }

    @Test func createdSnapshotIsStoredAndSurvivesReopen() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/db"
            let confState = ConfState(voters: [1, 2, 3])
            do {
                let store = try RaftLogStore(path: path)
                try store.save(hardState: nil, entries: makeEntries(1...8, term: 2), snapshot: nil, sync: true)
                let snapshot = try store.createSnapshot(index: 6, confState: confState, data: [9, 9])
                #expect(snapshot.metadata == SnapshotMetadata(index: 6, term: 2, confState: confState))
                #expect(throws: StorageError.rejected(.snapshotOutOfDate)) {
                    try store.createSnapshot(index: 6, confState: confState, data: [])
                }
                try store.compact(to: 6)
            }
            let reopened = try RaftLogStore(path: path)
            #expect(try reopened.snapshot().data == [9, 9])
            #expect(reopened.firstIndex() == 7 && reopened.lastIndex() == 8)
        }
    }

    @Test func reopenKeepsHardStateEntriesMembershipAndAppliedIndex() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/db"
            let hardState = HardState(term: 4, vote: 3, commit: 7)
            let confState = ConfState(voters: [1, 2, 3], learners: [5])
            let entries = makeEntries(1...3, term: 1) + makeEntries(4...9, term: 4)
            do {
                let store = try RaftLogStore(path: path)
                try store.save(hardState: hardState, entries: entries, snapshot: nil, sync: true)
                var stateChanges = WriteBatch()
                stateChanges.put([UInt8](text: "conversation/1"), [UInt8](text: "open"), in: .state)
                stateChanges.put([UInt8](text: "by-agent/3/1"), [], in: .index)
                try store.setApplied(7, confState: confState, stateChanges: stateChanges)
            }
            let reopened = try RaftLogStore(path: path)
            #expect(reopened.initialState() == (hardState, confState))
            #expect(reopened.appliedIndex == 7)
            #expect(try reopened.entries(from: 1, to: 10, bytesMax: .max) == entries)
            #expect(try reopened.database.get([UInt8](text: "conversation/1"), in: .state) == [UInt8](text: "open"))
            #expect(try reopened.database.get([UInt8](text: "by-agent/3/1"), in: .index) == [])
        }
    }

    /// A replica applies stored entries before it saves the Ready that committed them: the
    /// applied index then runs ahead of the stored commit, and `setApplied` raises that commit
    /// with it (term and vote kept), so a restart finds no more applied than committed.
    @Test func applyingBeyondTheStoredCommitRaisesIt() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/db"
            let confState = ConfState(voters: [1, 2, 3])
            do {
                let store = try RaftLogStore(path: path)
                try store.save(hardState: HardState(term: 2, vote: 1, commit: 3), entries: makeEntries(1...9, term: 2), snapshot: nil, sync: true)
                try store.setApplied(6, confState: confState)
                #expect(store.hardState == HardState(term: 2, vote: 1, commit: 6))
                // Behind the stored commit, the commit stays where it is.
                try store.save(hardState: HardState(term: 3, vote: 2, commit: 8), entries: [], snapshot: nil, sync: true)
                try store.setApplied(7, confState: confState)
                #expect(store.hardState == HardState(term: 3, vote: 2, commit: 8))
                try store.setApplied(9, confState: confState)
            }
            let reopened = try RaftLogStore(path: path)
            #expect(reopened.initialState() == (HardState(term: 3, vote: 2, commit: 9), confState))
            #expect(reopened.appliedIndex == 9)
        }
    }

    @Test func entriesStopAtTheByteLimitButReturnAtLeastOne() throws {
        try withTemporaryDirectory { directory in
            let store = try RaftLogStore(path: directory + "/db")
            let memory = MemoryStorage()
            let entries = (1...6).map { Entry(term: 1, index: LogIndex($0), data: [UInt8](repeating: 1, count: 100)) }
            try store.save(hardState: nil, entries: entries, snapshot: nil, sync: false)
            memory.append(entries)
            let entryBytes = entries[0].sizeBytes
            let expectedCounts = [0: 1, entryBytes - 1: 1, entryBytes: 1, 2 * entryBytes: 2,
                                  3 * entryBytes + entryBytes - 1: 3, Int.max: 6]
            for (bytesMax, count) in expectedCounts {
                let stored = try store.entries(from: 1, to: 7, bytesMax: bytesMax)
                #expect(stored == Array(entries.prefix(count)), "bytesMax \(bytesMax)")
                #expect(stored == (try memory.entries(from: 1, to: 7, bytesMax: bytesMax)))
            }
        }
    }

    @Test func appliedStateCanBeFlushedAndCheckpointed() throws {
        try withTemporaryDirectory { directory in
            let store = try RaftLogStore(path: directory + "/db")
            try store.save(
                hardState: HardState(term: 1, vote: 1, commit: 3), entries: makeEntries(1...3, term: 1),
                snapshot: nil, sync: true)
            var stateChanges = WriteBatch()
            stateChanges.put([1], [2], in: .state)
            try store.setApplied(3, confState: ConfState(voters: [1]), stateChanges: stateChanges, sync: true)
            try store.database.flush()
            try store.database.checkpoint(to: directory + "/checkpoint")
            let copy = try RaftLogStore(path: directory + "/checkpoint")
            #expect(copy.appliedIndex == 3)
            #expect(copy.initialState() == store.initialState())
            #expect(try copy.entries(from: 1, to: 4, bytesMax: .max) == makeEntries(1...3, term: 1))
            #expect(try copy.database.get([1], in: .state) == [2])
        }
    }
}
