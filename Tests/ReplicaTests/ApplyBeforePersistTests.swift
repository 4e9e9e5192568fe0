import RaftCore
import Testing
@testable import Replica

/// Which committed entries of a Ready a replica may apply before the Ready's save.
struct ApplyBeforePersistTests {
    private func entries(_ indexes: ClosedRange<LogIndex>, term: Term = 2, confChangeAt: LogIndex? = nil) -> [Entry] {
        indexes.map { Entry(term: term, index: $0, kind: $0 == confChangeAt ? .confChange : .normal) }
    }

    private func appliable(
        _ committed: [Entry], stored: LogIndex, replacedFrom: LogIndex? = nil, snapshot: Bool = false
    ) -> Int {
        ReplicaCore.appliableBeforePersist(
            committed: committed, storedLastIndex: stored, replacedFrom: replacedFrom, installsSnapshot: snapshot)
    }

    @Test func entriesAnEarlierReadyStoredGoFirst() {
        #expect(appliable(entries(5...8), stored: 6) == 2)
        #expect(appliable(entries(5...8), stored: 8) == 4)
        #expect(appliable(entries(5...8), stored: 4) == 0)
    }

    /// A node that takes a new leader's log stores entries from `replacedFrom` on only in
    /// their old form until the Ready is saved: the committed new ones must wait for it.
    @Test func entriesTheReadyReplacesWaitForItsSave() {
        #expect(appliable(entries(5...8, term: 3), stored: 8, replacedFrom: 7) == 2)
        #expect(appliable(entries(5...8, term: 3), stored: 8, replacedFrom: 5) == 0)
        #expect(appliable(entries(5...8), stored: 8, replacedFrom: 9) == 4, "new entries past the stored log replace nothing")
    }

    @Test func noneBeforeASnapshotOrAMembershipChange() {
        #expect(appliable(entries(5...8), stored: 8, snapshot: true) == 0)
        #expect(appliable(entries(5...8, confChangeAt: 7), stored: 8) == 0)
    }
}
