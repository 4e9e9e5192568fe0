import RaftCore
import Testing

@testable import Transport

/// Offsets into version 1 encodings, from the layout documented on `MessageCodec`.
private enum Offset {
    static let reject = 49
    static let contextCount = 58
    static let entryCount = 62
    /// With an empty context: the first entry's kind, after its term and index.
    static let firstEntryKind = 82
    /// With an empty context and no entries: the voters' count, after the flag, index and term.
    static let votersCount = 83
}

private func bigEndian(_ values: UInt64...) -> [UInt8] {
    values.flatMap { value in (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) } }
}

@Suite struct MessageCodecTests {
    @Test(arguments: MessageKind.allCases)
    func everyKindRoundTripsWithRandomFields(kind: MessageKind) throws {
        var generator = SeededGenerator(seed: 0x5EED_0000 + UInt64(kind.rawValue))
        for _ in 0..<200 {
            let message = generator.message(kind: kind)
            let encoded = MessageCodec.encode(message)
            #expect(try MessageCodec.decode(encoded) == message)
        }
    }

    @Test func emptyMessageRoundTrips() throws {
        let message = Message(kind: .heartbeat)
        #expect(try MessageCodec.decode(MessageCodec.encode(message)) == message)
    }

    @Test func emptySnapshotIsNotConfusedWithNone() throws {
        let message = Message(kind: .snapshot, snapshot: Snapshot())
        #expect(try MessageCodec.decode(MessageCodec.encode(message)).snapshot == Snapshot())
    }

    @Test func unknownMessageKindIsRejected() {
        var bytes = MessageCodec.encode(Message(kind: .append))
        bytes[0] = 200
        #expect(throws: PayloadError.unknownMessageKind(200)) { try MessageCodec.decode(bytes) }
    }

    @Test func unknownEntryKindIsRejected() {
        var bytes = MessageCodec.encode(Message(kind: .append, entries: [Entry(term: 1, index: 1)]))
        bytes[Offset.firstEntryKind] = 7
        #expect(throws: PayloadError.unknownEntryKind(7)) { try MessageCodec.decode(bytes) }
    }

    @Test func invalidRejectFlagIsRejected() {
        var bytes = MessageCodec.encode(Message(kind: .appendResponse))
        bytes[Offset.reject] = 2
        #expect(throws: PayloadError.invalidFlag(2)) { try MessageCodec.decode(bytes) }
    }

    @Test func entryCountBeyondTheRemainingBytesIsRejectedBeforeReading() {
        var bytes = MessageCodec.encode(Message(kind: .append))
        bytes.replaceSubrange(Offset.entryCount..<Offset.entryCount + 4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: PayloadError.countExceedsRemaining(count: 0xFFFF_FFFF, elementBytesMin: 21, remaining: 1)) {
            try MessageCodec.decode(bytes)
        }
    }

    @Test func contextLongerThanTheRemainingBytesIsRejected() {
        var bytes = MessageCodec.encode(Message(kind: .readIndex, context: [1, 2, 3]))
        bytes.replaceSubrange(Offset.contextCount..<Offset.contextCount + 4, with: [0, 0, 1, 0])
        #expect(throws: PayloadError.countExceedsRemaining(count: 256, elementBytesMin: 1, remaining: 8)) {
            try MessageCodec.decode(bytes)
        }
    }

    @Test func trailingBytesAreRejected() {
        let bytes = MessageCodec.encode(Message(kind: .vote)) + [0]
        #expect(throws: PayloadError.trailingBytes(count: 1)) { try MessageCodec.decode(bytes) }
    }

    @Test func unsortedVotersAreRejected() {
        let message = Message(kind: .snapshot, snapshot: Snapshot(metadata: SnapshotMetadata(confState: ConfState(voters: [1, 2]))))
        var bytes = MessageCodec.encode(message)
        let voters = Offset.votersCount + 4
        #expect(Array(bytes[voters..<voters + 16]) == bigEndian(1, 2))
        bytes.replaceSubrange(voters..<voters + 16, with: bigEndian(2, 1))
        #expect(throws: PayloadError.nonCanonicalConfState) { try MessageCodec.decode(bytes) }
    }

    @Test func nodeInBothListsIsRejected() {
        let message = Message(
            kind: .snapshot,
            snapshot: Snapshot(metadata: SnapshotMetadata(confState: ConfState(voters: [3], learners: [4]))))
        var bytes = MessageCodec.encode(message)
        let learner = Offset.votersCount + 4 + 8 + 4
        #expect(Array(bytes[learner..<learner + 8]) == bigEndian(4))
        bytes.replaceSubrange(learner..<learner + 8, with: bigEndian(3))
        #expect(throws: PayloadError.nonCanonicalConfState) { try MessageCodec.decode(bytes) }
    }

    @Test func unknownEncodingVersionIsRejected() {
        #expect(throws: PayloadError.unsupportedVersion(2)) {
            try MessageCodec.decode(MessageCodec.encode(Message(kind: .vote)), version: 2)
        }
    }

    @Test func everyTruncationIsAnError() {
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<50 {
            let encoded = MessageCodec.encode(generator.message())
            for length in 0..<encoded.count {
                #expect(throws: PayloadError.self) { try MessageCodec.decode(Array(encoded[..<length])) }
            }
        }
    }
}
