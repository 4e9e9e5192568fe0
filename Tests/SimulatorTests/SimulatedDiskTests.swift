import RaftCore
import Testing

@testable import Simulator

/// The disk model the crash tests rely on.
@Suite struct SimulatedDiskTests {
    private func entries(_ range: ClosedRange<LogIndex>, term: Term = 1) -> [Entry] {
        range.map { Entry(term: term, index: $0) }
    }

    @Test func crashLosesUnsyncedWrites() throws {
        var disk = SimulatedDisk(voters: [1, 2, 3])
        try disk.write(.raft(snapshot: nil, entries: entries(1...2), hardState: nil, machine: nil), sync: true)
        try disk.write(.raft(snapshot: nil, entries: entries(3...4), hardState: nil, machine: nil), sync: false)
        #expect(disk.storage.lastIndex() == 4)
        disk.crash()
        #expect(disk.storage.lastIndex() == 2)
        #expect(disk.storage.initialState().confState == ConfState(voters: [1, 2, 3]))
    }

    @Test func syncMakesEarlierWritesDurable() throws {
        var disk = SimulatedDisk(voters: [1])
        try disk.write(.raft(snapshot: nil, entries: entries(1...3), hardState: nil, machine: nil), sync: false)
        var machine = DigestMachine()
        machine.apply(Entry(term: 1, index: 1))
        try disk.write(.applied(machine: machine, confState: ConfState(voters: [1, 4])), sync: false)
        try disk.write(
            .raft(snapshot: nil, entries: [], hardState: HardState(term: 2, vote: 1, commit: 1), machine: nil),
            sync: true)
        disk.crash()
        #expect(disk.storage.lastIndex() == 3)
        #expect(disk.storage.hardState == HardState(term: 2, vote: 1, commit: 1))
        #expect(disk.durableMachine == machine)
        #expect(disk.storage.initialState().confState == ConfState(voters: [1, 4]))
    }

    @Test func compactionSurvivesACrashOnceSynced() throws {
        var disk = SimulatedDisk(voters: [1])
        try disk.write(.raft(snapshot: nil, entries: entries(1...5), hardState: nil, machine: nil), sync: true)
        try disk.write(.compaction(index: 3, confState: ConfState(voters: [1]), data: [7]), sync: false)
        disk.flush()
        disk.crash()
        #expect(disk.storage.firstIndex() == 4)
        #expect(disk.storage.lastIndex() == 5)
        #expect(try disk.storage.snapshot().data == [7])
    }

    @Test func machineImageRoundTrips() {
        var machine = DigestMachine()
        machine.apply(Entry(term: 1, index: 1, data: ClientValue.encode(42)))
        #expect(DigestMachine(encoded: machine.encoded) == machine)
        #expect(DigestMachine(encoded: [1, 2, 3]) == nil)
        #expect(ClientValue.decode(Entry(term: 1, index: 1, data: ClientValue.encode(42))) == 42)
    }
}
