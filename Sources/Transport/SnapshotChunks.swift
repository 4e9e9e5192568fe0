/// One piece of an encoded snapshot message: `u64 stream | u32 index | u32 count | u64 total | data`.
///
/// A snapshot can be far larger than any frame, so the sender splits the encoded message into
/// chunks and the receiver rebuilds it; the header lets the receiver check that it saw every
/// chunk of one stream, in order, and exactly the announced number of bytes.
public struct SnapshotChunk: Sendable, Hashable {
    /// Identifies one transfer on a connection; a new snapshot gets a new stream.
    public var streamID: UInt64
    /// The position of this chunk in its stream, from 0.
    public var chunkIndex: UInt32
    /// How many chunks the stream has.
    public var chunkCount: UInt32
    /// The size of the whole encoded message.
    public var totalBytes: UInt64
    /// This chunk's slice of the encoded message.
    public var data: [UInt8]

    /// Bytes of the header in front of the data.
    public static let headerBytes = 24

    /// A chunk with the given header and data.
    public init(streamID: UInt64, chunkIndex: UInt32, chunkCount: UInt32, totalBytes: UInt64, data: [UInt8]) {
        self.streamID = streamID
        self.chunkIndex = chunkIndex
        self.chunkCount = chunkCount
        self.totalBytes = totalBytes
        self.data = data
    }

    /// The chunk as a frame payload.
    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: Self.headerBytes + data.count)
        writer.write(streamID)
        writer.write(chunkIndex)
        writer.write(chunkCount)
        writer.write(totalBytes)
        writer.write(raw: data)
        return writer.bytes
    }

    /// Decodes a frame payload; only a header shorter than `headerBytes` is an error, the
    /// assembler checks the header against its stream.
    public init(encoded bytes: [UInt8]) throws(PayloadError) {
        var reader = WireReader(bytes)
        self.init(
            streamID: try reader.read(UInt64.self), chunkIndex: try reader.read(UInt32.self),
            chunkCount: try reader.read(UInt32.self), totalBytes: try reader.read(UInt64.self),
            data: reader.readRest())
    }

}

/// Cuts one encoded message into the chunks of one stream, a chunk at a time, so a sender
/// holds one chunk's copy of the data rather than a second copy of the whole snapshot.
public struct SnapshotChunker: Sequence, IteratorProtocol, Sendable {
    /// The stream every chunk is stamped with.
    public let streamID: UInt64
    /// The most data bytes one chunk carries.
    public let chunkBytesMax: Int
    private let encoded: [UInt8]
    private let chunkCount: Int
    private var nextIndex = 0

    /// Prepares to cut `encoded` (a whole encoded message) into chunks of at most `chunkBytesMax`.
    public init(encoded: [UInt8], streamID: UInt64, chunkBytesMax: Int) {
        precondition(chunkBytesMax > 0)
        self.encoded = encoded
        self.streamID = streamID
        self.chunkBytesMax = chunkBytesMax
        chunkCount = Swift.max(1, (encoded.count + chunkBytesMax - 1) / chunkBytesMax)
        precondition(chunkCount <= Int(UInt32.max), "snapshot has more chunks than a u32 can count")
    }

    /// Whether the chunk `next()` returned last was the final one.
    public var isFinished: Bool { nextIndex == chunkCount }

    /// The next chunk, or `nil` after the last one.
    public mutating func next() -> SnapshotChunk? {
        guard nextIndex < chunkCount else { return nil }
        let start = nextIndex * chunkBytesMax
        let data = Array(encoded[start..<Swift.min(start + chunkBytesMax, encoded.count)])
        defer { nextIndex += 1 }
        return SnapshotChunk(
            streamID: streamID, chunkIndex: UInt32(nextIndex), chunkCount: UInt32(chunkCount),
            totalBytes: UInt64(encoded.count), data: data)
    }
}

/// Why a stream of snapshot chunks cannot be reassembled. The stream in progress is discarded.
public enum SnapshotAssemblyError: Error, Hashable, Sendable {
    /// The announced size is over the receiver's `snapshotBytesMax`.
    case snapshotTooLarge(bytes: UInt64, bytesMax: Int)
    /// A chunk that is not the next one of the stream in progress (or a stream began mid-way).
    case unexpectedChunk(streamID: UInt64, chunkIndex: UInt32)
    /// A chunk contradicts the header of its stream, or the data does not add up to the total.
    case inconsistentStream(streamID: UInt64)
}

/// Rebuilds encoded snapshot messages from chunks, one stream at a time.
///
/// Holding at most one stream, and never more than `snapshotBytesMax` bytes of it, bounds what
/// a peer can make us buffer.
public struct SnapshotAssembler: Sendable {
    /// The largest encoded message a stream may announce.
    public let snapshotBytesMax: Int
    private var stream: Stream?

    private struct Stream: Sendable {
        var streamID: UInt64
        var chunkCount: UInt32
        var totalBytes: UInt64
        var nextIndex: UInt32
        var bytes: [UInt8]
    }

    /// An assembler with no stream in progress.
    public init(snapshotBytesMax: Int) {
        precondition(snapshotBytesMax > 0)
        self.snapshotBytesMax = snapshotBytesMax
    }

    /// Whether a stream has started and not finished.
    public var isReceiving: Bool { stream != nil }

    /// Adds `chunk`; returns the whole encoded message once its last chunk arrives.
    public mutating func receive(_ chunk: SnapshotChunk) throws(SnapshotAssemblyError) -> [UInt8]? {
        var current = if let stream { stream } else { try start(chunk) }
        stream = nil  // Any error below abandons the stream; success puts it back.
        try Self.check(chunk, continues: current)
        current.bytes.append(contentsOf: chunk.data)
        current.nextIndex += 1
        guard current.nextIndex == current.chunkCount else {
            stream = current
            return nil
        }
        guard UInt64(current.bytes.count) == current.totalBytes else {
            throw .inconsistentStream(streamID: chunk.streamID)
        }
        return current.bytes
    }

    private func start(_ chunk: SnapshotChunk) throws(SnapshotAssemblyError) -> Stream {
        guard chunk.chunkIndex == 0 else {
            throw .unexpectedChunk(streamID: chunk.streamID, chunkIndex: chunk.chunkIndex)
        }
        guard chunk.totalBytes <= UInt64(snapshotBytesMax) else {
            throw .snapshotTooLarge(bytes: chunk.totalBytes, bytesMax: snapshotBytesMax)
        }
        // Every chunk but the only chunk of an empty message carries at least one byte.
        guard chunk.chunkCount >= 1, UInt64(chunk.chunkCount) <= max(1, chunk.totalBytes) else {
            throw .inconsistentStream(streamID: chunk.streamID)
        }
        return Stream(
            streamID: chunk.streamID, chunkCount: chunk.chunkCount, totalBytes: chunk.totalBytes,
            nextIndex: 0, bytes: [])
    }

    private static func check(_ chunk: SnapshotChunk, continues stream: Stream) throws(SnapshotAssemblyError) {
        guard chunk.streamID == stream.streamID, chunk.chunkIndex == stream.nextIndex else {
            throw .unexpectedChunk(streamID: chunk.streamID, chunkIndex: chunk.chunkIndex)
        }
        let received = UInt64(stream.bytes.count) + UInt64(chunk.data.count)
        guard chunk.chunkCount == stream.chunkCount, chunk.totalBytes == stream.totalBytes,
            !chunk.data.isEmpty || stream.totalBytes == 0, received <= stream.totalBytes
        else {
            throw .inconsistentStream(streamID: chunk.streamID)
        }
    }
}
