import RaftCore

/// The replica's own framing of log entries: application commands next to the replica's own
/// address announcements.
///
/// Entry data: `version(1) tag(1) body`, tag 0 = application command, 1 = address
/// announcement (snapshots are `StateSnapshot`s).
/// Decoders accept every version they know and refuse others with a clear error.
enum Envelope {
    static let version: UInt8 = 1

    enum Command: Hashable {
        case application([UInt8])
        case announce(NodeID, MemberAddresses)
    }

    static func encode(_ command: Command) -> [UInt8] {
        var writer = ByteWriter()
        writer.write(version)
        switch command {
        case .application(let body):
            writer.write(UInt8(0))
            writer.writeRaw(body)
        case .announce(let node, let addresses):
            writer.write(UInt8(1))
            writer.write(node)
            writer.write(addresses.peer)
            writer.write(addresses.http)
        }
        return writer.bytes
    }

    static func decodeCommand(_ bytes: [UInt8]) throws(EnvelopeError) -> Command {
        var reader = ByteReader(bytes)
        let version = try reader.readUInt8()
        guard version == Self.version else { throw .unsupportedVersion(version) }
        switch try reader.readUInt8() {
        case 0:
            return .application(reader.readRemaining())
        case 1:
            let node = try reader.readUInt64()
            let addresses = MemberAddresses(peer: try reader.readString(), http: try reader.readString())
            guard reader.isAtEnd else { throw .malformed("trailing bytes after announcement") }
            return .announce(node, addresses)
        case let tag:
            throw .malformed("unknown command tag \(tag)")
        }
    }
}

/// Why replica-framed bytes could not be decoded.
public enum EnvelopeError: Error, Sendable, Hashable {
    case truncated
    case unsupportedVersion(UInt8)
    case malformed(String)
}

/// Big-endian binary writing.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func write(_ value: UInt8) { bytes.append(value) }
    mutating func write(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func write(_ value: UInt64) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func write(_ value: String) { writeBytes(Array(value.utf8)) }
    /// Length-prefixed bytes.
    mutating func writeBytes(_ value: [UInt8]) {
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }
    /// Bytes with no length (only as the last field).
    mutating func writeRaw(_ value: [UInt8]) { bytes.append(contentsOf: value) }
}

/// Big-endian binary reading that never traps on short or hostile input.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func readUInt8() throws(EnvelopeError) -> UInt8 {
        guard offset < bytes.count else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt32() throws(EnvelopeError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readInteger(width: 4))
    }

    mutating func readUInt64() throws(EnvelopeError) -> UInt64 {
        try readInteger(width: 8)
    }

    private mutating func readInteger(width: Int) throws(EnvelopeError) -> UInt64 {
        guard bytes.count - offset >= width else { throw .truncated }
        var value: UInt64 = 0
        for byte in bytes[offset..<(offset + width)] { value = value << 8 | UInt64(byte) }
        offset += width
        return value
    }

    mutating func readBytes(limit: Int = .max) throws(EnvelopeError) -> [UInt8] {
        let count = Int(try readUInt32())
        guard count <= limit else { throw .malformed("field of \(count) bytes exceeds \(limit)") }
        guard bytes.count - offset >= count else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func readString() throws(EnvelopeError) -> String {
        let raw = try readBytes()
        guard let text = String(validating: raw, as: UTF8.self) else { throw .malformed("invalid UTF-8") }
        return text
    }

    mutating func readRemaining() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }
}
