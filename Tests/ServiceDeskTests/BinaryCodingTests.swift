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
        // A four-byte sequence cut after three bytes: a repairing decoder would keep the length.
        #expect(throws: DeskDecodingError.malformed("invalid UTF-8")) {
            try BinaryCoding.decode(String.self, from: [0xB1, 6, 3, 0xF0, 0x9F, 0x98])
        }
    }

    /// Objects must keep their keys in the encoder's order: the hand-written readers find a
    /// field by it and `Codable` does not, so bytes out of order would decode differently
    /// through the two.
    @Test func objectKeysOutOfOrderOrRepeatedAreRefused() throws {
        let unordered: [UInt8] = [0xB1, 8, 2, 1, 98, 4, 1, 1, 97, 4, 2]  // {"b": 1, "a": 2}
        let repeated: [UInt8] = [0xB1, 8, 2, 1, 97, 4, 1, 1, 97, 4, 2]  // {"a": 1, "a": 2}
        for bytes in [unordered, repeated] {
            #expect(throws: DeskDecodingError.malformed("object keys out of order")) {
                try BinaryCoding.decode([String: UInt64].self, from: bytes)
            }
        }
        let ordered: [UInt8] = [0xB1, 8, 2, 1, 97, 4, 2, 1, 98, 4, 1]
        #expect(try BinaryCoding.decode([String: UInt64].self, from: ordered) == ["a": 2, "b": 1])
        // Found by fuzz/run desk-coding: a createConversation command whose "idempotencyKey"
        // became bytes that sort after "time", which the hand-written reader then missed
        // while `Codable` found it.
        let mutated: [UInt8] = [
            0xB1, 0x08, 0x06, 0x05, 0x61, 0x63, 0x74, 0x6F, 0x72, 0x08, 0x01, 0x06, 0x73, 0x79, 0x73, 0x74,
            0x65, 0x6D, 0x08, 0x00, 0x04, 0x62, 0x6F, 0x64, 0x79, 0x08, 0x07, 0x07, 0x63, 0x68, 0x61, 0x6E,
            0x6E, 0x65, 0x6C, 0x06, 0x06, 0x77, 0x65, 0x63, 0x68, 0x61, 0x74, 0x08, 0x63, 0x75, 0x73, 0x74,
            0x6F, 0x6D, 0x65, 0x72, 0x08, 0x01, 0x08, 0x65, 0x78, 0x74, 0x65, 0x72, 0x6E, 0x61, 0x6C, 0x08,
            0x04, 0x07, 0x63, 0x68, 0x61, 0x6E, 0x6E, 0x65, 0x6C, 0x06, 0x06, 0x77, 0x65, 0x63, 0x68, 0x61,
            0x74, 0x0A, 0x65, 0x78, 0x74, 0x65, 0x72, 0x6E, 0x61, 0x6C, 0x49, 0x44, 0x06, 0x0B, 0x6F, 0x58,
            0x39, 0x61, 0x2D, 0x6F, 0x70, 0x65, 0x6E, 0x69, 0x64, 0x04, 0x6E, 0x61, 0x6D, 0x65, 0x06, 0x0C,
            0xE5, 0xBE, 0xAE, 0xE4, 0xBF, 0xA1, 0xE7, 0x94, 0xA8, 0xE6, 0x88, 0xB7, 0x0D, 0x6E, 0x65, 0x77,
            0x43, 0x75, 0x73, 0x74, 0x6F, 0x6D, 0x65, 0x72, 0x49, 0x44, 0x06, 0x09, 0x63, 0x75, 0x73, 0x74,
            0x2D, 0x30, 0x30, 0x48, 0x58, 0x02, 0x69, 0x64, 0x06, 0x09, 0x63, 0x6F, 0x6E, 0x76, 0x2D, 0x30,
            0x31, 0x48, 0x58, 0x08, 0x70, 0x72, 0x69, 0x6F, 0x72, 0x69, 0x74, 0x79, 0x06, 0x04, 0x68, 0x69,
            0x67, 0x68, 0x05, 0x71, 0x75, 0x65, 0x75, 0x65, 0x06, 0x06, 0x6F, 0x72, 0x64, 0x65, 0x72, 0x73,
            0x07, 0x73, 0x75, 0x62, 0x6A, 0x65, 0x63, 0x74, 0x06, 0x0C, 0xE8, 0xAE, 0xA2, 0xE5, 0x8D, 0x95,
            0xE6, 0x9F, 0xA5, 0xE8, 0xAF, 0xA2, 0x04, 0x74, 0x61, 0x67, 0x73, 0x07, 0x01, 0x06, 0x05, 0x6F,
            0x72, 0x64, 0x65, 0x72, 0x0E, 0x97, 0x9B, 0x9A, 0x92, 0x8F, 0x90, 0x8B, 0xA0, 0x6E, 0x63, 0x79,
            0x4B, 0x65, 0x79, 0x06, 0x17, 0x77, 0x65, 0x63, 0x68, 0x61, 0x74, 0x3A, 0x4D, 0x73, 0x67, 0x49,
            0x64, 0x2D, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x30, 0x04, 0x74, 0x69, 0x6D,
            0x65, 0x03, 0x80, 0xA9, 0xBA, 0xFE, 0xF9, 0x62, 0x04, 0x74, 0x79, 0x70, 0x65, 0x06, 0x12, 0x63,
            0x72, 0x65, 0x61, 0x74, 0x65, 0x43, 0x6F, 0x6E, 0x76, 0x65, 0x72, 0x73, 0x61, 0x74, 0x69, 0x6F,
            0x6E, 0x01, 0x76, 0x03, 0x02,
        ]
        for handWritten in [true, false] {
            #expect(throws: DeskDecodingError.malformed("object keys out of order")) {
                try BinaryCoding.decode(Command.self, from: mutated, handWritten: handWritten)
            }
        }
    }

    /// An enum's object with a key besides its case's: `Codable` reads it by the keys it knows,
    /// and the hand-written reader leaves such an object to it (found by fuzz/run desk-coding).
    @Test func anEnumWithAnUnknownKeyBesideItsCaseReadsAlikeBothWays() throws {
        let bytes: [UInt8] = [0xB1, 8, 2, 0, 1] + [10] + Array("adminToken".utf8) + [8, 0]  // {"": false, "adminToken": {}}
        #expect(try BinaryCoding.decode(Actor.self, from: bytes, handWritten: true) == .adminToken)
        #expect(try BinaryCoding.decode(Actor.self, from: bytes, handWritten: false) == .adminToken)
    }

    /// The same value written through nested containers handed out before they are filled
    /// (and written after the outer container moved on), as custom conformances may do.
    struct Handwritten: Codable, Equatable {
        var sample: BinaryCodingTests.Sample
        var numbers: [Int]

        enum CodingKeys: String, CodingKey { case sample, numbers }
        enum SampleKeys: String, CodingKey { case name, count, size, flag, ratio, tags, labels, note }

        init(sample: BinaryCodingTests.Sample, numbers: [Int]) {
            self.sample = sample
            self.numbers = numbers
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            var inner = container.nestedContainer(keyedBy: SampleKeys.self, forKey: .sample)
            var list = container.nestedUnkeyedContainer(forKey: .numbers)
            try inner.encode(sample.tags, forKey: .tags)
            for number in numbers { try list.encode(number) }
            try inner.encode(sample.name, forKey: .name)
            try inner.encode(sample.count, forKey: .count)
            try inner.encode(sample.size, forKey: .size)
            try inner.encode(sample.flag, forKey: .flag)
            try inner.encode(sample.ratio, forKey: .ratio)
            try inner.encode(sample.labels, forKey: .labels)
            try sample.tags.encode(to: container.superEncoder(forKey: .sample))
            // The last value written for a key wins, as in JSON: the tags above are replaced.
            var again = container.nestedContainer(keyedBy: SampleKeys.self, forKey: .sample)
            try again.encode(sample.name, forKey: .name)
            try again.encode(sample.count, forKey: .count)
            try again.encode(sample.size, forKey: .size)
            try again.encode(sample.flag, forKey: .flag)
            try again.encode(sample.ratio, forKey: .ratio)
            try again.encode(sample.tags, forKey: .tags)
            try again.encode(sample.labels, forKey: .labels)
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            var list = try container.nestedUnkeyedContainer(forKey: .numbers)
            var numbers: [Int] = []
            while !list.isAtEnd { numbers.append(try list.decode(Int.self)) }
            self.numbers = numbers
            self.sample = try BinaryCodingTests.Sample(from: container.superDecoder(forKey: .sample))
        }
    }

    struct Synthesized: Codable, Equatable {
        var sample: BinaryCodingTests.Sample
        var numbers: [Int]
    }

    @Test func nestedContainersWrittenOutOfOrderGiveTheSameBytes() throws {
        let handwritten = Handwritten(sample: sample, numbers: [3, -1, 7])
        let bytes = try BinaryCoding.encode(handwritten)
        #expect(bytes == (try BinaryCoding.encode(Synthesized(sample: sample, numbers: [3, -1, 7]))))
        #expect(try BinaryCoding.decode(Handwritten.self, from: bytes) == handwritten)
    }

    @Test func aFailureNamesWhereItIs() throws {
        let bytes = try BinaryCoding.encode([Synthesized(sample: sample, numbers: [1, 300])])
        struct Narrow: Codable { var numbers: [UInt8] }
        do {
            _ = try BinaryCoding.decode([Narrow].self, from: bytes)
            Issue.record("a number too large for UInt8 decoded")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.codingPath.map(\.stringValue) == ["0", "numbers", "1"])
        }
        do {
            _ = try BinaryCoding.decode([[String: Int]].self, from: bytes)
            Issue.record("an object decoded as a dictionary of numbers")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.codingPath.first?.stringValue == "0")
        }
    }

    /// Timestamps skip their own `Codable` conformance in this coder; the bytes are the same.
    @Test func timestampsAreTheirMilliseconds() throws {
        for milliseconds: Int64 in [0, -1, 1_700_000_000_123, .max] {
            let timestamp = Timestamp(millisecondsSinceEpoch: milliseconds)
            #expect(try BinaryCoding.encode(timestamp) == BinaryCoding.encode(milliseconds))
            #expect(try BinaryCoding.encode([timestamp]) == BinaryCoding.encode([milliseconds]))
            #expect(try BinaryCoding.decode(Timestamp.self, from: BinaryCoding.encode(milliseconds)) == timestamp)
        }
        #expect(throws: DecodingError.self) { try BinaryCoding.decode(Timestamp.self, from: BinaryCoding.encode("soon")) }
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
