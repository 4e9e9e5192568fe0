import NIOCore
import RaftCore
import Testing

@testable import Transport

/// What the receive path makes of some bytes: the frame decoder, then the message decoder.
private enum Outcome: Equatable {
    case incomplete
    case refused
    case message(Message)
}

private func receive(_ bytes: [UInt8]) -> Outcome {
    var buffer = ByteBuffer(bytes: bytes)
    do {
        guard let frame = try FrameDecoder(frameBytesMax: 64 * 1024).decode(&buffer) else { return .incomplete }
        guard frame.kind == .message else { return .refused }
        return .message(try MessageCodec.decode(frame.payload))
    } catch {
        return .refused
    }
}

@Suite struct FuzzTests {
    @Test func randomBytesNeverDecodeToAMessageThatEncodesDifferently() {
        var generator = SeededGenerator(seed: 0xF022)
        for _ in 0..<20_000 {
            let bytes = generator.bytes(countMax: 160)
            if case .message(let message) = receive(bytes) {
                let frame = FrameCodec.encode(Frame(kind: .message, payload: MessageCodec.encode(message)))
                #expect(Array(bytes[..<frame.count]) == frame)
            }
        }
    }

    /// Random bytes almost never pass the checksum, so this feeds the message decoder directly:
    /// whatever it accepts must be the canonical encoding of what it returns.
    @Test func randomPayloadsEitherFailOrAreCanonical() {
        var generator = SeededGenerator(seed: 0xF023)
        for round in 0..<20_000 {
            var payload = generator.bytes(countMax: 160)
            if round % 2 == 0, !payload.isEmpty {
                // Start half of them with a valid kind so decoding gets past the first byte.
                payload[0] = MessageKind.allCases.randomElement(using: &generator)!.rawValue
            }
            if let message = try? MessageCodec.decode(payload) {
                #expect(MessageCodec.encode(message) == payload)
            }
        }
    }

    @Test func mutatedValidPayloadsEitherFailOrAreCanonical() {
        var generator = SeededGenerator(seed: 0xF024)
        for _ in 0..<5_000 {
            var payload = MessageCodec.encode(generator.message())
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                payload[Int.random(in: 0..<payload.count, using: &generator)] = UInt8.random(in: .min ... .max, using: &generator)
            }
            if let message = try? MessageCodec.decode(payload) {
                #expect(MessageCodec.encode(message) == payload)
            }
        }
    }

    @Test func everyTruncationOfAValidFrameIsIncompleteAndTheWholeIsExact() {
        var generator = SeededGenerator(seed: 0xF025)
        for _ in 0..<100 {
            let message = generator.message()
            let frame = FrameCodec.encode(Frame(kind: .message, payload: MessageCodec.encode(message)))
            for length in 0..<frame.count {
                #expect(receive(Array(frame[..<length])) == .incomplete)
            }
            #expect(receive(frame) == .message(message))
        }
    }

    @Test func truncatedPayloadsInsideValidFramesAreRefused() {
        var generator = SeededGenerator(seed: 0xF026)
        for _ in 0..<100 {
            let payload = MessageCodec.encode(generator.message())
            for length in 0..<payload.count {
                let frame = FrameCodec.encode(Frame(kind: .message, payload: Array(payload[..<length])))
                #expect(receive(frame) == .refused)
            }
        }
    }
}
