import RaftCore

/// Where a peer listens for Raft traffic.
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host name or IP address.
    public var host: String
    /// A TCP port.
    public var port: Int

    /// The address `host:port`; traps on a port outside 0...65535.
    public init(host: String, port: Int) {
        precondition((0...Int(UInt16.max)).contains(port), "port out of range")
        self.host = host
        self.port = port
    }

    /// `host:port`, as it appears in logs.
    public var description: String { "\(host):\(port)" }
}

/// Identity, secret and limits of a `PeerTransport`.
public struct TransportConfiguration: Sendable, CustomStringConvertible {
    /// This node's id; every message we send must come from it and every one we accept go to it.
    public var localID: NodeID
    /// Nodes of different clusters refuse each other even when they share a secret.
    public var clusterID: UInt64
    /// The shared cluster secret that keys the handshake MACs.
    public var secret: [UInt8]
    /// The largest frame sent or accepted, length prefix included.
    public var frameBytesMax = 16 * 1024 * 1024
    /// The largest piece a snapshot is cut into; must fit a frame with its headers.
    public var snapshotChunkBytesMax = 1024 * 1024
    /// The largest encoded snapshot message accepted, which bounds reassembly memory per peer.
    public var snapshotBytesMax = 1024 * 1024 * 1024
    /// Messages waiting for one peer before further ones are dropped.
    public var queueMessagesMax = 4096
    /// Estimated bytes (`Message.sizeBytes`, snapshot data aside) waiting for one peer.
    public var queueBytesMax = 64 * 1024 * 1024
    /// The first reconnect delay; each failure doubles it up to the maximum.
    public var reconnectDelayMillisecondsMin = 50
    /// The longest reconnect delay, however many attempts have failed.
    public var reconnectDelayMillisecondsMax = 2_000
    /// How long one connection attempt may take before it counts as failed.
    public var connectTimeoutMilliseconds = 1_000
    /// A connection that has not authenticated by then is closed, so half-open or silent
    /// clients cannot hold sockets forever.
    public var handshakeTimeoutMilliseconds = 2_000

    /// The shortest secret accepted: 128 bits, the least an HMAC key should carry.
    public static let secretBytesMin = 16
    /// The largest frame accepted before authentication; handshake frames are a few dozen bytes,
    /// so a stranger can never make us buffer a big frame.
    public static let handshakeFrameBytesMax = 256

    /// A configuration with the default limits; the secret must have at least `secretBytesMin` bytes.
    public init(localID: NodeID, clusterID: UInt64, secret: [UInt8]) {
        self.localID = localID
        self.clusterID = clusterID
        self.secret = secret
    }

    /// Leaves the secret out, so logging a configuration never leaks it.
    public var description: String {
        "TransportConfiguration(localID: \(localID), clusterID: \(clusterID), secret: <\(secret.count) bytes>, "
            + "frameBytesMax: \(frameBytesMax), snapshotChunkBytesMax: \(snapshotChunkBytesMax), "
            + "queueMessagesMax: \(queueMessagesMax), queueBytesMax: \(queueBytesMax))"
    }

    /// Traps on a configuration that could never work; these are programming errors.
    func validate() {
        precondition(localID != noNode, "the local node id must not be zero")
        precondition(secret.count >= Self.secretBytesMin, "the cluster secret is too short")
        precondition(frameBytesMax > Self.handshakeFrameBytesMax, "frameBytesMax too small")
        precondition(snapshotChunkBytesMax > 0, "snapshotChunkBytesMax must be positive")
        precondition(
            snapshotChunkBytesMax + SnapshotChunk.headerBytes + FrameCodec.overheadBytes <= frameBytesMax,
            "a snapshot chunk must fit in a frame")
        precondition(snapshotBytesMax > 0 && queueMessagesMax > 0 && queueBytesMax > 0, "limits must be positive")
        precondition(reconnectDelayMillisecondsMin > 0, "reconnect delay must be positive")
        precondition(reconnectDelayMillisecondsMax >= reconnectDelayMillisecondsMin, "reconnect delays inverted")
        precondition(connectTimeoutMilliseconds > 0 && handshakeTimeoutMilliseconds > 0, "timeouts must be positive")
    }
}
