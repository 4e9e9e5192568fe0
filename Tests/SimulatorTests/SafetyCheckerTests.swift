import RaftCore
import Testing

@testable import Simulator

/// Crafted histories for each checker, including those no planted fault reaches.
@Suite struct SafetyCheckerTests {
    private func entry(_ index: LogIndex, _ term: Term, value: UInt64? = nil) -> Entry {
        Entry(term: term, index: index, data: value.map(ClientValue.encode) ?? [])
    }

    /// Runs `history` against a fresh checker; returns the checker that objected, if any.
    private func firstViolation(_ history: (inout SafetyChecker) throws(Violation) -> Void)
        -> CheckerName?
    {
        var checker = SafetyChecker()
        do {
            try history(&checker)
            return nil
        } catch {
            return error.checker
        }
    }

    /// Applies `entries` in order on `node` (in `nodeTerm`), as a node's machine does.
    private func apply(
        _ entries: [Entry], on node: NodeID, inTerm nodeTerm: Term = 1,
        to checker: inout SafetyChecker
    ) throws(Violation) {
        var machine = DigestMachine()
        for entry in entries {
            machine.apply(entry)
            try checker.entryApplied(entry, digest: machine.digest, node: node, nodeTerm: nodeTerm)
        }
    }

    // MARK: - Election safety

    @Test func twoLeadersInOneTermAreCaught() {
        let found = firstViolation { checker throws(Violation) in
            try checker.leaderElected(node: 1, term: 3)
            try checker.leaderElected(node: 2, term: 3)
        }
        #expect(found == .electionSafety)
    }

    @Test func oneLeaderPerTermPasses() {
        let found = firstViolation { checker throws(Violation) in
            try checker.leaderElected(node: 1, term: 3)
            try checker.leaderElected(node: 1, term: 3)
            try checker.leaderElected(node: 2, term: 4)
        }
        #expect(found == nil)
    }

    // MARK: - Log matching

    @Test func sameIndexAndTermWithOtherDataIsCaught() {
        let found = firstViolation { checker throws(Violation) in
            try checker.entryAppended(entry(5, 2, value: 1), previousTerm: 2, node: 1)
            try checker.entryAppended(entry(5, 2, value: 9), previousTerm: 2, node: 2)
        }
        #expect(found == .logMatching)
    }

    @Test func sameEntryAfterDifferentTermsIsCaught() {
        let found = firstViolation { checker throws(Violation) in
            try checker.entryAppended(entry(5, 3, value: 1), previousTerm: 2, node: 1)
            try checker.entryAppended(entry(5, 3, value: 1), previousTerm: 1, node: 2)
        }
        #expect(found == .logMatching)
    }

    @Test func matchingLogsAndUnknownPredecessorsPass() {
        let found = firstViolation { checker throws(Violation) in
            try checker.entryAppended(entry(5, 3, value: 1), previousTerm: nil, node: 1)
            try checker.entryAppended(entry(5, 3, value: 1), previousTerm: 2, node: 2)
            try checker.entryAppended(entry(5, 4, value: 7), previousTerm: 2, node: 3)
        }
        #expect(found == nil)
    }

    // MARK: - State machine safety

    @Test func differentEntriesAppliedAtOneIndexAreCaught() {
        let found = firstViolation { checker throws(Violation) in
            try apply([entry(1, 1, value: 1), entry(2, 1, value: 2)], on: 1, to: &checker)
            try apply([entry(1, 1, value: 1), entry(2, 2, value: 3)], on: 2, to: &checker)
        }
        #expect(found == .stateMachineSafety)
    }

    @Test func snapshotOfAnotherHistoryIsCaught() {
        let found = firstViolation { checker throws(Violation) in
            try apply([entry(1, 1, value: 1), entry(2, 1, value: 2)], on: 1, to: &checker)
            var other = DigestMachine()
            other.apply(entry(1, 1, value: 5))
            other.apply(entry(2, 1, value: 6))
            try checker.snapshotRestored(index: 2, digest: other.digest, node: 2)
        }
        #expect(found == .stateMachineSafety)
    }

    @Test func identicalHistoriesPass() {
        let found = firstViolation { checker throws(Violation) in
            let entries = [entry(1, 1), entry(2, 1, value: 1), entry(3, 2, value: 2)]
            try apply(entries, on: 1, to: &checker)
            try apply(entries, on: 2, to: &checker)
            var machine = DigestMachine()
            entries.forEach { machine.apply($0) }
            try checker.snapshotRestored(index: 3, digest: machine.digest, node: 3)
        }
        #expect(found == nil)
    }

    // MARK: - Exactly once

    @Test func valueAppliedAtTwoIndexesIsCaught() {
        let found = firstViolation { checker throws(Violation) in
            try apply([entry(1, 1, value: 4), entry(2, 1, value: 4)], on: 1, to: &checker)
        }
        #expect(found == .exactlyOnce)
    }

    @Test func acknowledgedValueMissingOnAMemberIsCaught() {
        let found = firstViolation { checker throws(Violation) in
            try apply([entry(1, 1, value: 4), entry(2, 1, value: 5)], on: 1, to: &checker)
            try checker.proposalAcknowledged(value: 5, index: 2)
            try checker.checkHoldsAcknowledged(node: 2, appliedIndex: 1)
        }
        #expect(found == .exactlyOnce)
    }

    @Test func acknowledgementOfAnUnappliedValueIsCaught() {
        let found = firstViolation { checker throws(Violation) in
            try apply([entry(1, 1, value: 4)], on: 1, to: &checker)
            try checker.proposalAcknowledged(value: 4, index: 2)
        }
        #expect(found == .exactlyOnce)
    }

    @Test func acknowledgedValuesHeldEverywherePass() {
        let found = firstViolation { checker throws(Violation) in
            try apply([entry(1, 1, value: 4), entry(2, 1, value: 5)], on: 1, to: &checker)
            try checker.proposalAcknowledged(value: 5, index: 2)
            try checker.checkHoldsAcknowledged(node: 2, appliedIndex: 2)
        }
        #expect(found == nil)
    }

    // MARK: - Leader completeness

    private func log(_ entries: [Entry]) -> LogView {
        let storage = MemoryStorage(voters: [1, 2, 3])
        storage.append(entries)
        return LogView(storage: storage)
    }

    @Test func leaderMissingACommittedEntryIsCaught() {
        let found = firstViolation { checker throws(Violation) in
            try apply([entry(1, 1, value: 1), entry(2, 1, value: 2)], on: 1, to: &checker)
            try checker.checkLeaderCompleteness(
                node: 2, term: 2, committedIndex: 2, log: log([entry(1, 1, value: 1)]))
        }
        #expect(found == .leaderCompleteness)
    }

    @Test func leaderHoldingAnotherTermAtACommittedIndexIsCaught() {
        let found = firstViolation { checker throws(Violation) in
            try apply([entry(1, 1, value: 1), entry(2, 1, value: 2)], on: 1, to: &checker)
            try checker.checkLeaderCompleteness(
                node: 2, term: 3, committedIndex: 2,
                log: log([entry(1, 1, value: 1), entry(2, 2, value: 9), entry(3, 3)]))
        }
        #expect(found == .leaderCompleteness)
    }

    /// A candidate whose votes arrive late may lead an old term after a later term committed
    /// entries it lacks: that is no violation.
    @Test func lateLeaderOfAnOlderTermIsNotBlamed() {
        let found = firstViolation { checker throws(Violation) in
            try apply([entry(1, 1, value: 1), entry(2, 3, value: 2)], on: 1, inTerm: 3, to: &checker)
            try checker.checkLeaderCompleteness(
                node: 2, term: 2, committedIndex: 2, log: log([entry(1, 1, value: 1), entry(2, 2)]))
        }
        #expect(found == nil)
    }

    @Test func completeLeaderPasses() {
        let found = firstViolation { checker throws(Violation) in
            try apply([entry(1, 1, value: 1), entry(2, 1, value: 2)], on: 1, to: &checker)
            try checker.checkLeaderCompleteness(
                node: 2, term: 3, committedIndex: 2,
                log: log([entry(1, 1, value: 1), entry(2, 1, value: 2), entry(3, 3)]))
        }
        #expect(found == nil)
    }

    @Test func logViewOverlaysTheReadyOnStorage() {
        let storage = MemoryStorage(voters: [1])
        storage.append([entry(1, 1), entry(2, 1), entry(3, 1)])
        let view = LogView(storage: storage, entries: [entry(3, 2), entry(4, 2)])
        #expect(view.term(at: 2) == 1)
        #expect(view.term(at: 3) == 2)
        #expect(view.lastIndex == 4)
        #expect(view.term(at: 5) == nil)
        let restored = LogView(
            storage: storage, snapshot: Snapshot(metadata: SnapshotMetadata(index: 10, term: 4)),
            entries: [entry(11, 4)])
        #expect(restored.firstIndex == 11)
        #expect(restored.term(at: 10) == 4)
        #expect(restored.term(at: 3) == nil)
    }

    // MARK: - Linearizable reads

    @Test func readBehindAnAcknowledgedWriteIsCaught() {
        let found = firstViolation { checker throws(Violation) in
            try checker.checkRead(node: 1, readIndex: 4, requiredIndex: 5)
        }
        #expect(found == .linearizableRead)
    }

    @Test func readCoveringAcknowledgedWritesPasses() {
        let found = firstViolation { checker throws(Violation) in
            try checker.checkRead(node: 1, readIndex: 5, requiredIndex: 5)
        }
        #expect(found == nil)
    }
}
