import RaftCore

/// The dialing side of the handshake, with no channel: frames in, actions out.
struct DialerHandshake: Sendable {
    private enum State: Sendable {
        case awaitingWelcome
        case established(NodeID)
        case failed
    }

    private let credentials: HandshakeCredentials
    private let expectedPeer: NodeID
    private let nonce: [UInt8]
    private var state = State.awaitingWelcome

    init(credentials: HandshakeCredentials, expectedPeer: NodeID, nonce: [UInt8] = HandshakeCredentials.makeNonce()) {
        precondition(nonce.count == HandshakeCredentials.nonceBytes)
        self.credentials = credentials
        self.expectedPeer = expectedPeer
        self.nonce = nonce
    }

    /// The frame that opens the connection.
    var hello: Frame {
        let hello = Hello(
            version: peerProtocolVersion, clusterID: credentials.clusterID, dialerID: credentials.localID,
            acceptorID: expectedPeer, dialerNonce: nonce)
        return Frame(kind: .hello, payload: hello.encoded())
    }

    var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    mutating func receive(_ frame: Frame) -> HandshakeAction {
        guard case .awaitingWelcome = state else { return fail(.unexpectedFrame(frame.kind)) }
        guard frame.kind == .welcome || frame.kind == .farewell else { return fail(.unexpectedFrame(frame.kind)) }
        let welcome: Welcome
        do {
            welcome = try Welcome(encoded: frame.payload)
        } catch {
            return fail(.malformed(error))
        }
        return verify(welcome, farewell: frame.kind == .farewell)
    }

    /// A welcome establishes the link; a farewell that verifies says this node was removed.
    private mutating func verify(_ welcome: Welcome, farewell: Bool) -> HandshakeAction {
        guard welcome.acceptorID == expectedPeer else {
            return fail(.wrongPeer(expected: expectedPeer, received: welcome.acceptorID))
        }
        let transcript = HandshakeTranscript(
            version: peerProtocolVersion, clusterID: credentials.clusterID, dialerID: credentials.localID,
            acceptorID: expectedPeer, dialerNonce: nonce, acceptorNonce: welcome.acceptorNonce)
        guard transcript.verifies(welcome.mac, role: farewell ? .farewell : .acceptor, key: credentials.key) else {
            return fail(.authenticationFailed)
        }
        if farewell { return fail(.removedFromCluster(by: expectedPeer)) }
        state = .established(expectedPeer)
        let proof = Frame(kind: .proof, payload: transcript.mac(role: .dialer, key: credentials.key))
        return .establish(peer: expectedPeer, sending: proof)
    }

    private mutating func fail(_ error: HandshakeError) -> HandshakeAction {
        state = .failed
        return .fail(error)
    }
}
