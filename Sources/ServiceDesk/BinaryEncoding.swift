// MARK: - Encoding

/// The bytes of one `BinaryCoding.encode` call, shared by all of its containers.
final class BinaryOutput {
    var bytes: [UInt8] = []
    /// Reused to put each finished object's fields in key order.
    var scratch: [UInt8] = []
    /// Whether `BinaryWritable` types write themselves; off only to compare with `Codable`.
    let handWritten: Bool

    init(handWritten: Bool = true) {
        self.handWritten = handWritten
    }

    /// Appends `value`: the common scalar types directly, types with a hand-written form by
    /// it, anything else through its `encode(to:)`.
    func append<T: Encodable>(_ value: T) throws {
        if appendIfScalar(value) { return }
        if handWritten, let writable = value as? any BinaryWritable { return try writable.write(to: self) }
        try appendCodable(value)
    }

    /// Appends `value` through its `encode(to:)`, putting the container it opened into its
    /// final form once that returns.
    func appendCodable<T: Encodable>(_ value: T) throws {
        let encoder = BinaryEncoderImpl(output: self, start: bytes.count)
        try value.encode(to: encoder)
        encoder.finish()
    }

    /// Writes `value` if it is one of the scalar types a field most often has; false otherwise.
    /// Going around the generic `encode(to:)` saves an encoder per field. A `Timestamp`
    /// encodes as its milliseconds, exactly as its own `encode(to:)` does.
    func appendIfScalar<T>(_ value: T) -> Bool {
        if T.self == String.self {
            append(reinterpret(value, as: String.self))
        } else if T.self == Timestamp.self {
            append(signed: reinterpret(value, as: Timestamp.self).millisecondsSinceEpoch)
        } else if T.self == Int64.self {
            append(signed: reinterpret(value, as: Int64.self))
        } else if T.self == Int.self {
            append(signed: Int64(reinterpret(value, as: Int.self)))
        } else if T.self == UInt64.self {
            append(unsigned: reinterpret(value, as: UInt64.self))
        } else if T.self == Bool.self {
            append(reinterpret(value, as: Bool.self))
        } else if T.self == Double.self {
            append(reinterpret(value, as: Double.self))
        } else {
            return false
        }
        return true
    }

    func appendNull() { bytes.append(BinaryCoding.Tag.null.rawValue) }

    func append(_ value: Bool) {
        bytes.append(value ? BinaryCoding.Tag.trueValue.rawValue : BinaryCoding.Tag.falseValue.rawValue)
    }

    func append(signed value: Int64) {
        bytes.append(BinaryCoding.Tag.signed.rawValue)
        writeVarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)), to: &bytes)
    }

    func append(unsigned value: UInt64) {
        bytes.append(BinaryCoding.Tag.unsigned.rawValue)
        writeVarint(value, to: &bytes)
    }

    func append(_ value: Double) {
        bytes.append(BinaryCoding.Tag.double.rawValue)
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    func append(_ value: String) {
        bytes.append(BinaryCoding.Tag.string.rawValue)
        writeString(value, to: &bytes)
    }
}

/// `value` as the type it is known to be (the caller compared the metatypes).
@inline(__always)
func reinterpret<T, U>(_ value: T, as type: U.Type) -> U {
    precondition(T.self == U.self, "reinterpret between different types")
    return withUnsafePointer(to: value) { UnsafeRawPointer($0).load(as: U.self) }
}

/// One field of an object or element of an array, as encoded so far: its bytes in the shared
/// output, or a child that writes elsewhere (a nested container handed out before its contents
/// were known) and is moved in when the parent finishes.
struct BinaryItem {
    var key: String
    var start: Int
    var end: Int
    var detached: BinaryEncoderImpl?
}

/// The encoder of one value. Its bytes start at `start` in the shared output; an object's
/// fields are appended as they come and put in key order by `finish`.
final class BinaryEncoderImpl: Encoder {
    enum Kind { case unset, scalar, array, object }

    let output: BinaryOutput
    let start: Int
    private(set) var kind = Kind.unset
    /// An object's fields or an array's elements, in the order they were encoded.
    private(set) var items: [BinaryItem] = []

    /// Failures get their path while they travel out (see `BinaryPathKey`).
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(output: BinaryOutput, start: Int) {
        self.output = output
        self.start = start
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        become(.object)
        return KeyedEncodingContainer(BinaryKeyedEncoder<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        become(.array)
        return BinaryUnkeyedEncoder(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        BinarySingleValueEncoder(encoder: self)
    }

    /// Asking again for the same kind of container continues it; asking for another kind
    /// starts the value over, so it is always exactly one value.
    func become(_ container: Kind) {
        guard kind != container else { return }
        if output.bytes.count > start { output.bytes.removeSubrange(start...) }
        items = []
        kind = container
    }

    /// Records a field or element whose bytes were appended from `valueStart` on.
    func addItem(key: String, from valueStart: Int) {
        items.append(BinaryItem(key: key, start: valueStart, end: output.bytes.count, detached: nil))
    }

    /// An encoder for a nested container: it writes to its own output, because the caller
    /// may keep writing to this one before it fills the nested container.
    func detachedChild(key: String) -> BinaryEncoderImpl {
        let child = BinaryEncoderImpl(output: BinaryOutput(handWritten: output.handWritten), start: 0)
        items.append(BinaryItem(key: key, start: 0, end: 0, detached: child))
        return child
    }

    /// Puts the value into its final form: everything in it has been encoded.
    func finish() {
        switch kind {
        case .unset: output.appendNull()
        case .scalar: break
        case .array: rewrite(as: .array, order: Array(items.indices))
        case .object: rewrite(as: .object, order: lastOfEachKeySorted())
        }
    }

    /// Replaces the bytes from `start` with the container's header and its items in `order`.
    private func rewrite(as tag: BinaryCoding.Tag, order: [Int]) {
        var finished = output.scratch
        output.scratch = []
        finished.removeAll(keepingCapacity: true)
        finished.append(tag.rawValue)
        writeVarint(UInt64(order.count), to: &finished)
        for index in order {
            let item = items[index]
            if tag == .object { writeString(item.key, to: &finished) }
            if let child = item.detached {
                child.finish()
                finished.append(contentsOf: child.output.bytes)
            } else {
                finished.append(contentsOf: output.bytes[item.start..<item.end])
            }
        }
        output.bytes.replaceSubrange(start..., with: finished)
        output.scratch = finished
        items = []
    }

    /// Positions of the fields in key order; a key encoded twice keeps its last value, as in
    /// JSON. Ties are broken by position, so the order never depends on the sort's stability.
    private func lastOfEachKeySorted() -> [Int] {
        let sorted = items.count <= 16 ? insertionSortedByKey() : items.indices.sorted { left, right in
            let (a, b) = (items[left].key, items[right].key)
            if a == b { return left < right }
            return utf8Precedes(a, b)
        }
        var order: [Int] = []
        order.reserveCapacity(sorted.count)
        for (position, index) in sorted.enumerated() {
            if position + 1 < sorted.count, items[sorted[position + 1]].key == items[index].key { continue }
            order.append(index)
        }
        return order
    }

    /// The same order for the few fields of a struct, where a general sort costs more than
    /// the comparisons: an insertion sort, which keeps equal keys in position order.
    private func insertionSortedByKey() -> [Int] {
        var sorted = Array(items.indices)
        for next in sorted.indices.dropFirst() {
            let moving = sorted[next]
            var slot = next
            while slot > 0, utf8Precedes(items[moving].key, items[sorted[slot - 1]].key) {
                sorted[slot] = sorted[slot - 1]
                slot -= 1
            }
            sorted[slot] = moving
        }
        return sorted
    }
}

/// Whether `a` sorts before `b` by UTF-8 bytes (not by Unicode order, which `<` uses).
func utf8Precedes(_ a: String, _ b: String) -> Bool {
    var (left, right) = (a, b)
    return left.withUTF8 { x in right.withUTF8 { y in byteOrder(x, y) < 0 } }
}

/// How `a` sorts against `b` byte by byte, a shorter prefix first: -1, 0 or 1. The order of
/// object keys, which the encoder writes in it and the decoder searches by it.
func byteOrder(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    for index in 0..<min(a.count, b.count) where a[index] != b[index] {
        return a[index] < b[index] ? -1 : 1
    }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
}

struct BinaryKeyedEncoder<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: BinaryEncoderImpl
    var codingPath: [any CodingKey] { [] }

    private func put(_ key: Key, _ write: (BinaryOutput) -> Void) {
        let start = encoder.output.bytes.count
        write(encoder.output)
        encoder.addItem(key: key.stringValue, from: start)
    }

    mutating func encodeNil(forKey key: Key) throws { put(key) { $0.appendNull() } }
    mutating func encode(_ value: Bool, forKey key: Key) throws { put(key) { $0.append(value) } }
    mutating func encode(_ value: String, forKey key: Key) throws { put(key) { $0.append(value) } }
    mutating func encode(_ value: Double, forKey key: Key) throws { put(key) { $0.append(value) } }
    mutating func encode(_ value: Float, forKey key: Key) throws { put(key) { $0.append(Double(value)) } }
    mutating func encode(_ value: Int, forKey key: Key) throws { put(key) { $0.append(signed: Int64(value)) } }
    mutating func encode(_ value: Int8, forKey key: Key) throws { put(key) { $0.append(signed: Int64(value)) } }
    mutating func encode(_ value: Int16, forKey key: Key) throws { put(key) { $0.append(signed: Int64(value)) } }
    mutating func encode(_ value: Int32, forKey key: Key) throws { put(key) { $0.append(signed: Int64(value)) } }
    mutating func encode(_ value: Int64, forKey key: Key) throws { put(key) { $0.append(signed: value) } }
    mutating func encode(_ value: UInt, forKey key: Key) throws { put(key) { $0.append(unsigned: UInt64(value)) } }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { put(key) { $0.append(unsigned: UInt64(value)) } }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { put(key) { $0.append(unsigned: UInt64(value)) } }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { put(key) { $0.append(unsigned: UInt64(value)) } }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { put(key) { $0.append(unsigned: value) } }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        let start = encoder.output.bytes.count
        do {
            try encoder.output.append(value)
        } catch let error as EncodingError {
            throw error.nested(under: key)
        }
        encoder.addItem(key: key.stringValue, from: start)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        encoder.detachedChild(key: key.stringValue).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.detachedChild(key: key.stringValue).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { encoder.detachedChild(key: "super") }

    mutating func superEncoder(forKey key: Key) -> any Encoder { encoder.detachedChild(key: key.stringValue) }
}

/// The scalar methods that unkeyed and single-value containers share (same signatures): each
/// container says only how a scalar is put.
protocol BinaryScalarWriter {
    func put(_ write: (BinaryOutput) -> Void)
}

extension BinaryScalarWriter {
    mutating func encodeNil() throws { put { $0.appendNull() } }
    mutating func encode(_ value: Bool) throws { put { $0.append(value) } }
    mutating func encode(_ value: String) throws { put { $0.append(value) } }
    mutating func encode(_ value: Double) throws { put { $0.append(value) } }
    mutating func encode(_ value: Float) throws { put { $0.append(Double(value)) } }
    mutating func encode(_ value: Int) throws { put { $0.append(signed: Int64(value)) } }
    mutating func encode(_ value: Int8) throws { put { $0.append(signed: Int64(value)) } }
    mutating func encode(_ value: Int16) throws { put { $0.append(signed: Int64(value)) } }
    mutating func encode(_ value: Int32) throws { put { $0.append(signed: Int64(value)) } }
    mutating func encode(_ value: Int64) throws { put { $0.append(signed: value) } }
    mutating func encode(_ value: UInt) throws { put { $0.append(unsigned: UInt64(value)) } }
    mutating func encode(_ value: UInt8) throws { put { $0.append(unsigned: UInt64(value)) } }
    mutating func encode(_ value: UInt16) throws { put { $0.append(unsigned: UInt64(value)) } }
    mutating func encode(_ value: UInt32) throws { put { $0.append(unsigned: UInt64(value)) } }
    mutating func encode(_ value: UInt64) throws { put { $0.append(unsigned: value) } }
}

struct BinaryUnkeyedEncoder: UnkeyedEncodingContainer, BinaryScalarWriter {
    let encoder: BinaryEncoderImpl
    var codingPath: [any CodingKey] { [] }
    var count: Int { encoder.items.count }

    func put(_ write: (BinaryOutput) -> Void) {
        let start = encoder.output.bytes.count
        write(encoder.output)
        encoder.addItem(key: "", from: start)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        let start = encoder.output.bytes.count
        do {
            try encoder.output.append(value)
        } catch let error as EncodingError {
            throw error.nested(under: BinaryPathKey(intValue: count))
        }
        encoder.addItem(key: "", from: start)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        encoder.detachedChild(key: "").container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        encoder.detachedChild(key: "").unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { encoder.detachedChild(key: "") }
}

struct BinarySingleValueEncoder: SingleValueEncodingContainer, BinaryScalarWriter {
    let encoder: BinaryEncoderImpl
    var codingPath: [any CodingKey] { [] }

    func put(_ write: (BinaryOutput) -> Void) {
        encoder.become(.scalar)
        write(encoder.output)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.become(.scalar)
        if encoder.output.appendIfScalar(value) { return }
        // The value opens its own container on this same encoder (the caller finishes it).
        try value.encode(to: encoder)
    }
}
