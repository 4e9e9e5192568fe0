import RaftCore

/// The accepting side of the handshake, with no channel: frames in, actions out.
struct AcceptorHandshake: Sendable {
    private enum State: Sendable {
        case awaitingHello
        case awaitingProof(HandshakeTranscript)
        case established(NodeID)
        case failed
    }

    private let credentials: HandshakeCredentials
    private let nonce: [UInt8]
    private var state = State.awaitingHello

    init(credentials: HandshakeCredentials, nonce: [UInt8] = HandshakeCredentials.makeNonce()) {
        precondition(nonce.count == HandshakeCredentials.nonceBytes)
        self.credentials = credentials
        self.nonce = nonce
    }

    var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// Advances the handshake; `isKnownPeer` says whether a dialer id belongs to the cluster.
    mutating func receive(_ frame: Frame, isKnownPeer: (NodeID) -> Bool) -> HandshakeAction {
        switch (state, frame.kind) {
        case (.awaitingHello, .hello):
            return receiveHello(frame.payload, isKnownPeer: isKnownPeer)
        case (.awaitingProof(let transcript), .proof):
            return receiveProof(frame.payload, transcript: transcript)
        default:
            return fail(.unexpectedFrame(frame.kind))
        }
    }

    private mutating func receiveHello(_ payload: [UInt8], isKnownPeer: (NodeID) -> Bool) -> HandshakeAction {
        let hello: Hello
        do {
            hello = try Hello(encoded: payload)
        } catch {
            return fail(.malformed(error))
        }
        if let error = refusal(of: hello, isKnownPeer: isKnownPeer) { return fail(error) }
        let transcript = HandshakeTranscript(
            version: hello.version, clusterID: hello.clusterID, dialerID: hello.dialerID,
            acceptorID: credentials.localID, dialerNonce: hello.dialerNonce, acceptorNonce: nonce)
        state = .awaitingProof(transcript)
        let welcome = Welcome(
            acceptorID: credentials.localID, acceptorNonce: nonce,
            mac: transcript.mac(role: .acceptor, key: credentials.key))
        return .send(Frame(kind: .welcome, payload: welcome.encoded()))
    }

    private func refusal(of hello: Hello, isKnownPeer: (NodeID) -> Bool) -> HandshakeError? {
        guard hello.version == peerProtocolVersion else { return .unsupportedVersion(hello.version) }
        guard hello.clusterID == credentials.clusterID else {
            return .clusterMismatch(expected: credentials.clusterID, received: hello.clusterID)
        }
        guard hello.acceptorID == credentials.localID else {
            return .wrongPeer(expected: hello.acceptorID, received: credentials.localID)
        }
        guard hello.dialerID != credentials.localID, isKnownPeer(hello.dialerID) else {
            return .unknownPeer(hello.dialerID)
        }
        return nil
    }

    private mutating func receiveProof(_ payload: [UInt8], transcript: HandshakeTranscript) -> HandshakeAction {
        guard transcript.verifies(payload, role: .dialer, key: credentials.key) else {
            return fail(.authenticationFailed)
        }
        state = .established(transcript.dialerID)
        return .establish(peer: transcript.dialerID, sending: nil)
    }

    private mutating func fail(_ error: HandshakeError) -> HandshakeAction {
        state = .failed
        return .fail(error)
    }
}
