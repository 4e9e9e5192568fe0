/// Why a payload (a message, a handshake step, a snapshot chunk) could not be decoded.
///
/// Every decoder in this target reports malformed input with one of these instead of trapping,
/// because the bytes come from the network and a peer must never be able to crash us.
public enum PayloadError: Error, Hashable, Sendable {
    /// The payload ended `needed` bytes into a field that had only `remaining` bytes left.
    case truncated(needed: Int, remaining: Int)
    /// A count announced more elements than the remaining bytes could possibly hold.
    case countExceedsRemaining(count: Int, elementBytesMin: Int, remaining: Int)
    /// The payload went on after its last field.
    case trailingBytes(count: Int)
    /// A boolean field held something other than 0 or 1.
    case invalidFlag(UInt8)
    /// The message kind is not one this version knows.
    case unknownMessageKind(UInt8)
    /// The entry kind is not one this version knows.
    case unknownEntryKind(UInt8)
    /// The payload was written by an encoding version this build cannot read.
    case unsupportedVersion(UInt8)
    /// Voters or learners were not strictly ascending, or a node was in both lists.
    ///
    /// `ConfState` would silently sort and deduplicate them, so accepting them would decode to a
    /// message that encodes differently from what was received.
    case nonCanonicalConfState
    /// A field held a value that is out of range for its meaning.
    case invalidValue(field: String)
}

/// Appends big-endian fields to a growing byte array.
struct WireWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func write<Integer: FixedWidthInteger>(_ value: Integer) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func write(flag: Bool) {
        write(UInt8(flag ? 1 : 0))
    }

    /// Raw bytes whose length the reader knows from elsewhere (a fixed size, or "the rest").
    mutating func write(raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }

    /// A u32 count followed by the bytes, for fields of any length.
    mutating func write(lengthPrefixed raw: [UInt8]) {
        precondition(raw.count <= Int(UInt32.max), "a field longer than a u32 count cannot be framed")
        write(UInt32(raw.count))
        write(raw: raw)
    }
}

/// Reads big-endian fields from a byte array, throwing instead of reading past its end.
struct WireReader {
    private let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    var remainingCount: Int { bytes.count - offset }

    mutating func read<Integer: FixedWidthInteger>(_: Integer.Type) throws(PayloadError) -> Integer {
        let size = MemoryLayout<Integer>.size
        try require(size)
        let value = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: Integer.self) }
        offset += size
        return Integer(bigEndian: value)
    }

    mutating func readFlag() throws(PayloadError) -> Bool {
        let raw = try read(UInt8.self)
        guard raw <= 1 else { throw .invalidFlag(raw) }
        return raw == 1
    }

    mutating func readRaw(count: Int) throws(PayloadError) -> [UInt8] {
        try require(count)
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func readRest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    mutating func readLengthPrefixed() throws(PayloadError) -> [UInt8] {
        let count = try readCount(elementBytesMin: 1)
        return try readRaw(count: count)
    }

    /// Reads a u32 element count and checks that the remaining bytes could hold that many
    /// elements, so a forged count can never make us reserve or loop beyond the payload.
    mutating func readCount(elementBytesMin: Int) throws(PayloadError) -> Int {
        precondition(elementBytesMin > 0)
        let count = Int(try read(UInt32.self))
        guard count <= remainingCount / elementBytesMin else {
            throw .countExceedsRemaining(
                count: count, elementBytesMin: elementBytesMin, remaining: remainingCount)
        }
        return count
    }

    func expectEnd() throws(PayloadError) {
        guard remainingCount == 0 else { throw .trailingBytes(count: remainingCount) }
    }

    private func require(_ count: Int) throws(PayloadError) {
        guard count <= remainingCount else {
            throw .truncated(needed: count, remaining: remainingCount)
        }
    }
}
