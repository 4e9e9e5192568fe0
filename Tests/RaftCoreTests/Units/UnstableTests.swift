import Testing
@testable import RaftCore

@Suite("Unstable")
struct UnstableTests {
    private func entries(_ range: ClosedRange<LogIndex>, term: Term) -> [Entry] {
        range.map { Entry(term: term, index: $0) }
    }

    @Test("appending right after the last entry extends the log")
    func appendAfter() {
        var unstable = Unstable(offset: 5)
        unstable.truncateAndAppend(entries(5...6, term: 1))
        unstable.truncateAndAppend(entries(7...7, term: 1))
        #expect(unstable.maybeLastIndex() == 7)
        #expect(unstable.nextEntries().map(\.index) == [5, 6, 7])
    }

    @Test("a conflicting suffix is replaced and handed out again")
    func truncateSuffix() {
        var unstable = Unstable(offset: 5)
        unstable.truncateAndAppend(entries(5...8, term: 1))
        unstable.acceptInProgress()
        #expect(unstable.nextEntries().isEmpty)
        unstable.truncateAndAppend(entries(7...7, term: 2))
        #expect(unstable.entries.map(\.term) == [1, 1, 2])
        #expect(unstable.nextEntries().map(\.index) == [7])
    }

    @Test("entries that start at or before the offset replace everything")
    func replaceAll() {
        var unstable = Unstable(offset: 5)
        unstable.truncateAndAppend(entries(5...6, term: 1))
        unstable.truncateAndAppend(entries(3...4, term: 2))
        #expect(unstable.offset == 3)
        #expect(unstable.maybeLastIndex() == 4)
        #expect(unstable.nextEntries().map(\.index) == [3, 4])
    }

    @Test("stableTo drops persisted entries, unless they were replaced meanwhile")
    func stableTo() {
        var unstable = Unstable(offset: 1)
        unstable.truncateAndAppend(entries(1...3, term: 1))
        unstable.stableTo(index: 2, term: 2)
        #expect(unstable.offset == 1)
        unstable.stableTo(index: 2, term: 1)
        #expect(unstable.offset == 3)
        #expect(unstable.entries.map(\.index) == [3])
        #expect(unstable.maybeTerm(2) == nil)
    }

    @Test("a snapshot answers for its own index and becomes the first index")
    func snapshot() {
        var unstable = Unstable(offset: 1)
        unstable.truncateAndAppend(entries(1...2, term: 1))
        unstable.restore(Snapshot(metadata: SnapshotMetadata(index: 9, term: 3)))
        #expect(unstable.entries.isEmpty)
        #expect(unstable.offset == 10)
        #expect(unstable.maybeFirstIndex() == 10)
        #expect(unstable.maybeLastIndex() == 9)
        #expect(unstable.maybeTerm(9) == 3)
        #expect(unstable.maybeTerm(8) == nil)
        #expect(unstable.nextSnapshot() != nil)
        unstable.acceptInProgress()
        #expect(unstable.nextSnapshot() == nil)
        unstable.stableSnapshotTo(index: 9)
        #expect(unstable.snapshot == nil)
    }
}
