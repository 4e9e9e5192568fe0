import Checksum
import NIOCore
import RaftCore
import Testing

@testable import Transport

private let decoder = FrameDecoder(frameBytesMax: 1024 * 1024)

private func decode(_ bytes: [UInt8], with decoder: FrameDecoder = decoder) throws(FrameError) -> Frame? {
    var buffer = ByteBuffer(bytes: bytes)
    return try decoder.decode(&buffer)
}

@Suite struct FrameCodecTests {
    @Test(arguments: FrameKind.allCases)
    func framesRoundTrip(kind: FrameKind) throws {
        let frame = Frame(kind: kind, payload: Array(0..<200).map { UInt8($0) })
        var buffer = ByteBuffer()
        FrameCodec.encode(frame, into: &buffer)
        FrameCodec.encode(Frame(kind: kind, payload: []), into: &buffer)
        #expect(try decoder.decode(&buffer) == frame)
        #expect(try decoder.decode(&buffer) == Frame(kind: kind, payload: []))
        #expect(try decoder.decode(&buffer) == nil)
        #expect(buffer.readableBytes == 0)
    }

    @Test func layoutIsLengthVersionKindPayloadChecksum() {
        let bytes = FrameCodec.encode(Frame(kind: .message, payload: [0xAB]))
        #expect(bytes.count == 1 + FrameCodec.overheadBytes)
        #expect(Array(bytes[0..<4]) == [0, 0, 0, 7])
        #expect(Array(bytes[4..<7]) == [peerProtocolVersion, FrameKind.message.rawValue, 0xAB])
    }

    @Test func oversizedFrameIsRejectedFromItsLengthPrefixAlone() {
        // Only the four length bytes exist: the decoder must refuse without waiting for the body.
        let header: [UInt8] = [0x40, 0, 0, 0]
        #expect(throws: FrameError.frameTooLarge(bytes: 0x4000_0004, bytesMax: 1024 * 1024)) {
            try decode(header)
        }
    }

    @Test func frameJustOverTheLimitIsRejectedAndOneAtTheLimitAccepted() throws {
        let limited = FrameDecoder(frameBytesMax: 100)
        let atLimit = FrameCodec.encode(Frame(kind: .message, payload: [UInt8](repeating: 1, count: 90)))
        #expect(try decode(atLimit, with: limited) != nil)
        let overLimit = FrameCodec.encode(Frame(kind: .message, payload: [UInt8](repeating: 1, count: 91)))
        #expect(throws: FrameError.frameTooLarge(bytes: 101, bytesMax: 100)) { try decode(overLimit, with: limited) }
    }

    @Test func lengthTooShortForTheFixedFieldsIsRejected() {
        #expect(throws: FrameError.frameTooShort(bytes: 9)) { try decode([0, 0, 0, 5, 1, 4, 0, 0, 0]) }
    }

    @Test func everySingleBitFlipIsCaught() throws {
        let original = FrameCodec.encode(Frame(kind: .message, payload: MessageCodec.encode(Message(kind: .append))))
        for bit in 0..<original.count * 8 {
            var damaged = original
            damaged[bit / 8] ^= 1 << (bit % 8)
            // A damaged length prefix may also read as "too large" or "wait for more bytes".
            let outcome = Result { () throws(FrameError) in try decode(damaged) }
            if bit >= FrameCodec.lengthBytes * 8 {
                guard case .failure(.checksumMismatch) = outcome else {
                    Issue.record("bit \(bit) flipped but not caught: \(outcome)")
                    continue
                }
            } else if case .success(let frame?) = outcome {
                Issue.record("bit \(bit) in the length prefix decoded to \(frame)")
            }
        }
    }

    @Test func unsupportedVersionIsRejected() {
        let bytes = FrameCodec.encode(Frame(kind: .hello, payload: [1, 2]), version: 9)
        #expect(throws: FrameError.unsupportedVersion(9)) { try decode(bytes) }
    }

    @Test func unknownFrameKindIsRejected() {
        var buffer = ByteBuffer()
        let checked: [UInt8] = [peerProtocolVersion, 77, 1]
        buffer.writeInteger(UInt32(checked.count + 4))
        buffer.writeBytes(checked)
        buffer.writeInteger(Checksum.CRC32C.checksum(checked))
        #expect(throws: FrameError.unknownKind(77)) { try decoder.decode(&buffer) }
    }

    @Test func accumulatorReassemblesFramesFedOneByteAtATime() throws {
        var generator = SeededGenerator(seed: 3)
        let frames = (0..<20).map { _ in Frame(kind: .message, payload: MessageCodec.encode(generator.message())) }
        let stream = frames.flatMap { FrameCodec.encode($0) }
        var accumulator = FrameAccumulator(frameBytesMax: 1024 * 1024)
        var received: [Frame] = []
        for byte in stream {
            accumulator.append(ByteBuffer(bytes: [byte]))
            while let frame = try accumulator.nextFrame() { received.append(frame) }
        }
        #expect(received == frames)
    }
}
