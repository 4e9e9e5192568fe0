import RaftCore
import Testing
@testable import Replica

struct DirectoryTests {
    private let one = MemberAddresses(peer: "127.0.0.11:7000", http: "127.0.0.11:8080")
    private let two = MemberAddresses(peer: "127.0.0.12:7000", http: "127.0.0.12:8080")

    @Test func aDirectoryWithoutRemovalsEncodesAsBeforeRemovalsWereKept() throws {
        let directory = Directory(members: [2: two, 1: one])
        var expected = ByteWriter()
        expected.write(UInt32(2))
        for (node, addresses) in [(NodeID(1), one), (NodeID(2), two)] {
            expected.write(node)
            expected.write(addresses.peer)
            expected.write(addresses.http)
        }
        #expect(directory.encoded() == expected.bytes)
        #expect(try Directory(decoding: expected.bytes) == directory)
    }

    @Test func aRemovedNodeIsRememberedUntilItIsAddedAgain() throws {
        var directory = Directory(members: [1: one, 2: two])
        directory.remove(2)
        #expect(directory.members.keys.sorted() == [1])
        #expect(directory.removed == [2])
        #expect(try Directory(decoding: directory.encoded()) == directory)
        directory.set(2, two)
        #expect(directory.removed.isEmpty)
        #expect(directory.encoded() == Directory(members: [1: one, 2: two]).encoded())
    }

    @Test func removalsAreBoundedAndTheLowestIdsGoFirst() {
        var directory = Directory()
        for node in (1...NodeID(Directory.removedMax + 3)).reversed() { directory.remove(node) }
        #expect(directory.removed.count == Directory.removedMax)
        #expect(directory.removed.min() == 4)
    }

    @Test func malformedRemovalsAreRefused() {
        var writer = ByteWriter()
        writer.write(UInt32(0))
        writer.write(UInt32(Directory.removedMax + 1))
        #expect(throws: EnvelopeError.self) { try Directory(decoding: writer.bytes) }
        var truncated = ByteWriter()
        truncated.write(UInt32(0))
        truncated.write(UInt32(2))
        truncated.write(NodeID(7))
        #expect(throws: EnvelopeError.self) { try Directory(decoding: truncated.bytes) }
    }
}
