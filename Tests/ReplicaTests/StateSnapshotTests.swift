import Foundation
import RaftCore
import Storage
import Testing

@testable import Replica

/// Snapshots are the `state` column family: these check their framing against damage and that
/// installing one replaces the whole column family, old keys included.
@Suite struct StateSnapshotTests {
    let pairs: [(key: [UInt8], value: [UInt8])] = [
        (Array("d/b".utf8), Array("second".utf8)), (Array("d/a".utf8), Array("first".utf8)), ([0x01, 0x02], []),
    ]

    @Test func roundTripsPairsInKeyOrder() throws {
        let decoded = try StateSnapshot.decode(StateSnapshot.encode(pairs))
        #expect(decoded.map(\.key) == [[0x01, 0x02], Array("d/a".utf8), Array("d/b".utf8)])
        #expect(decoded.map(\.value) == [[], Array("first".utf8), Array("second".utf8)])
    }

    @Test func refusesDamagedData() {
        let bytes = StateSnapshot.encode(pairs)
        var flipped = bytes
        flipped[12] ^= 0x01
        #expect(throws: EnvelopeError.malformed("snapshot checksum mismatch")) { try StateSnapshot.decode(flipped) }
        #expect(throws: EnvelopeError.truncated) { try StateSnapshot.decode(Array(bytes.prefix(10))) }
        #expect(throws: (any Error).self) { try StateSnapshot.decode(Array(bytes.dropLast(3))) }
        var otherVersion = bytes
        otherVersion[4] = 9
        #expect(throws: EnvelopeError.unsupportedVersion(9)) { try StateSnapshot.decode(otherVersion) }
        #expect(throws: EnvelopeError.malformed("not a state snapshot")) { try StateSnapshot.decode([UInt8](repeating: 0, count: 40)) }
    }

    @Test func installReplacesTheWholeStateAndRecordsItApplied() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = Directory(members: [1: MemberAddresses(peer: "127.0.0.11:7000", http: "127.0.0.11:8000")])
        do {
            let store = try RaftLogStore(path: path)
            try store.database.put(Array("d/stale".utf8), [1], in: .state)
            try store.database.put(Array("d/a".utf8), Array("old".utf8), in: .state)
            let data = StateSnapshot.encode(pairs + [(key: directoryKey, value: directory.encoded())])
            let metadata = SnapshotMetadata(index: 42, term: 3, confState: ConfState(voters: [1]))
            // As a replica does: the Ready's save stores the snapshot's place in the log first.
            try store.save(hardState: nil, entries: [], snapshot: Snapshot(metadata: metadata, data: []), sync: true)
            let installed = try StateSnapshot.install(StateSnapshot.decode(data), metadata: metadata, into: store, sync: true)
            #expect(installed == directory)
            #expect(store.appliedIndex == 42)
            // What a leader would send now is exactly what was installed.
            let again = try StateSnapshot.decode(StateSnapshot.encode(store.database))
            #expect(again.map(\.key) == [directoryKey, [0x01, 0x02], Array("d/a".utf8), Array("d/b".utf8)])
            #expect(again.map(\.value)[2] == Array("first".utf8))
        }
        let reopened = try RaftLogStore(path: path)
        #expect(reopened.appliedIndex == 42)
        #expect(try reopened.database.get(Array("d/stale".utf8), in: .state) == nil)
    }

    /// A leader builds a follower's snapshot on another thread: the first request only starts
    /// it, and what is built is the state as applied when it was asked, whatever is written
    /// meanwhile. It is kept for later requests until the log has moved past it.
    @Test func snapshotsAreBuiltAwayFromTheRaftThreadFromTheStateWhenAsked() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = try RaftLogStore(path: path)
        let founding = Snapshot(
            metadata: SnapshotMetadata(index: 1, term: 1, confState: ConfState(voters: [1])), data: StateSnapshot.encode([]))
        try store.save(hardState: HardState(term: 1, vote: noNode, commit: 1), entries: [], snapshot: founding, sync: true)
        _ = try StateSnapshot.install([], metadata: founding.metadata, into: store, sync: true)
        try store.database.put(Array("d/a".utf8), Array("before".utf8), in: .state)
        let builder = SnapshotBuilder()
        let storage = StateBackedStorage(store, builder: builder)
        #expect(throws: RaftError.snapshotTemporarilyUnavailable) { try storage.snapshot() }
        try store.database.put(Array("d/b".utf8), Array("after".utf8), in: .state)
        var built: Snapshot?
        for _ in 0..<500 where built == nil {
            built = try? storage.snapshot()
            if built == nil { try await Task.sleep(nanoseconds: 10_000_000) }
        }
        let snapshot = try #require(built)
        #expect(snapshot.metadata.index == 1)
        #expect(try StateSnapshot.decode(snapshot.data).map(\.key) == [Array("d/a".utf8)])
        #expect(try storage.snapshot() == snapshot)
        #expect(builder.usableSnapshot(firstIndex: 3) == nil)
        builder.stopAndWait()
    }
}
