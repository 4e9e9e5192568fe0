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

    /// Advances the handshake; `standing` says whether a dialer id belongs to the cluster.
    mutating func receive(_ frame: Frame, standing: (NodeID) -> PeerStanding) -> HandshakeAction {
        switch (state, frame.kind) {
        case (.awaitingHello, .hello):
            return receiveHello(frame.payload, standing: standing)
        case (.awaitingProof(let transcript), .proof):
            return receiveProof(frame.payload, transcript: transcript)
        default:
            return fail(.unexpectedFrame(frame.kind))
        }
    }

    private mutating func receiveHello(_ payload: [UInt8], standing: (NodeID) -> PeerStanding) -> HandshakeAction {
        let hello: Hello
        do {
            hello = try Hello(encoded: payload)
        } catch {
            return fail(.malformed(error))
        }
        if let error = refusal(of: hello) { return fail(error) }
        let transcript = HandshakeTranscript(
            version: hello.version, clusterID: hello.clusterID, dialerID: hello.dialerID,
            acceptorID: credentials.localID, dialerNonce: hello.dialerNonce, acceptorNonce: nonce)
        switch standing(hello.dialerID) {
        case .member: break
        case .removed: return farewell(transcript)
        case .unknown: return fail(.unknownPeer(hello.dialerID))
        }
        state = .awaitingProof(transcript)
        let welcome = Welcome(
            acceptorID: credentials.localID, acceptorNonce: nonce,
            mac: transcript.mac(role: .acceptor, key: credentials.key))
        return .send(Frame(kind: .welcome, payload: welcome.encoded()))
    }

    private func refusal(of hello: Hello) -> HandshakeError? {
        guard hello.version == peerProtocolVersion else { return .unsupportedVersion(hello.version) }
        guard hello.clusterID == credentials.clusterID else {
            return .clusterMismatch(expected: credentials.clusterID, received: hello.clusterID)
        }
        guard hello.acceptorID == credentials.localID else {
            return .wrongPeer(expected: hello.acceptorID, received: credentials.localID)
        }
        guard hello.dialerID != credentials.localID else { return .unknownPeer(hello.dialerID) }
        return nil
    }

    /// Tells a removed node so, with a MAC bound to its fresh nonce: only a member holding the
    /// cluster secret can make it, and it cannot be replayed to a later connection.
    private mutating func farewell(_ transcript: HandshakeTranscript) -> HandshakeAction {
        state = .failed
        let farewell = Welcome(
            acceptorID: credentials.localID, acceptorNonce: nonce,
            mac: transcript.mac(role: .farewell, key: credentials.key))
        return .sendAndFail(Frame(kind: .farewell, payload: farewell.encoded()), .removedPeer(transcript.dialerID))
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
