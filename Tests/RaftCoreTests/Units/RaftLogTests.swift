import Testing
@testable import RaftCore

@Suite("RaftLog")
struct RaftLogTests {
    /// A log whose storage holds `terms[i]` at index i + 1.
    private func log(terms: [Term], committedBytesMax: Int = 1 << 20) -> RaftLog {
        let storage = MemoryStorage(voters: [1])
        storage.append(terms.enumerated().map { Entry(term: $1, index: LogIndex($0 + 1)) })
        return RaftLog(storage: storage, committedBytesMax: committedBytesMax)
    }

    @Test("a matching append adds the new entries and takes the leader's commit up to them")
    func appendMatching() {
        var raftLog = log(terms: [1, 1])
        let new = [Entry(term: 1, index: 3), Entry(term: 2, index: 4)]
        let lastNew = raftLog.maybeAppend(index: 2, logTerm: 1, committed: 9, entries: new)
        #expect(lastNew == 4)
        #expect(raftLog.lastIndex() == 4)
        #expect(raftLog.committed == 4)
    }

    @Test("an append that does not match at its previous entry is refused")
    func appendMismatch() {
        var raftLog = log(terms: [1, 1])
        let wrongTerm = raftLog.maybeAppend(index: 2, logTerm: 2, committed: 2, entries: [])
        #expect(wrongTerm == nil)
        let beyondEnd = raftLog.maybeAppend(index: 5, logTerm: 1, committed: 2, entries: [])
        #expect(beyondEnd == nil)
        #expect(raftLog.committed == 0)
    }

    @Test("a conflicting entry replaces the suffix; entries we already have are kept")
    func appendConflict() {
        var raftLog = log(terms: [1, 1, 1, 1])
        let new = [Entry(term: 1, index: 2), Entry(term: 3, index: 3)]
        #expect(raftLog.findConflict(new) == 3)
        let lastNew = raftLog.maybeAppend(index: 1, logTerm: 1, committed: 0, entries: new)
        #expect(lastNew == 3)
        #expect(raftLog.lastIndex() == 3)
        #expect(raftLog.termOrZero(3) == 3)
        #expect(raftLog.unstable.offset == 3)
    }

    @Test("a duplicate append changes nothing")
    func appendDuplicate() {
        var raftLog = log(terms: [1, 1, 1])
        let old = [Entry(term: 1, index: 2)]
        let lastNew = raftLog.maybeAppend(index: 1, logTerm: 1, committed: 0, entries: old)
        #expect(lastNew == 2)
        #expect(raftLog.lastIndex() == 3)
        #expect(raftLog.unstable.entries.isEmpty)
    }

    @Test("findConflictByTerm skips back over entries of newer terms")
    func conflictByTerm() {
        let raftLog = log(terms: [1, 1, 2, 2, 5, 5])
        #expect(raftLog.findConflictByTerm(index: 6, term: 3) == (4, 2))
        #expect(raftLog.findConflictByTerm(index: 6, term: 1) == (2, 1))
        #expect(raftLog.findConflictByTerm(index: 9, term: 9) == (6, 5))
        #expect(raftLog.findConflictByTerm(index: 6, term: 0) == (0, 0))
    }

    @Test("up to date means a newer last term, or the same last term and a log at least as long")
    func upToDate() {
        let raftLog = log(terms: [1, 2, 2])
        #expect(raftLog.isUpToDate(index: 1, term: 3))
        #expect(raftLog.isUpToDate(index: 3, term: 2))
        #expect(!raftLog.isUpToDate(index: 2, term: 2))
        #expect(!raftLog.isUpToDate(index: 9, term: 1))
    }

    @Test("the leader commits by counting only entries of its own term")
    func commitCurrentTermOnly() {
        var raftLog = log(terms: [1, 1, 2])
        let priorTerm = raftLog.maybeCommit(index: 2, term: 2)
        #expect(!priorTerm)
        #expect(raftLog.committed == 0)
        let currentTerm = raftLog.maybeCommit(index: 3, term: 2)
        #expect(currentTerm)
        #expect(raftLog.committed == 3)
        let again = raftLog.maybeCommit(index: 2, term: 1)
        #expect(!again)
    }

    @Test("term() tells compacted from unavailable")
    func termErrors() throws {
        let storage = MemoryStorage(voters: [1])
        storage.append((1...5).map { Entry(term: 1, index: $0) })
        try storage.compact(to: 3)
        let raftLog = RaftLog(storage: storage, committedBytesMax: 1 << 20)
        #expect(throws: RaftError.compacted) { try raftLog.term(2) }
        #expect(try raftLog.term(3) == 1)
        #expect(throws: RaftError.unavailable) { try raftLog.term(6) }
        #expect(raftLog.committed == 3)
    }

    @Test("committed entries are handed out within the byte limit, at least one at a time")
    func committedBytesLimit() {
        let storage = MemoryStorage(voters: [1])
        storage.append((1...3).map { Entry(term: 1, index: $0, data: Array(repeating: 7, count: 40)) })
        var raftLog = RaftLog(storage: storage, committedBytesMax: 10)
        raftLog.commitTo(3)
        #expect(raftLog.nextCommittedEntries().map(\.index) == [1])
        raftLog.applying = 1
        #expect(raftLog.nextCommittedEntries().map(\.index) == [2])
    }

    @Test("a slice spans stable storage and unstable entries")
    func sliceAcrossStorage() throws {
        var raftLog = log(terms: [1, 1])
        raftLog.append([Entry(term: 2, index: 3), Entry(term: 2, index: 4)])
        let slice = try raftLog.slice(2, 5, bytesMax: Int.max)
        #expect(slice.map(\.index) == [2, 3, 4])
        #expect(slice.map(\.term) == [1, 2, 2])
    }
}
