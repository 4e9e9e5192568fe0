import ServiceDesk

/// Reads the plain shapes of the busiest request bodies without Foundation's `JSONDecoder`.
///
/// It knows strings, `true`, `false`, `null` and objects nested up to `depthMax`; a number,
/// an array, invalid UTF-8, a duplicate key, a lone surrogate or anything malformed makes it
/// give up (`nil`), and the caller decodes the body with `JSONDecoder`, whose answer — value
/// or error — is the reference. So a body this reader accepts must decode to the same value
/// there; tests compare both over generated bodies.
struct JSONReader {
    indirect enum Value: Equatable {
        case string(String)
        case bool(Bool)
        case null
        case object([(key: String, value: Value)])

        static func == (left: Value, right: Value) -> Bool {
            switch (left, right) {
            case (.string(let a), .string(let b)): a == b
            case (.bool(let a), .bool(let b)): a == b
            case (.null, .null): true
            case (.object(let a), .object(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
            default: false
            }
        }
    }

    /// Objects inside objects beyond this depth are left to `JSONDecoder`.
    static let depthMax = 2
    /// Fields per object beyond this are left to `JSONDecoder`.
    static let fieldsMax = 16

    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    /// The fields of a body that is one JSON object of the shapes above, or nil.
    static func object(_ bytes: UnsafeRawBufferPointer) -> [(key: String, value: Value)]? {
        var reader = JSONReader(bytes)
        reader.skipWhitespace()
        guard case .object(let fields)? = reader.value(depth: 0) else { return nil }
        reader.skipWhitespace()
        return reader.position == bytes.count ? fields : nil
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func value(depth: Int) -> Value? {
        switch current {
        case UInt8(ascii: "\""): return string().map(Value.string)
        case UInt8(ascii: "{"): return depth < Self.depthMax ? object(depth: depth + 1) : nil
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] { return false }
        position += count
        return true
    }

    private mutating func object(depth: Int) -> Value? {
        position += 1
        var fields: [(key: String, value: Value)] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(fields)
        }
        while fields.count < Self.fieldsMax {
            skipWhitespace()
            guard current == UInt8(ascii: "\""), let key = string(), !fields.contains(where: { $0.key == key }) else { return nil }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { return nil }
            position += 1
            skipWhitespace()
            guard let value = value(depth: depth) else { return nil }
            fields.append((key, value))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return .object(fields)
            default: return nil
            }
        }
        return nil
    }

    /// A string at the opening quote; its text is checked to be UTF-8.
    private mutating func string() -> String? {
        position += 1
        var start = position
        var unescaped: [UInt8] = []
        var escaped = false
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                let tail = UnsafeRawBufferPointer(rebasing: bytes[start..<position])
                position += 1
                guard escaped else { return String(validatingUTF8: tail.assumingMemoryBound(to: UInt8.self).span) }
                unescaped.append(contentsOf: tail)
                return String(validatingUTF8: unescaped.span)
            case UInt8(ascii: "\\"):
                unescaped.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[start..<position]))
                escaped = true
                position += 1
                guard escape(into: &unescaped) else { return nil }
                start = position
            case 0..<0x20:
                return nil
            default:
                position += 1
            }
        }
        return nil
    }

    /// The escape after a backslash, appended as UTF-8.
    private mutating func escape(into text: inout [UInt8]) -> Bool {
        guard let byte = current else { return false }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(byte)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            guard let scalar = unicodeEscape() else { return false }
            text.append(contentsOf: String(Character(scalar)).utf8)
        default: return false
        }
        return true
    }

    /// `XXXX` after `\u`, or a surrogate pair `XXXX\uXXXX`; NUL and lone surrogates are left
    /// to `JSONDecoder`.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let first = hexQuad(), first != 0 else { return nil }
        guard (0xD800...0xDBFF).contains(first) else { return Unicode.Scalar(first) }
        guard literal("\\u"), let second = hexQuad(), (0xDC00...0xDFFF).contains(second) else { return nil }
        return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
    }

    private mutating func hexQuad() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
