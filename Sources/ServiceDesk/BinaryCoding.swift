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
/// Object keys are written sorted, so the bytes are a function of the value alone (replicas
/// compare them) even for dictionaries, whose iteration order varies between processes.
enum BinaryCoding {
    static let marker: UInt8 = 0xB1
    /// Deeper nesting than this is hostile input, not data.
    static let depthMax = 64

    enum Tag: UInt8 {
        case null = 0, falseValue, trueValue, signed, unsigned, double, string, array, object
    }

    static func encode<Value: Encodable>(_ value: Value) throws -> [UInt8] {
        let root = BinaryNode()
        try value.encode(to: BinaryEncoderImpl(node: root, codingPath: []))
        var bytes: [UInt8] = [marker]
        bytes.reserveCapacity(256)
        root.write(to: &bytes)
        return bytes
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from bytes: [UInt8]) throws -> Value {
        guard bytes.first == marker else { throw DeskDecodingError.malformed("not binary-coded") }
        var parser = BinaryParser(bytes: bytes, offset: 1)
        let value = try parser.parseValue(depth: 0)
        guard parser.offset == bytes.count else { throw DeskDecodingError.malformed("trailing bytes") }
        return try Value(from: BinaryDecoderImpl(value: value, codingPath: []))
    }
}

// MARK: - Encoding

/// One value being encoded: a scalar already in its bytes, or a container filled later
/// (nested containers are handed out before their contents are known).
final class BinaryNode {
    enum Content {
        case empty
        case scalar([UInt8])
        case array([BinaryNode])
        case object([(key: String, node: BinaryNode)])
    }

    var content: Content = .empty

    func write(to bytes: inout [UInt8]) {
        switch content {
        case .empty:
            bytes.append(BinaryCoding.Tag.null.rawValue)
        case .scalar(let scalar):
            bytes.append(contentsOf: scalar)
        case .array(let nodes):
            bytes.append(BinaryCoding.Tag.array.rawValue)
            writeVarint(UInt64(nodes.count), to: &bytes)
            for node in nodes { node.write(to: &bytes) }
        case .object(let entries):
            bytes.append(BinaryCoding.Tag.object.rawValue)
            let order = Self.lastOfEachKeySorted(entries)
            writeVarint(UInt64(order.count), to: &bytes)
            for index in order {
                writeString(entries[index].key, to: &bytes)
                entries[index].node.write(to: &bytes)
            }
        }
    }

    /// Positions of the entries in key order; a key encoded twice keeps its last value, as in
    /// JSON. Ties are broken by position, so the order never depends on the sort's stability.
    private static func lastOfEachKeySorted(_ entries: [(key: String, node: BinaryNode)]) -> [Int] {
        let sorted = entries.indices.sorted { left, right in
            let (a, b) = (entries[left].key, entries[right].key)
            return a == b ? left < right : a.utf8.lexicographicallyPrecedes(b.utf8)
        }
        var order: [Int] = []
        order.reserveCapacity(sorted.count)
        for (position, index) in sorted.enumerated() {
            let next = position + 1 < sorted.count ? sorted[position + 1] : nil
            if let next, entries[next].key == entries[index].key { continue }
            order.append(index)
        }
        return order
    }

    func appendEntry(_ key: String) -> BinaryNode {
        let child = BinaryNode()
        if case .object(var entries) = content {
            content = .empty  // keeps the array uniquely referenced while it grows
            entries.append((key, child))
            content = .object(entries)
        } else {
            content = .object([(key, child)])
        }
        return child
    }

    func appendElement() -> BinaryNode {
        let child = BinaryNode()
        if case .array(var nodes) = content {
            content = .empty
            nodes.append(child)
            content = .array(nodes)
        } else {
            content = .array([child])
        }
        return child
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

enum BinaryScalar {
    static func null() -> [UInt8] { [BinaryCoding.Tag.null.rawValue] }
    static func bool(_ value: Bool) -> [UInt8] {
        [value ? BinaryCoding.Tag.trueValue.rawValue : BinaryCoding.Tag.falseValue.rawValue]
    }
    static func signed(_ value: Int64) -> [UInt8] {
        var bytes = [BinaryCoding.Tag.signed.rawValue]
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &bytes)
        return bytes
    }
    static func unsigned(_ value: UInt64) -> [UInt8] {
        var bytes = [BinaryCoding.Tag.unsigned.rawValue]
        writeVarint(value, to: &bytes)
        return bytes
    }
    static func double(_ value: Double) -> [UInt8] {
        var bytes = [BinaryCoding.Tag.double.rawValue]
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes
    }
    static func string(_ value: String) -> [UInt8] {
        var bytes = [BinaryCoding.Tag.string.rawValue]
        writeString(value, to: &bytes)
        return bytes
    }
}

struct BinaryEncoderImpl: Encoder {
    let node: BinaryNode
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object([]) }
        return KeyedEncodingContainer(BinaryKeyedEncoder<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
        return BinaryUnkeyedEncoder(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        BinarySingleValueEncoder(node: node, codingPath: codingPath)
    }
}

struct BinaryKeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: BinaryNode
    let codingPath: [any CodingKey]

    private func set(_ key: Key, _ scalar: [UInt8]) { node.appendEntry(key.stringValue).content = .scalar(scalar) }

    mutating func encodeNil(forKey key: Key) throws { set(key, BinaryScalar.null()) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, BinaryScalar.bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(key, BinaryScalar.string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(key, BinaryScalar.double(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(key, BinaryScalar.double(Double(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(key, BinaryScalar.signed(Int64(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(key, BinaryScalar.signed(Int64(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(key, BinaryScalar.signed(Int64(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(key, BinaryScalar.signed(Int64(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, BinaryScalar.signed(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(key, BinaryScalar.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(key, BinaryScalar.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(key, BinaryScalar.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(key, BinaryScalar.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(key, BinaryScalar.unsigned(value)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try value.encode(to: BinaryEncoderImpl(node: node.appendEntry(key.stringValue), codingPath: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        BinaryEncoderImpl(node: node.appendEntry(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        BinaryEncoderImpl(node: node.appendEntry(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        BinaryEncoderImpl(node: node.appendEntry("super"), codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        BinaryEncoderImpl(node: node.appendEntry(key.stringValue), codingPath: codingPath + [key])
    }
}

/// The scalar methods that unkeyed and single-value containers share (same signatures): each
/// container says only where a scalar goes.
protocol BinaryScalarWriter {
    func write(_ scalar: [UInt8])
}

extension BinaryScalarWriter {
    mutating func encodeNil() throws { write(BinaryScalar.null()) }
    mutating func encode(_ value: Bool) throws { write(BinaryScalar.bool(value)) }
    mutating func encode(_ value: String) throws { write(BinaryScalar.string(value)) }
    mutating func encode(_ value: Double) throws { write(BinaryScalar.double(value)) }
    mutating func encode(_ value: Float) throws { write(BinaryScalar.double(Double(value))) }
    mutating func encode(_ value: Int) throws { write(BinaryScalar.signed(Int64(value))) }
    mutating func encode(_ value: Int8) throws { write(BinaryScalar.signed(Int64(value))) }
    mutating func encode(_ value: Int16) throws { write(BinaryScalar.signed(Int64(value))) }
    mutating func encode(_ value: Int32) throws { write(BinaryScalar.signed(Int64(value))) }
    mutating func encode(_ value: Int64) throws { write(BinaryScalar.signed(value)) }
    mutating func encode(_ value: UInt) throws { write(BinaryScalar.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt8) throws { write(BinaryScalar.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt16) throws { write(BinaryScalar.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt32) throws { write(BinaryScalar.unsigned(UInt64(value))) }
    mutating func encode(_ value: UInt64) throws { write(BinaryScalar.unsigned(value)) }
}

struct BinaryUnkeyedEncoder: UnkeyedEncodingContainer, BinaryScalarWriter {
    let node: BinaryNode
    let codingPath: [any CodingKey]
    var count: Int {
        if case .array(let nodes) = node.content { return nodes.count }
        return 0
    }

    func write(_ scalar: [UInt8]) { node.appendElement().content = .scalar(scalar) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try value.encode(to: BinaryEncoderImpl(node: node.appendElement(), codingPath: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        BinaryEncoderImpl(node: node.appendElement(), codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        BinaryEncoderImpl(node: node.appendElement(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        BinaryEncoderImpl(node: node.appendElement(), codingPath: codingPath)
    }
}

struct BinarySingleValueEncoder: SingleValueEncodingContainer, BinaryScalarWriter {
    let node: BinaryNode
    let codingPath: [any CodingKey]

    func write(_ scalar: [UInt8]) { node.content = .scalar(scalar) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try value.encode(to: BinaryEncoderImpl(node: node, codingPath: codingPath))
    }
}

// MARK: - Decoding

/// A parsed value. Objects keep their entries in stored (sorted) order.
indirect enum BinaryValue {
    case null
    case bool(Bool)
    case signed(Int64)
    case unsigned(UInt64)
    case double(Double)
    case string(String)
    case array([BinaryValue])
    case object([(key: String, value: BinaryValue)])

    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .signed, .unsigned: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Reads values from bytes, never trusting a length or count beyond what is there.
struct BinaryParser {
    let bytes: [UInt8]
    var offset: Int

    mutating func parseValue(depth: Int) throws -> BinaryValue {
        guard depth <= BinaryCoding.depthMax else { throw DeskDecodingError.malformed("nesting too deep") }
        let tagByte = try readByte()
        guard let tag = BinaryCoding.Tag(rawValue: tagByte) else { throw DeskDecodingError.malformed("unknown tag \(tagByte)") }
        switch tag {
        case .null: return .null
        case .falseValue: return .bool(false)
        case .trueValue: return .bool(true)
        case .signed:
            let raw = try readVarint()
            return .signed(Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1))
        case .unsigned: return .unsigned(try readVarint())
        case .double: return .double(Double(bitPattern: try readFixed64()))
        case .string: return .string(try readString())
        case .array:
            let count = try readCount()
            var values: [BinaryValue] = []
            values.reserveCapacity(count)
            for _ in 0..<count { values.append(try parseValue(depth: depth + 1)) }
            return .array(values)
        case .object:
            let count = try readCount()
            var entries: [(key: String, value: BinaryValue)] = []
            entries.reserveCapacity(count)
            for _ in 0..<count { entries.append((try readString(), try parseValue(depth: depth + 1))) }
            return .object(entries)
        }
    }

    private mutating func readByte() throws -> UInt8 {
        guard offset < bytes.count else { throw DeskDecodingError.malformed("truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func readVarint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            guard shift < 64 else { throw DeskDecodingError.malformed("varint too long") }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
    }

    private mutating func readFixed64() throws -> UInt64 {
        guard bytes.count - offset >= 8 else { throw DeskDecodingError.malformed("truncated") }
        var value: UInt64 = 0
        for shift in 0..<8 { value |= UInt64(bytes[offset + shift]) << (8 * UInt64(shift)) }
        offset += 8
        return value
    }

    /// A count of items that each take at least one byte: never more than the bytes left.
    private mutating func readCount() throws -> Int {
        let count = try readVarint()
        guard count <= UInt64(bytes.count - offset) else { throw DeskDecodingError.malformed("count exceeds the data") }
        return Int(count)
    }

    private mutating func readString() throws -> String {
        let count = try readCount()
        defer { offset += count }
        guard let text = String(validating: bytes[offset..<(offset + count)], as: UTF8.self) else {
            throw DeskDecodingError.malformed("invalid UTF-8")
        }
        return text
    }
}

struct BinaryDecoderImpl: Decoder {
    let value: BinaryValue
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let entries) = value else { throw mismatch("an object") }
        return KeyedDecodingContainer(BinaryKeyedDecoder<Key>(entries: entries, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let values) = value else { throw mismatch("an array") }
        return BinaryUnkeyedDecoder(values: values, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        BinarySingleValueDecoder(value: value, codingPath: codingPath)
    }

    private func mismatch(_ expected: String) -> DecodingError {
        .typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(value.kindName)"))
    }
}

/// Scalar conversions shared by the three decoding containers.
enum BinaryScalarReader {
    static func integer<T: FixedWidthInteger>(_ value: BinaryValue, _ path: [any CodingKey]) throws -> T {
        let converted: T?
        switch value {
        case .signed(let number): converted = T(exactly: number)
        case .unsigned(let number): converted = T(exactly: number)
        default: throw mismatch(T.self, value, path)
        }
        guard let converted else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "number does not fit \(T.self)"))
        }
        return converted
    }

    static func bool(_ value: BinaryValue, _ path: [any CodingKey]) throws -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(Bool.self, value, path) }
        return flag
    }

    static func string(_ value: BinaryValue, _ path: [any CodingKey]) throws -> String {
        guard case .string(let text) = value else { throw mismatch(String.self, value, path) }
        return text
    }

    static func double(_ value: BinaryValue, _ path: [any CodingKey]) throws -> Double {
        switch value {
        case .double(let number): return number
        case .signed(let number): return Double(number)
        case .unsigned(let number): return Double(number)
        default: throw mismatch(Double.self, value, path)
        }
    }

    static func mismatch(_ type: Any.Type, _ value: BinaryValue, _ path: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(type), found \(value.kindName)"))
    }
}

struct BinaryKeyedDecoder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let entries: [(key: String, value: BinaryValue)]
    let codingPath: [any CodingKey]
    /// Position by key, for large objects (dictionaries); small ones are searched in place.
    private let index: [String: Int]?

    init(entries: [(key: String, value: BinaryValue)], codingPath: [any CodingKey]) {
        self.entries = entries
        self.codingPath = codingPath
        if entries.count > 16 {
            var index: [String: Int] = [:]
            index.reserveCapacity(entries.count)
            for (position, entry) in entries.enumerated() { index[entry.key] = position }
            self.index = index
        } else {
            self.index = nil
        }
    }

    var allKeys: [Key] { entries.compactMap { Key(stringValue: $0.key) } }

    private func find(_ key: Key) -> BinaryValue? {
        let name = key.stringValue
        if let index { return index[name].map { entries[$0].value } }
        return entries.first { $0.key == name }?.value
    }

    private func value(_ key: Key) throws -> BinaryValue {
        guard let found = find(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \(key.stringValue)"))
        }
        return found
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        if case .null = try value(key) { return true }
        return false
    }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try BinaryScalarReader.bool(value(key), codingPath + [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try BinaryScalarReader.string(value(key), codingPath + [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try BinaryScalarReader.double(value(key), codingPath + [key]) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try BinaryScalarReader.double(value(key), codingPath + [key])) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try BinaryScalarReader.integer(value(key), codingPath + [key]) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try BinaryScalarReader.integer(value(key), codingPath + [key]) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try BinaryScalarReader.integer(value(key), codingPath + [key]) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try BinaryScalarReader.integer(value(key), codingPath + [key]) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try BinaryScalarReader.integer(value(key), codingPath + [key]) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try BinaryScalarReader.integer(value(key), codingPath + [key]) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try BinaryScalarReader.integer(value(key), codingPath + [key]) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try BinaryScalarReader.integer(value(key), codingPath + [key]) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try BinaryScalarReader.integer(value(key), codingPath + [key]) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try BinaryScalarReader.integer(value(key), codingPath + [key]) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try T(from: BinaryDecoderImpl(value: value(key), codingPath: codingPath + [key]))
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try BinaryDecoderImpl(value: value(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try BinaryDecoderImpl(value: value(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        BinaryDecoderImpl(value: find(Key(stringValue: "super")!) ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        BinaryDecoderImpl(value: find(key) ?? .null, codingPath: codingPath + [key])
    }
}

struct BinaryUnkeyedDecoder: UnkeyedDecodingContainer {
    let values: [BinaryValue]
    let codingPath: [any CodingKey]
    var currentIndex = 0

    init(values: [BinaryValue], codingPath: [any CodingKey]) {
        self.values = values
        self.codingPath = codingPath
    }

    var count: Int? { values.count }
    var isAtEnd: Bool { currentIndex >= values.count }

    private mutating func next() throws -> BinaryValue {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "array ended"))
        }
        defer { currentIndex += 1 }
        return values[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { return false }
        if case .null = values[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try BinaryScalarReader.bool(next(), codingPath) }
    mutating func decode(_ type: String.Type) throws -> String { try BinaryScalarReader.string(next(), codingPath) }
    mutating func decode(_ type: Double.Type) throws -> Double { try BinaryScalarReader.double(next(), codingPath) }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try BinaryScalarReader.double(next(), codingPath)) }
    mutating func decode(_ type: Int.Type) throws -> Int { try BinaryScalarReader.integer(next(), codingPath) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try BinaryScalarReader.integer(next(), codingPath) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try BinaryScalarReader.integer(next(), codingPath) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try BinaryScalarReader.integer(next(), codingPath) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try BinaryScalarReader.integer(next(), codingPath) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try BinaryScalarReader.integer(next(), codingPath) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try BinaryScalarReader.integer(next(), codingPath) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try BinaryScalarReader.integer(next(), codingPath) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try BinaryScalarReader.integer(next(), codingPath) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try BinaryScalarReader.integer(next(), codingPath) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: BinaryDecoderImpl(value: next(), codingPath: codingPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try BinaryDecoderImpl(value: next(), codingPath: codingPath).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try BinaryDecoderImpl(value: next(), codingPath: codingPath).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        BinaryDecoderImpl(value: try next(), codingPath: codingPath)
    }
}

struct BinarySingleValueDecoder: SingleValueDecodingContainer {
    let value: BinaryValue
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool {
        if case .null = value { return true }
        return false
    }

    func decode(_ type: Bool.Type) throws -> Bool { try BinaryScalarReader.bool(value, codingPath) }
    func decode(_ type: String.Type) throws -> String { try BinaryScalarReader.string(value, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try BinaryScalarReader.double(value, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { Float(try BinaryScalarReader.double(value, codingPath)) }
    func decode(_ type: Int.Type) throws -> Int { try BinaryScalarReader.integer(value, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try BinaryScalarReader.integer(value, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try BinaryScalarReader.integer(value, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try BinaryScalarReader.integer(value, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try BinaryScalarReader.integer(value, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try BinaryScalarReader.integer(value, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try BinaryScalarReader.integer(value, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try BinaryScalarReader.integer(value, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try BinaryScalarReader.integer(value, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try BinaryScalarReader.integer(value, codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: BinaryDecoderImpl(value: value, codingPath: codingPath))
    }
}
