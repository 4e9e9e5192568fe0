import Foundation
import Testing

@testable import ServiceDesk

/// The binary form of the write path: its layout is pinned (replicas of different builds read
/// each other's bytes), it is canonical, and hostile bytes get an error, never a crash.
@Suite struct BinaryCodingTests {
    struct Sample: Codable, Equatable {
        var name: String
        var count: Int64
        var size: UInt8
        var flag: Bool
        var ratio: Double
        var tags: [String]
        var labels: [String: Int]
        var note: String?
    }

    let sample = Sample(
        name: "é", count: -2, size: 200, flag: true, ratio: 0.5, tags: ["a"], labels: ["z": 1, "b": 2], note: nil)

    @Test func layoutIsPinned() throws {
        let bytes = try BinaryCoding.encode(sample)
        // Marker, object of 7 fields (note is absent) in key order: count, flag, labels, name, ratio, size, tags.
        let expected: [UInt8] = [
            0xB1, 8, 7,
            5, 99, 111, 117, 110, 116, 3, 3,  // "count": signed zigzag(-2) = 3
            4, 102, 108, 97, 103, 2,  // "flag": true
            6, 108, 97, 98, 101, 108, 115, 8, 2, 1, 98, 3, 4, 1, 122, 3, 2,  // "labels": {"b": 2, "z": 1}
            4, 110, 97, 109, 101, 6, 2, 0xC3, 0xA9,  // "name": "é"
            5, 114, 97, 116, 105, 111, 5, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F,  // "ratio": 0.5
            4, 115, 105, 122, 101, 4, 0xC8, 0x01,  // "size": unsigned varint 200
            4, 116, 97, 103, 115, 7, 1, 6, 1, 97,  // "tags": ["a"]
        ]
        #expect(bytes == expected)
        #expect(try BinaryCoding.decode(Sample.self, from: bytes) == sample)
    }

    @Test func dictionariesEncodeTheSameWhateverTheirOrder() throws {
        var first: [String: Int] = [:]
        var second: [String: Int] = [:]
        for number in 0..<200 { first["key\(number)"] = number }
        for number in (0..<200).reversed() { second["key\(number)"] = number }
        #expect(try BinaryCoding.encode(first) == BinaryCoding.encode(second))
        #expect(try BinaryCoding.decode([String: Int].self, from: BinaryCoding.encode(first)) == first)
    }

    @Test func extremeIntegersRoundTrip() throws {
        let values: [Int64] = [.min, -1, 0, 1, .max]
        #expect(try BinaryCoding.decode([Int64].self, from: BinaryCoding.encode(values)) == values)
        #expect(try BinaryCoding.decode(UInt64.self, from: BinaryCoding.encode(UInt64.max)) == .max)
        #expect(throws: DecodingError.self) { try BinaryCoding.decode(UInt8.self, from: BinaryCoding.encode(300)) }
        #expect(throws: DecodingError.self) { try BinaryCoding.decode(UInt64.self, from: BinaryCoding.encode(-1)) }
    }

    @Test func hostileBytesAreRefused() throws {
        let bytes = try BinaryCoding.encode(sample)
        for length in 0..<bytes.count {
            #expect(throws: (any Error).self) { try BinaryCoding.decode(Sample.self, from: Array(bytes.prefix(length))) }
        }
        #expect(throws: DeskDecodingError.malformed("trailing bytes")) { try BinaryCoding.decode(Sample.self, from: bytes + [0]) }
        #expect(throws: DeskDecodingError.malformed("unknown tag 42")) { try BinaryCoding.decode(Int.self, from: [0xB1, 42]) }
        let hugeCount: [UInt8] = [0xB1, 7, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]
        #expect(throws: DeskDecodingError.malformed("count exceeds the data")) { try BinaryCoding.decode([Int].self, from: hugeCount) }
        let deep: [UInt8] = [0xB1] + Array(repeating: [7, 1], count: 100).flatMap { $0 } + [0]
        #expect(throws: DeskDecodingError.malformed("nesting too deep")) { try BinaryCoding.decode([Int].self, from: deep) }
        #expect(throws: DeskDecodingError.malformed("invalid UTF-8")) { try BinaryCoding.decode(String.self, from: [0xB1, 6, 1, 0xFF]) }
    }

    @Test func commandsDecodeFromBothForms() throws {
        let command = Command(
            time: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000), actor: .customer(id: "c"), idempotencyKey: "k",
            action: .postMessage(PostMessage(conversationID: "v", messageID: "m", text: "Hello")))
        #expect(command.encoded().first == BinaryCoding.marker)
        #expect(try Command.decode(command.encoded()) == command)
        #expect(try Command.decode(DeskJSON.encode(command)) == command)
        #expect(command.encoded().count < DeskJSON.encode(command).count)
    }
}
