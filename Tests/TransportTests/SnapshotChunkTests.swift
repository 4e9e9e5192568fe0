import RaftCore
import Testing

@testable import Transport

private func snapshotMessage(dataBytes: Int) -> Message {
    let data = (0..<dataBytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }
    let metadata = SnapshotMetadata(index: 900, term: 7, confState: ConfState(voters: [1, 2, 3], learners: [4]))
    return Message(kind: .snapshot, from: 1, to: 2, term: 7, snapshot: Snapshot(metadata: metadata, data: data))
}

private func chunks(of message: Message, streamID: UInt64 = 1, chunkBytesMax: Int = 1000) -> [SnapshotChunk] {
    Array(SnapshotChunker(encoded: MessageCodec.encode(message), streamID: streamID, chunkBytesMax: chunkBytesMax))
}

@Suite struct SnapshotChunkTests {
    @Test(arguments: [0, 1, 999, 1000, 5_432])
    func chunksReassembleIntoTheOriginalMessage(dataBytes: Int) throws {
        let message = snapshotMessage(dataBytes: dataBytes)
        let pieces = chunks(of: message)
        #expect(pieces.allSatisfy { $0.data.count <= 1000 })
        var assembler = SnapshotAssembler(snapshotBytesMax: 1 << 20)
        for piece in pieces.dropLast() {
            #expect(try assembler.receive(SnapshotChunk(encoded: piece.encoded())) == nil)
        }
        let encoded = try #require(try assembler.receive(pieces.last!))
        #expect(try MessageCodec.decode(encoded) == message)
        #expect(!assembler.isReceiving)
    }

    @Test func outOfOrderChunkIsAnErrorAndAbandonsTheStream() throws {
        let pieces = chunks(of: snapshotMessage(dataBytes: 3_000))
        var assembler = SnapshotAssembler(snapshotBytesMax: 1 << 20)
        _ = try assembler.receive(pieces[0])
        #expect(throws: SnapshotAssemblyError.unexpectedChunk(streamID: 1, chunkIndex: 2)) {
            try assembler.receive(pieces[2])
        }
        #expect(!assembler.isReceiving)
        #expect(throws: SnapshotAssemblyError.unexpectedChunk(streamID: 1, chunkIndex: 1)) {
            try assembler.receive(pieces[1])
        }
    }

    @Test func streamThatStartsMidwayIsAnError() {
        let pieces = chunks(of: snapshotMessage(dataBytes: 3_000))
        var assembler = SnapshotAssembler(snapshotBytesMax: 1 << 20)
        #expect(throws: SnapshotAssemblyError.unexpectedChunk(streamID: 1, chunkIndex: 1)) {
            try assembler.receive(pieces[1])
        }
    }

    @Test func abortedStreamFollowedByANewOneIsAnError() throws {
        let first = chunks(of: snapshotMessage(dataBytes: 3_000), streamID: 1)
        let second = chunks(of: snapshotMessage(dataBytes: 3_000), streamID: 2)
        var assembler = SnapshotAssembler(snapshotBytesMax: 1 << 20)
        _ = try assembler.receive(first[0])
        #expect(throws: SnapshotAssemblyError.unexpectedChunk(streamID: 2, chunkIndex: 0)) {
            try assembler.receive(second[0])
        }
    }

    @Test func announcedSizeOverTheLimitIsRefusedAtTheFirstChunk() {
        let pieces = chunks(of: snapshotMessage(dataBytes: 5_000))
        var assembler = SnapshotAssembler(snapshotBytesMax: 4_000)
        #expect(throws: SnapshotAssemblyError.snapshotTooLarge(bytes: pieces[0].totalBytes, bytesMax: 4_000)) {
            try assembler.receive(pieces[0])
        }
    }

    @Test func chunksCarryingMoreThanTheTotalAreRefused() throws {
        var pieces = chunks(of: snapshotMessage(dataBytes: 3_000))
        pieces[1].data += [0]
        var assembler = SnapshotAssembler(snapshotBytesMax: 1 << 20)
        _ = try assembler.receive(pieces[0])
        _ = try assembler.receive(pieces[1])
        _ = try assembler.receive(pieces[2])
        #expect(throws: SnapshotAssemblyError.inconsistentStream(streamID: 1)) { try assembler.receive(pieces[3]) }
    }

    @Test func shortLastChunkIsRefused() throws {
        var pieces = chunks(of: snapshotMessage(dataBytes: 1_500))
        pieces[pieces.count - 1].data.removeLast()
        var assembler = SnapshotAssembler(snapshotBytesMax: 1 << 20)
        for piece in pieces.dropLast() { _ = try assembler.receive(piece) }
        #expect(throws: SnapshotAssemblyError.inconsistentStream(streamID: 1)) { try assembler.receive(pieces.last!) }
    }

    @Test func headerThatChangesMidStreamIsRefused() throws {
        var pieces = chunks(of: snapshotMessage(dataBytes: 3_000))
        pieces[1].totalBytes += 1
        var assembler = SnapshotAssembler(snapshotBytesMax: 1 << 20)
        _ = try assembler.receive(pieces[0])
        #expect(throws: SnapshotAssemblyError.inconsistentStream(streamID: 1)) { try assembler.receive(pieces[1]) }
    }

    @Test func chunkCountThatCannotFitTheTotalIsRefused() {
        let chunk = SnapshotChunk(streamID: 5, chunkIndex: 0, chunkCount: 1_000_000, totalBytes: 10, data: [1])
        var assembler = SnapshotAssembler(snapshotBytesMax: 1 << 20)
        #expect(throws: SnapshotAssemblyError.inconsistentStream(streamID: 5)) { try assembler.receive(chunk) }
    }

    @Test func truncatedChunkHeaderIsAPayloadError() {
        #expect(throws: PayloadError.self) { try SnapshotChunk(encoded: [0, 1, 2]) }
    }
}
