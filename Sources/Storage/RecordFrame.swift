import Checksum
/// Why stored bytes could not be decoded; becomes a `StorageError` naming the record.
struct RecordDecodingFailure: Error {
    let reason: String
}

/// Big-endian encoder for the fixed-layout records.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 32) { bytes.reserveCapacity(capacity) }

    mutating func append(_ value: UInt8) { bytes.append(value) }

    mutating func append(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(contentsOf data: [UInt8]) { bytes.append(contentsOf: data) }
}

/// Big-endian decoder that reports a short read instead of trapping.
struct ByteReader {
    private let bytes: ArraySlice<UInt8>
    private var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var remainingCount: Int { bytes.endIndex - position }

    mutating func readUInt8() throws(RecordDecodingFailure) -> UInt8 {
        try UInt8(truncatingIfNeeded: readBigEndian(byteCount: 1))
    }

    mutating func readUInt32() throws(RecordDecodingFailure) -> UInt32 {
        try UInt32(truncatingIfNeeded: readBigEndian(byteCount: 4))
    }

    mutating func readUInt64() throws(RecordDecodingFailure) -> UInt64 {
        try readBigEndian(byteCount: 8)
    }

    /// Everything not read yet.
    mutating func readRemaining() -> [UInt8] {
        defer { position = bytes.endIndex }
        return Array(bytes[position...])
    }

    /// Fails if bytes are left over: a record with trailing bytes is not one we wrote.
    func expectEnd() throws(RecordDecodingFailure) {
        guard remainingCount == 0 else {
            throw RecordDecodingFailure(reason: "\(remainingCount) unexpected trailing bytes")
        }
    }

    private mutating func readBigEndian(byteCount: Int) throws(RecordDecodingFailure) -> UInt64 {
        guard remainingCount >= byteCount else {
            throw RecordDecodingFailure(
                reason: "needs \(byteCount) more bytes at offset \(position - bytes.startIndex), has \(remainingCount)")
        }
        var value: UInt64 = 0
        for byte in bytes[position..<position + byteCount] { value = value << 8 | UInt64(byte) }
        position += byteCount
        return value
    }
}

/// The frame around every stored Raft record: a format version byte, the payload, and a
/// CRC-32C of both. The version lets a later release read records an older one wrote; the
/// checksum turns a flipped or cut-short record into an error instead of wrong data.
enum RecordFrame {
    /// The payload layouts this release writes.
    static let currentVersion: UInt8 = 1
    /// Version byte plus checksum.
    static let overheadBytes = 5

    /// Frames the payload that `writePayload` produces; `payloadBytesExpected` only sizes the
    /// buffer up front so a large entry is not copied while it grows.
    static func seal(payloadBytesExpected: Int = 32, _ writePayload: (inout ByteWriter) -> Void) -> [UInt8] {
        var writer = ByteWriter(capacity: payloadBytesExpected + overheadBytes)
        writer.append(currentVersion)
        writePayload(&writer)
        writer.append(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    /// Checks the frame and returns a reader over its payload.
    static func open(_ bytes: [UInt8]) throws(RecordDecodingFailure) -> ByteReader {
        guard bytes.count >= overheadBytes else {
            throw RecordDecodingFailure(
                reason: "\(bytes.count) bytes is shorter than the \(overheadBytes)-byte record frame")
        }
        let body = bytes[..<(bytes.count - 4)]
        var trailer = ByteReader(bytes[(bytes.count - 4)...])
        let stored = try trailer.readUInt32()
        let computed = CRC32C.checksum(body)
        guard stored == computed else {
            throw RecordDecodingFailure(
                reason: "checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
        }
        guard body[0] == currentVersion else {
            throw RecordDecodingFailure(reason: "unknown record format version \(body[0])")
        }
        return ByteReader(body.dropFirst())
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}
