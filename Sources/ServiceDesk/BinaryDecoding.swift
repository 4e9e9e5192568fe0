// MARK: - Decoding

/// Bytes whose structure `skip` has checked; values are read where they lie.
struct BinaryInput {
    let bytes: [UInt8]
    /// Whether `BinaryReadable` types read themselves; off only to compare with `Codable`.
    var handWritten = true

    /// Binary-coded bytes (marker, then one value) whose structure is checked first.
    init(checking bytes: [UInt8], handWritten: Bool = true) throws(DeskDecodingError) {
        guard bytes.first == BinaryCoding.marker else { throw .malformed("not binary-coded") }
        let end = try Self.skip(bytes, at: 1, depth: 0, checkingKeyOrder: true)
        guard end == bytes.count else { throw .malformed("trailing bytes") }
        self.bytes = bytes
        self.handWritten = handWritten
    }

    private init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A lone null, for a missing value that a decoder asks for anyway.
    static let null = BinaryInput(unchecked: [BinaryCoding.Tag.null.rawValue])

    /// The end of the value at `offset`, checking its structure on the way: known tags,
    /// lengths and counts within the bytes, nesting no deeper than `BinaryCoding.depthMax`,
    /// and, when `checkingKeyOrder`, every object's keys in strictly increasing byte order, as
    /// the encoder writes them: the hand-written readers find a field by that order, so bytes
    /// out of it would read differently through them than through `Codable`.
    /// Strings are checked to be UTF-8 when they are read.
    static func skip(
        _ bytes: [UInt8], at offset: Int, depth: Int, checkingKeyOrder: Bool = false
    ) throws(DeskDecodingError) -> Int {
        guard depth <= BinaryCoding.depthMax else { throw .malformed("nesting too deep") }
        var position = offset
        let tagByte = try readByte(bytes, &position)
        guard let tag = BinaryCoding.Tag(rawValue: tagByte) else { throw .malformed("unknown tag \(tagByte)") }
        switch tag {
        case .null, .falseValue, .trueValue:
            return position
        case .signed, .unsigned:
            _ = try readVarint(bytes, &position)
            return position
        case .double:
            guard bytes.count - position >= 8 else { throw .malformed("truncated") }
            return position + 8
        case .string:
            let count = try readCount(bytes, &position)
            return position + count
        case .array:
            let count = try readCount(bytes, &position)
            for _ in 0..<count {
                position = try skip(bytes, at: position, depth: depth + 1, checkingKeyOrder: checkingKeyOrder)
            }
            return position
        case .object:
            let count = try readCount(bytes, &position)
            var previousKey: Range<Int>? = nil
            for _ in 0..<count {
                let length = try readCount(bytes, &position)
                let key = position..<(position + length)
                if checkingKeyOrder, let previousKey, !keyPrecedes(bytes, previousKey, key) {
                    throw .malformed("object keys out of order")
                }
                previousKey = key
                position = try skip(bytes, at: key.upperBound, depth: depth + 1, checkingKeyOrder: checkingKeyOrder)
            }
            return position
        }
    }

    /// Whether the key at `left` sorts strictly before the key at `right` by their bytes.
    private static func keyPrecedes(_ bytes: [UInt8], _ left: Range<Int>, _ right: Range<Int>) -> Bool {
        bytes.withUnsafeBufferPointer { stored in
            byteOrder(UnsafeBufferPointer(rebasing: stored[left]), UnsafeBufferPointer(rebasing: stored[right])) < 0
        }
    }

    static func readByte(_ bytes: [UInt8], _ position: inout Int) throws(DeskDecodingError) -> UInt8 {
        guard position < bytes.count else { throw .malformed("truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    static func readVarint(_ bytes: [UInt8], _ position: inout Int) throws(DeskDecodingError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte(bytes, &position)
            guard shift < 64 else { throw .malformed("varint too long") }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    /// A count of items that each take at least one byte: never more than the bytes left.
    static func readCount(_ bytes: [UInt8], _ position: inout Int) throws(DeskDecodingError) -> Int {
        let count = try readVarint(bytes, &position)
        guard count <= UInt64(bytes.count - position) else { throw .malformed("count exceeds the data") }
        return Int(count)
    }

    // MARK: Reading values

    func tag(at offset: Int) -> BinaryCoding.Tag? { BinaryCoding.Tag(rawValue: bytes[offset]) }

    func isNull(at offset: Int) -> Bool { bytes[offset] == BinaryCoding.Tag.null.rawValue }

    /// The value at `offset` as `T`: the common scalar types directly, types with a hand-written
    /// reader by it, anything else through its `init(from:)`.
    func decode<T: Decodable>(_ type: T.Type, at offset: Int) throws -> T {
        if T.self == String.self { return reinterpret(try string(at: offset), as: T.self) }
        if T.self == Timestamp.self {
            return reinterpret(Timestamp(millisecondsSinceEpoch: try integer(Int64.self, at: offset)), as: T.self)
        }
        if T.self == Int64.self { return reinterpret(try integer(Int64.self, at: offset), as: T.self) }
        if T.self == Int.self { return reinterpret(try integer(Int.self, at: offset), as: T.self) }
        if T.self == UInt64.self { return reinterpret(try integer(UInt64.self, at: offset), as: T.self) }
        if T.self == Bool.self { return reinterpret(try bool(at: offset), as: T.self) }
        if T.self == Double.self { return reinterpret(try double(at: offset), as: T.self) }
        if handWritten, let readable = T.self as? any BinaryReadable.Type {
            return try readable.init(binary: self, at: offset) as! T
        }
        return try T(from: BinaryDecoderImpl(input: self, offset: offset))
    }

    /// The number of fields of the object at `offset`.
    func objectCount(at offset: Int) throws -> Int {
        var position = offset + 1
        return try Self.readCount(bytes, &position)
    }

    func integer<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) throws -> T {
        var position = offset + 1
        let converted: T?
        switch tag(at: offset) {
        case .signed?:
            let raw = try Self.readVarint(bytes, &position)
            converted = T(exactly: Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1))
        case .unsigned?:
            converted = T(exactly: try Self.readVarint(bytes, &position))
        default:
            throw mismatch(T.self, at: offset)
        }
        guard let converted else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "number does not fit \(T.self)"))
        }
        return converted
    }

    func bool(at offset: Int) throws -> Bool {
        switch tag(at: offset) {
        case .trueValue?: return true
        case .falseValue?: return false
        default: throw mismatch(Bool.self, at: offset)
        }
    }

    func string(at offset: Int) throws -> String {
        guard tag(at: offset) == .string else { throw mismatch(String.self, at: offset) }
        var position = offset + 1
        let count = try Self.readCount(bytes, &position)
        guard let text = String(validatingUTF8: bytes.span.extracting(position..<(position + count))) else {
            throw DeskDecodingError.malformed("invalid UTF-8")
        }
        return text
    }

    func double(at offset: Int) throws -> Double {
        switch tag(at: offset) {
        case .double?:
            var bits: UInt64 = 0
            for shift in 0..<8 { bits |= UInt64(bytes[offset + 1 + shift]) << (8 * UInt64(shift)) }
            return Double(bitPattern: bits)
        case .signed?, .unsigned?:
            return Double(try integer(Int64.self, at: offset))
        default:
            throw mismatch(Double.self, at: offset)
        }
    }

    func kindName(at offset: Int) -> String {
        switch tag(at: offset) {
        case .null?: "null"
        case .falseValue?, .trueValue?: "a boolean"
        case .signed?, .unsigned?: "an integer"
        case .double?: "a number"
        case .string?: "a string"
        case .array?: "an array"
        case .object?: "an object"
        case nil: "nothing"
        }
    }

    func mismatch(_ type: Any.Type, at offset: Int, expected: String? = nil) -> DecodingError {
        .typeMismatch(type, .init(codingPath: [], debugDescription: "expected \(expected ?? "\(type)"), found \(kindName(at: offset))"))
    }
}

struct BinaryDecoderImpl: Decoder {
    let input: BinaryInput
    let offset: Int
    /// Failures get their path while they travel out (see `BinaryPathKey`).
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(try BinaryKeyedDecoder<Key>(input: input, offset: offset))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try BinaryUnkeyedDecoder(input: input, offset: offset)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        BinarySingleValueDecoder(input: input, offset: offset)
    }
}

/// Where one field's key and value lie.
struct BinaryField {
    var keyStart: Int
    var keyCount: Int
    var valueOffset: Int
}

struct BinaryKeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let input: BinaryInput
    /// In stored order, which is key order.
    let fields: [BinaryField]
    var codingPath: [any CodingKey] { [] }

    init(input: BinaryInput, offset: Int) throws {
        guard input.tag(at: offset) == .object else {
            throw input.mismatch([String: Any].self, at: offset, expected: "an object")
        }
        var position = offset + 1
        let count = try BinaryInput.readCount(input.bytes, &position)
        var fields: [BinaryField] = []
        fields.reserveCapacity(count)
        for _ in 0..<count {
            let keyCount = try BinaryInput.readCount(input.bytes, &position)
            fields.append(BinaryField(keyStart: position, keyCount: keyCount, valueOffset: position + keyCount))
            position = try BinaryInput.skip(input.bytes, at: position + keyCount, depth: 0)
        }
        self.input = input
        self.fields = fields
    }

    var allKeys: [Key] {
        fields.compactMap { field in
            Key(stringValue: String(decoding: input.bytes[field.keyStart..<(field.keyStart + field.keyCount)], as: UTF8.self))
        }
    }

    /// Where the value of `key` lies: a scan for small objects, a binary search (keys are
    /// sorted) for large ones such as dictionaries.
    private func find(_ key: Key) -> Int? {
        var name = key.stringValue
        return name.withUTF8 { wanted in
            input.bytes.withUnsafeBufferPointer { bytes in
                func compare(_ field: BinaryField) -> Int {
                    byteOrder(UnsafeBufferPointer(rebasing: bytes[field.keyStart..<(field.keyStart + field.keyCount)]), wanted)
                }
                if fields.count <= 16 {
                    return fields.first { $0.keyCount == wanted.count && compare($0) == 0 }?.valueOffset
                }
                var (low, high) = (0, fields.count)
                while low < high {
                    let middle = (low + high) / 2
                    switch compare(fields[middle]) {
                    case 0: return fields[middle].valueOffset
                    case ..<0: low = middle + 1
                    default: high = middle
                    }
                }
                return nil
            }
        }
    }

    private func read<T>(_ key: Key, _ body: (Int) throws -> T) throws -> T {
        guard let offset = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "no value for \(key.stringValue)"))
        }
        do {
            return try body(offset)
        } catch let error as DecodingError {
            throw error.nested(under: key)
        }
    }

    private func readIfPresent<T>(_ key: Key, _ body: (Int) throws -> T) throws -> T? {
        guard let offset = find(key), !input.isNull(at: offset) else { return nil }
        do {
            return try body(offset)
        } catch let error as DecodingError {
            throw error.nested(under: key)
        }
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { try read(key) { input.isNull(at: $0) } }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try read(key) { try input.bool(at: $0) } }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try read(key) { try input.string(at: $0) } }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try read(key) { try input.double(at: $0) } }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try read(key) { try input.double(at: $0) }) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try read(key) { try input.integer(type, at: $0) } }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try read(key) { try input.integer(type, at: $0) } }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try read(key) { try input.integer(type, at: $0) } }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try read(key) { try input.integer(type, at: $0) } }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try read(key) { try input.integer(type, at: $0) } }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try read(key) { try input.integer(type, at: $0) } }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try read(key) { try input.integer(type, at: $0) } }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try read(key) { try input.integer(type, at: $0) } }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try read(key) { try input.integer(type, at: $0) } }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try read(key) { try input.integer(type, at: $0) } }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try read(key) { try input.decode(type, at: $0) }
    }

    // One lookup instead of the default's three (contains, decodeNil, decode).
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        try readIfPresent(key) { try input.string(at: $0) }
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        try readIfPresent(key) { try input.bool(at: $0) }
    }

    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try readIfPresent(key) { try input.integer(type, at: $0) }
    }

    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        try readIfPresent(key) { try input.integer(type, at: $0) }
    }

    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? {
        try readIfPresent(key) { try input.integer(type, at: $0) }
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try readIfPresent(key) { try input.decode(type, at: $0) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try read(key) { KeyedDecodingContainer(try BinaryKeyedDecoder<NestedKey>(input: input, offset: $0)) }
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try read(key) { try BinaryUnkeyedDecoder(input: input, offset: $0) }
    }

    func superDecoder() throws -> any Decoder {
        try decoder(at: Key(stringValue: "super").flatMap(find))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        try decoder(at: find(key))
    }

    /// A decoder of the value at `offset`, or of null when the key is absent.
    private func decoder(at offset: Int?) throws -> any Decoder {
        guard let offset else {
            return BinaryDecoderImpl(input: .null, offset: 0)
        }
        return BinaryDecoderImpl(input: input, offset: offset)
    }
}

struct BinaryUnkeyedDecoder: UnkeyedDecodingContainer {
    let input: BinaryInput
    private let elementCount: Int
    /// Where the next element lies.
    private var cursor: Int
    var currentIndex = 0
    var codingPath: [any CodingKey] { [] }

    init(input: BinaryInput, offset: Int) throws {
        guard input.tag(at: offset) == .array else {
            throw input.mismatch([Any].self, at: offset, expected: "an array")
        }
        var position = offset + 1
        self.elementCount = try BinaryInput.readCount(input.bytes, &position)
        self.input = input
        self.cursor = position
    }

    var count: Int? { elementCount }
    var isAtEnd: Bool { currentIndex >= elementCount }

    private mutating func next<T>(_ body: (BinaryInput, Int) throws -> T) throws -> T {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: [], debugDescription: "array ended"))
        }
        let offset = cursor
        let value: T
        do {
            value = try body(input, offset)
        } catch let error as DecodingError {
            throw error.nested(under: BinaryPathKey(intValue: currentIndex))
        }
        cursor = try BinaryInput.skip(input.bytes, at: offset, depth: 0)
        currentIndex += 1
        return value
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, input.isNull(at: cursor) else { return false }
        cursor += 1
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try next { try $0.bool(at: $1) } }
    mutating func decode(_ type: String.Type) throws -> String { try next { try $0.string(at: $1) } }
    mutating func decode(_ type: Double.Type) throws -> Double { try next { try $0.double(at: $1) } }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try next { try $0.double(at: $1) }) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next { try $0.integer(type, at: $1) } }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next { try $0.integer(type, at: $1) } }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next { try $0.integer(type, at: $1) } }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next { try $0.integer(type, at: $1) } }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next { try $0.integer(type, at: $1) } }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next { try $0.integer(type, at: $1) } }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next { try $0.integer(type, at: $1) } }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next { try $0.integer(type, at: $1) } }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next { try $0.integer(type, at: $1) } }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next { try $0.integer(type, at: $1) } }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try next { try $0.decode(type, at: $1) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next { KeyedDecodingContainer(try BinaryKeyedDecoder<NestedKey>(input: $0, offset: $1)) }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next { try BinaryUnkeyedDecoder(input: $0, offset: $1) }
    }

    mutating func superDecoder() throws -> any Decoder {
        try next { BinaryDecoderImpl(input: $0, offset: $1) }
    }
}

struct BinarySingleValueDecoder: SingleValueDecodingContainer {
    let input: BinaryInput
    let offset: Int
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { input.isNull(at: offset) }

    func decode(_ type: Bool.Type) throws -> Bool { try input.bool(at: offset) }
    func decode(_ type: String.Type) throws -> String { try input.string(at: offset) }
    func decode(_ type: Double.Type) throws -> Double { try input.double(at: offset) }
    func decode(_ type: Float.Type) throws -> Float { Float(try input.double(at: offset)) }
    func decode(_ type: Int.Type) throws -> Int { try input.integer(type, at: offset) }
    func decode(_ type: Int8.Type) throws -> Int8 { try input.integer(type, at: offset) }
    func decode(_ type: Int16.Type) throws -> Int16 { try input.integer(type, at: offset) }
    func decode(_ type: Int32.Type) throws -> Int32 { try input.integer(type, at: offset) }
    func decode(_ type: Int64.Type) throws -> Int64 { try input.integer(type, at: offset) }
    func decode(_ type: UInt.Type) throws -> UInt { try input.integer(type, at: offset) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try input.integer(type, at: offset) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try input.integer(type, at: offset) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try input.integer(type, at: offset) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try input.integer(type, at: offset) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try input.decode(type, at: offset) }
}

extension String {
    /// The text of `bytes` if they are valid UTF-8, else nil. Checked through `UTF8Span`: the
    /// generic `String(validating:as:)` looks up generic metadata on every call and costs more
    /// than twice as much for the short strings of commands and request bodies, decoded on the
    /// hot path of every node.
    public init?(validatingUTF8 bytes: Span<UInt8>) {
        guard let text = try? UTF8Span(validating: bytes) else { return nil }
        self.init(copying: text)
    }
}
