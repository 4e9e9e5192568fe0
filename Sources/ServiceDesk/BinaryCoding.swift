/// A compact binary form of any `Codable` value, for the bytes that go through the write path
/// on every node: commands, stored records and replies. JSON text costs most of the CPU there
/// (number formatting, escaping, parsing); this form keeps the same structure (objects with
/// named fields, arrays, scalars), so every type's `Codable` conformance and its versioning work
/// unchanged, and values written as JSON earlier still decode (see `DeskCoding.decode`).
///
/// Layout: the marker byte `0xB1`, then one value. A value is a tag byte and its body:
/// nil `0`, false `1`, true `2`, signed integer `3` (zigzag varint), unsigned integer `4`
/// (varint), double `5` (8 bytes, IEEE bits little-endian), string `6` (varint length, UTF-8),
/// array `7` (varint count, values), object `8` (varint count, then key strings and values).
/// Object keys are written sorted by their UTF-8 bytes, each once, so the bytes are a function
/// of the value alone (replicas compare them) even for dictionaries, whose iteration order
/// varies between processes.
///
/// Both directions work on the bytes in place: the encoder appends every value to one buffer
/// and puts an object's fields in key order when the object is complete; the decoder checks
/// the whole structure once, then reads each field where it lies. Neither builds a tree of
/// values, which is where a general-purpose coder spends its time.
enum BinaryCoding {
    static let marker: UInt8 = 0xB1
    /// Deeper nesting than this is hostile input, not data.
    static let depthMax = 64

    enum Tag: UInt8 {
        case null = 0, falseValue, trueValue, signed, unsigned, double, string, array, object
    }

    static func encode<Value: Encodable>(_ value: Value, handWritten: Bool = true) throws -> [UInt8] {
        let output = BinaryOutput(handWritten: handWritten)
        output.bytes.reserveCapacity(256)
        output.bytes.append(marker)
        try output.append(value)
        return output.bytes
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8], handWritten: Bool = true) throws -> Value {
        try BinaryInput(checking: bytes, handWritten: handWritten).decode(type, at: 1)
    }
}

func writeVarint(_ value: UInt64, to bytes: inout [UInt8]) {
    var rest = value
    while rest >= 0x80 {
        bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
        rest >>= 7
    }
    bytes.append(UInt8(rest))
}

func writeString(_ value: String, to bytes: inout [UInt8]) {
    var text = value
    text.withUTF8 { utf8 in
        writeVarint(UInt64(utf8.count), to: &bytes)
        bytes.append(contentsOf: utf8)
    }
}

/// The position of a coding failure, added while the error travels out of nested values: the
/// coders keep no path while they work, because building one costs an allocation per field.
struct BinaryPathKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension DecodingError {
    /// The same error, one level further out (under `key`).
    func nested(under key: any CodingKey) -> DecodingError {
        func moved(_ context: Context) -> Context {
            Context(codingPath: [key] + context.codingPath, debugDescription: context.debugDescription, underlyingError: context.underlyingError)
        }
        switch self {
        case .typeMismatch(let type, let context): return .typeMismatch(type, moved(context))
        case .valueNotFound(let type, let context): return .valueNotFound(type, moved(context))
        case .keyNotFound(let missing, let context): return .keyNotFound(missing, moved(context))
        case .dataCorrupted(let context): return .dataCorrupted(moved(context))
        @unknown default: return self
        }
    }
}

extension EncodingError {
    /// The same error, one level further out (under `key`).
    func nested(under key: any CodingKey) -> EncodingError {
        switch self {
        case .invalidValue(let value, let context):
            return .invalidValue(value, Context(
                codingPath: [key] + context.codingPath, debugDescription: context.debugDescription,
                underlyingError: context.underlyingError))
        @unknown default: return self
        }
    }
}
