import Testing
@testable import RaftCore

@Suite("MemoryStorage")
struct MemoryStorageTests {
    private func storage(lastIndex: LogIndex, term: Term = 1) -> MemoryStorage {
        let storage = MemoryStorage(voters: [1, 2, 3])
        storage.append((1...lastIndex).map { Entry(term: term, index: $0, data: [UInt8($0)]) })
        return storage
    }

    @Test("a new storage names its members and holds an empty log")
    func fresh() throws {
        let storage = MemoryStorage(voters: [3, 1], learners: [4])
        #expect(storage.initialState().confState == ConfState(voters: [1, 3], learners: [4]))
        #expect(storage.initialState().hardState.isEmpty)
        #expect(storage.firstIndex() == 1)
        #expect(storage.lastIndex() == 0)
        #expect(try storage.term(at: 0) == 0)
        #expect(throws: RaftError.unavailable) { try storage.entries(from: 1, to: 2, bytesMax: 100) }
    }

    @Test("entries outside the log are compacted or unavailable")
    func entryRanges() throws {
        let storage = storage(lastIndex: 6)
        try storage.compact(to: 3)
        #expect(throws: RaftError.compacted) { try storage.entries(from: 3, to: 5, bytesMax: 100) }
        #expect(throws: RaftError.unavailable) { try storage.entries(from: 4, to: 8, bytesMax: 100) }
        #expect(try storage.entries(from: 4, to: 7, bytesMax: 1_000).map(\.index) == [4, 5, 6])
        #expect(try storage.term(at: 3) == 1)
        #expect(throws: RaftError.compacted) { try storage.term(at: 2) }
    }

    @Test("the byte limit cuts the range but always returns one entry")
    func byteLimit() throws {
        let storage = storage(lastIndex: 4)
        #expect(try storage.entries(from: 1, to: 5, bytesMax: 1).map(\.index) == [1])
        let two = 2 * (1 + Entry.headerBytes)
        #expect(try storage.entries(from: 1, to: 5, bytesMax: two).map(\.index) == [1, 2])
    }

    @Test("appending over a suffix replaces it; entries already compacted are skipped")
    func appendOverlapping() throws {
        let storage = storage(lastIndex: 5)
        storage.append([Entry(term: 2, index: 4)])
        #expect(storage.lastIndex() == 4)
        #expect(try storage.term(at: 4) == 2)
        try storage.compact(to: 3)
        storage.append([Entry(term: 3, index: 2), Entry(term: 3, index: 3), Entry(term: 3, index: 4)])
        #expect(try storage.term(at: 4) == 3)
        #expect(storage.firstIndex() == 4)
        storage.append([Entry(term: 4, index: 1)])
        #expect(storage.lastIndex() == 4)
    }

    @Test("compacting again at or below the first index is refused")
    func compactTwice() throws {
        let storage = storage(lastIndex: 5)
        try storage.compact(to: 3)
        #expect(throws: RaftError.compacted) { try storage.compact(to: 3) }
        try storage.compact(to: 5)
        #expect(storage.firstIndex() == 6)
        #expect(storage.lastIndex() == 5)
    }

    @Test("snapshots only move forward")
    func snapshotsMoveForward() throws {
        let storage = storage(lastIndex: 5)
        let snapshot = try storage.createSnapshot(index: 4, confState: ConfState(voters: [1]), data: [1])
        #expect(snapshot.metadata.index == 4 && snapshot.metadata.term == 1)
        #expect(throws: RaftError.snapshotOutOfDate) {
            try storage.createSnapshot(index: 4, confState: ConfState(voters: [1]), data: [])
        }
        #expect(throws: RaftError.snapshotOutOfDate) {
            try storage.applySnapshot(Snapshot(metadata: SnapshotMetadata(index: 3, term: 1)))
        }
    }

    @Test("a snapshot below the compacted prefix is refused, not a crash")
    func snapshotOfCompactedIndex() throws {
        let storage = storage(lastIndex: 6)
        try storage.compact(to: 5)
        #expect(throws: RaftError.compacted) {
            try storage.createSnapshot(index: 3, confState: ConfState(voters: [1]), data: [])
        }
        #expect(try storage.createSnapshot(index: 5, confState: ConfState(voters: [1]), data: []).metadata.term == 1)
    }

    @Test("installing a snapshot replaces the whole log")
    func applySnapshot() throws {
        let storage = storage(lastIndex: 3)
        let confState = ConfState(voters: [1, 2], learners: [3])
        try storage.applySnapshot(Snapshot(metadata: SnapshotMetadata(index: 9, term: 4, confState: confState)))
        #expect(storage.firstIndex() == 10)
        #expect(storage.lastIndex() == 9)
        #expect(try storage.term(at: 9) == 4)
        #expect(storage.initialState().confState == confState)
        #expect(try storage.snapshot().metadata.index == 9)
    }
}
