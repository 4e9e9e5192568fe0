import Checksum
import NIOCore

/// The version of the peer protocol: framing, handshake and message encoding together.
/// Version 2: the answer to a forwarded proposal names the index of its entry.
public let peerProtocolVersion: UInt8 = 2

/// What a frame carries. The first three, and `farewell`, only appear during the handshake.
public enum FrameKind: UInt8, Sendable, Hashable, CaseIterable {
    /// Dialer → acceptor: who I am and who I expect you to be, with a fresh nonce.
    case hello = 1
    /// Acceptor → dialer: my nonce and a MAC that proves I know the cluster secret.
    case welcome = 2
    /// Dialer → acceptor: a MAC that proves the dialer knows the cluster secret too.
    case proof = 3
    /// One encoded `Message`.
    case message = 4
    /// One piece of an encoded snapshot message.
    case snapshotChunk = 5
    /// Opaque bytes of the owner's own protocol, carried beside Raft on the same link.
    case application = 6
    /// Acceptor → dialer, instead of `welcome`: the dialer was removed from the cluster, with
    /// a MAC that proves a member says so. The acceptor closes the connection after it.
    case farewell = 7
}

/// One unit of the peer protocol, before framing.
public struct Frame: Sendable, Hashable {
    /// What the payload is.
    public var kind: FrameKind
    /// The bytes between the kind and the checksum.
    public var payload: [UInt8]

    /// A frame of `kind` carrying `payload`.
    public init(kind: FrameKind, payload: [UInt8]) {
        self.kind = kind
        self.payload = payload
    }
}

/// Why bytes read from a peer are not a valid frame. Any of these ends the connection.
public enum FrameError: Error, Hashable, Sendable {
    /// The length prefix announced a frame larger than the limit; nothing was allocated for it.
    case frameTooLarge(bytes: Int, bytesMax: Int)
    /// The length prefix is too small to hold even the version, kind and checksum.
    case frameTooShort(bytes: Int)
    /// The checksum does not match: the frame was damaged (or the stream is out of step).
    case checksumMismatch(expected: UInt32, actual: UInt32)
    /// The peer speaks a protocol version this build does not.
    case unsupportedVersion(UInt8)
    /// The frame kind is not one this version knows.
    case unknownKind(UInt8)
}

/// Frames on the wire: `u32 length | u8 version | u8 kind | payload | u32 CRC32C`, big-endian.
///
/// `length` counts the bytes after itself. The checksum covers version, kind and payload, so a
/// flipped bit anywhere but the length prefix is caught here, and a damaged length prefix shows
/// up as a checksum mismatch or a size the limits refuse.
public enum FrameCodec {
    /// Bytes of the length prefix.
    public static let lengthBytes = 4
    /// Bytes a frame adds around its payload: length, version, kind and checksum.
    public static let overheadBytes = 10

    /// Appends the framed `frame` to `buffer`.
    public static func encode(_ frame: Frame, version: UInt8 = peerProtocolVersion, into buffer: inout ByteBuffer) {
        precondition(frame.payload.count <= Int(UInt32.max) - overheadBytes, "payload too large to frame")
        // The checksum runs over an array, not a `ByteBufferView`: iterating a view through the
        // generic `CRC32C.checksum` costs far more than the copy.
        let checked = [version, frame.kind.rawValue] + frame.payload
        buffer.reserveCapacity(minimumWritableBytes: checked.count + lengthBytes + 4)
        buffer.writeInteger(UInt32(checked.count + 4))
        buffer.writeBytes(checked)
        buffer.writeInteger(CRC32C.checksum(checked))
    }

    /// The framed bytes of `frame`, for callers that do not hold a `ByteBuffer`.
    public static func encode(_ frame: Frame, version: UInt8 = peerProtocolVersion) -> [UInt8] {
        var buffer = ByteBuffer()
        encode(frame, version: version, into: &buffer)
        return Array(buffer.readableBytesView)
    }
}

/// Takes whole frames off the front of a buffer, enforcing a size limit before reading a body.
public struct FrameDecoder: Sendable {
    /// The largest frame accepted, counting every byte including the length prefix.
    public var frameBytesMax: Int

    /// A decoder that refuses frames larger than `frameBytesMax` bytes.
    public init(frameBytesMax: Int) {
        precondition(frameBytesMax >= FrameCodec.overheadBytes, "a limit below the overhead admits no frame")
        self.frameBytesMax = frameBytesMax
    }

    /// The next frame, or `nil` when `buffer` does not hold a whole one yet (nothing is consumed).
    ///
    /// The length prefix is checked against `frameBytesMax` as soon as its four bytes arrive, so an
    /// oversized frame is refused before any of its body is buffered or allocated.
    public func decode(_ buffer: inout ByteBuffer) throws(FrameError) -> Frame? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        let frameBytes = Int(length) + FrameCodec.lengthBytes
        guard frameBytes <= frameBytesMax else {
            throw .frameTooLarge(bytes: frameBytes, bytesMax: frameBytesMax)
        }
        guard frameBytes >= FrameCodec.overheadBytes else { throw .frameTooShort(bytes: frameBytes) }
        guard buffer.readableBytes >= frameBytes else { return nil }
        // Every read below is inside the `frameBytes` just checked to be readable.
        let start = buffer.readerIndex + FrameCodec.lengthBytes
        let checkedCount = frameBytes - FrameCodec.lengthBytes - 4
        let checked = buffer.getBytes(at: start, length: checkedCount)!
        let actual = buffer.getInteger(at: start + checkedCount, as: UInt32.self)!
        buffer.moveReaderIndex(forwardBy: frameBytes)
        let expected = CRC32C.checksum(checked)
        guard expected == actual else { throw .checksumMismatch(expected: expected, actual: actual) }
        guard checked[0] == peerProtocolVersion else { throw .unsupportedVersion(checked[0]) }
        guard let kind = FrameKind(rawValue: checked[1]) else { throw .unknownKind(checked[1]) }
        return Frame(kind: kind, payload: Array(checked[2...]))
    }
}

/// Collects bytes as they arrive from a connection and hands out whole frames.
struct FrameAccumulator {
    var decoder: FrameDecoder
    private var buffer: ByteBuffer?

    /// Read bytes kept in front of unread ones before they are compacted away.
    private static let consumedBytesMax = 64 * 1024

    init(frameBytesMax: Int) {
        decoder = FrameDecoder(frameBytesMax: frameBytesMax)
    }

    mutating func append(_ incoming: ByteBuffer) {
        if buffer == nil {
            buffer = incoming
        } else {
            buffer!.writeImmutableBuffer(incoming)
        }
    }

    mutating func nextFrame() throws(FrameError) -> Frame? {
        guard var current = buffer else { return nil }
        buffer = nil  // Drops our reference so that `current` is mutated in place, not copied.
        let frame = try decoder.decode(&current)
        if current.readableBytes > 0 {
            if current.readerIndex > Self.consumedBytesMax { current.discardReadBytes() }
            buffer = current
        }
        return frame
    }
}
