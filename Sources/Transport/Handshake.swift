import Crypto
import RaftCore

/// Why a peer connection was refused during its handshake. Both sides log it and close.
public enum HandshakeError: Error, Hashable, Sendable, CustomStringConvertible {
    case unsupportedVersion(UInt8)
    case clusterMismatch(expected: UInt64, received: UInt64)
    /// The dialer is not a member this node knows, or claims to be this node itself.
    case unknownPeer(NodeID)
    /// The acceptor's side: the dialer was removed from the cluster, and was told so.
    case removedPeer(NodeID)
    /// The dialer's side: the acceptor (a member) says that this node was removed.
    case removedFromCluster(by: NodeID)
    /// The other side is not the node this side expected at that address.
    case wrongPeer(expected: NodeID, received: NodeID)
    /// A MAC did not verify: the other side does not hold the cluster secret.
    case authenticationFailed
    case malformed(PayloadError)
    case unexpectedFrame(FrameKind)
    case timedOut

    /// The reason as a log line fragment.
    public var description: String {
        switch self {
        case .unsupportedVersion(let version): "unsupported protocol version \(version)"
        case .clusterMismatch(let expected, let received):
            "wrong cluster id \(received), expected \(expected)"
        case .unknownPeer(let id): "node \(id) is not a known peer"
        case .removedPeer(let id): "node \(id) was removed from the cluster; told it so"
        case .removedFromCluster(let member): "member \(member) says this node was removed from the cluster"
        case .wrongPeer(let expected, let received): "wrong node \(received), expected \(expected)"
        case .authenticationFailed: "authentication failed (wrong cluster secret)"
        case .malformed(let error): "malformed handshake: \(error)"
        case .unexpectedFrame(let kind): "unexpected \(kind) frame during the handshake"
        case .timedOut: "handshake timed out"
        }
    }
}

/// What one side of a handshake knows before it starts.
struct HandshakeCredentials: Sendable {
    var clusterID: UInt64
    var localID: NodeID
    /// Kept as bytes because `SymmetricKey` is not `Sendable`; a key is made per use.
    var secret: [UInt8]

    var key: SymmetricKey { SymmetricKey(data: secret) }

    /// Bytes of each side's nonce: enough that a nonce never repeats, so old MACs never replay.
    static let nonceBytes = 32
    /// Bytes of an HMAC-SHA256.
    static let macBytes = 32

    static func makeNonce() -> [UInt8] {
        // SystemRandomNumberGenerator reads the kernel's cryptographic generator.
        var generator = SystemRandomNumberGenerator()
        return (0..<nonceBytes).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

/// Everything both MACs cover. Binding both ids, both nonces and the cluster id means a MAC
/// proves a fresh exchange between exactly these two nodes of exactly this cluster.
struct HandshakeTranscript: Sendable {
    enum Role: String, Sendable {
        case acceptor
        case dialer
        /// The acceptor's MAC in a farewell: a welcome's MAC cannot be passed off as one.
        case farewell
    }

    var version: UInt8
    var clusterID: UInt64
    var dialerID: NodeID
    var acceptorID: NodeID
    var dialerNonce: [UInt8]
    var acceptorNonce: [UInt8]

    /// The role label keeps the acceptor's MAC from being reflected back as the dialer's proof.
    func mac(role: Role, key: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes(role: role), using: key))
    }

    func verifies(_ mac: [UInt8], role: Role, key: SymmetricKey) -> Bool {
        // Constant-time comparison, so timing reveals nothing about the expected MAC.
        HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: bytes(role: role), using: key)
    }

    private func bytes(role: Role) -> [UInt8] {
        var writer = WireWriter(capacity: 96)
        writer.write(lengthPrefixed: Array("switchboard-peer \(role.rawValue)".utf8))
        writer.write(version)
        writer.write(clusterID)
        writer.write(dialerID)
        writer.write(acceptorID)
        writer.write(raw: dialerNonce)
        writer.write(raw: acceptorNonce)
        return writer.bytes
    }
}

/// The dialer's first frame: `u8 version | u64 cluster | u64 dialer | u64 acceptor | nonce`.
struct Hello: Hashable, Sendable {
    var version: UInt8
    var clusterID: UInt64
    var dialerID: NodeID
    /// The node the dialer believes it reached, so a node at a reused address refuses it.
    var acceptorID: NodeID
    var dialerNonce: [UInt8]

    func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: 25 + dialerNonce.count)
        writer.write(version)
        writer.write(clusterID)
        writer.write(dialerID)
        writer.write(acceptorID)
        writer.write(raw: dialerNonce)
        return writer.bytes
    }

    init(version: UInt8, clusterID: UInt64, dialerID: NodeID, acceptorID: NodeID, dialerNonce: [UInt8]) {
        self.version = version
        self.clusterID = clusterID
        self.dialerID = dialerID
        self.acceptorID = acceptorID
        self.dialerNonce = dialerNonce
    }

    init(encoded bytes: [UInt8]) throws(PayloadError) {
        var reader = WireReader(bytes)
        self.init(
            version: try reader.read(UInt8.self), clusterID: try reader.read(UInt64.self),
            dialerID: try reader.read(NodeID.self), acceptorID: try reader.read(NodeID.self),
            dialerNonce: try reader.readRaw(count: HandshakeCredentials.nonceBytes))
        try reader.expectEnd()
    }
}

/// The acceptor's answer: `u64 acceptor | nonce | mac`, in a welcome or a farewell frame.
struct Welcome: Hashable, Sendable {
    var acceptorID: NodeID
    var acceptorNonce: [UInt8]
    var mac: [UInt8]

    func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: 8 + acceptorNonce.count + mac.count)
        writer.write(acceptorID)
        writer.write(raw: acceptorNonce)
        writer.write(raw: mac)
        return writer.bytes
    }

    init(acceptorID: NodeID, acceptorNonce: [UInt8], mac: [UInt8]) {
        self.acceptorID = acceptorID
        self.acceptorNonce = acceptorNonce
        self.mac = mac
    }

    init(encoded bytes: [UInt8]) throws(PayloadError) {
        var reader = WireReader(bytes)
        self.init(
            acceptorID: try reader.read(NodeID.self),
            acceptorNonce: try reader.readRaw(count: HandshakeCredentials.nonceBytes),
            mac: try reader.readRaw(count: HandshakeCredentials.macBytes))
        try reader.expectEnd()
    }
}

/// What the handler must do after a handshake step.
enum HandshakeAction: Hashable, Sendable {
    /// Send this frame and wait for the next one.
    case send(Frame)
    /// Send this frame (if any); the connection now belongs to `peer`.
    case establish(peer: NodeID, sending: Frame?)
    /// Close the connection and log why.
    case fail(HandshakeError)
    /// Send this frame, then close the connection and log why.
    case sendAndFail(Frame, HandshakeError)
}

/// What the acceptor knows of a dialer's id.
public enum PeerStanding: Sendable, Hashable {
    case member
    /// Removed from the cluster: told so with a farewell.
    case removed
    case unknown
}
