import RaftCore
import Testing

@testable import Transport

private let secret = [UInt8](repeating: 0x5A, count: 32)

private func credentials(_ id: NodeID, cluster: UInt64 = 77, secret: [UInt8] = secret) -> HandshakeCredentials {
    HandshakeCredentials(clusterID: cluster, localID: id, secret: secret)
}

/// Runs both state machines against each other and returns what each side concluded.
private func handshake(
    dialer: HandshakeCredentials, acceptor: HandshakeCredentials, expectedPeer: NodeID,
    knownPeers: Set<NodeID> = [1, 2, 3]
) -> (dialer: HandshakeAction?, acceptor: HandshakeAction?) {
    var dialing = DialerHandshake(credentials: dialer, expectedPeer: expectedPeer)
    var accepting = AcceptorHandshake(credentials: acceptor)
    let answer = accepting.receive(dialing.hello, isKnownPeer: knownPeers.contains)
    guard case .send(let welcome) = answer else { return (nil, answer) }
    let dialerOutcome = dialing.receive(welcome)
    guard case .establish(_, let proof?) = dialerOutcome else { return (dialerOutcome, nil) }
    return (dialerOutcome, accepting.receive(proof, isKnownPeer: knownPeers.contains))
}

@Suite struct HandshakeTests {
    @Test func matchingSecretsEstablishBothSides() {
        let outcome = handshake(dialer: credentials(1), acceptor: credentials(2), expectedPeer: 2)
        guard case .establish(peer: 2, sending: .some) = outcome.dialer else {
            Issue.record("dialer: \(String(describing: outcome.dialer))")
            return
        }
        #expect(outcome.acceptor == .establish(peer: 1, sending: nil))
    }

    @Test func wrongSecretFailsAtTheDialer() {
        let wrong = [UInt8](repeating: 0x11, count: 32)
        let outcome = handshake(dialer: credentials(1, secret: wrong), acceptor: credentials(2), expectedPeer: 2)
        #expect(outcome.dialer == .fail(.authenticationFailed))
        #expect(outcome.acceptor == nil)
    }

    @Test func forgedProofFailsAtTheAcceptor() {
        var accepting = AcceptorHandshake(credentials: credentials(2))
        let dialing = DialerHandshake(credentials: credentials(1), expectedPeer: 2)
        _ = accepting.receive(dialing.hello, isKnownPeer: { _ in true })
        let forged = Frame(kind: .proof, payload: [UInt8](repeating: 0, count: 32))
        #expect(accepting.receive(forged, isKnownPeer: { _ in true }) == .fail(.authenticationFailed))
    }

    @Test func acceptorMacReflectedAsProofFails() {
        var accepting = AcceptorHandshake(credentials: credentials(2))
        let dialing = DialerHandshake(credentials: credentials(1), expectedPeer: 2)
        guard case .send(let welcomeFrame) = accepting.receive(dialing.hello, isKnownPeer: { _ in true }),
            let welcome = try? Welcome(encoded: welcomeFrame.payload)
        else {
            Issue.record("no welcome")
            return
        }
        let reflected = Frame(kind: .proof, payload: welcome.mac)
        #expect(accepting.receive(reflected, isKnownPeer: { _ in true }) == .fail(.authenticationFailed))
    }

    @Test func wrongClusterIsRefusedByTheAcceptor() {
        let outcome = handshake(dialer: credentials(1, cluster: 5), acceptor: credentials(2), expectedPeer: 2)
        #expect(outcome.acceptor == .fail(.clusterMismatch(expected: 77, received: 5)))
    }

    @Test func unknownDialerIsRefused() {
        let outcome = handshake(dialer: credentials(9), acceptor: credentials(2), expectedPeer: 2)
        #expect(outcome.acceptor == .fail(.unknownPeer(9)))
    }

    @Test func dialerClaimingTheAcceptorsOwnIdIsRefused() {
        let outcome = handshake(dialer: credentials(2), acceptor: credentials(2), expectedPeer: 2)
        #expect(outcome.acceptor == .fail(.unknownPeer(2)))
    }

    @Test func acceptorThatIsNotTheExpectedPeerIsRefused() {
        let outcome = handshake(dialer: credentials(1), acceptor: credentials(3), expectedPeer: 2)
        #expect(outcome.acceptor == .fail(.wrongPeer(expected: 2, received: 3)))
    }

    @Test func dialerRefusesAWelcomeFromAnotherNode() {
        var dialing = DialerHandshake(credentials: credentials(1), expectedPeer: 2)
        var accepting = AcceptorHandshake(credentials: credentials(3))
        // Node 3 answers a hello that was addressed to it, but the dialer wanted node 2.
        let hello = DialerHandshake(credentials: credentials(1), expectedPeer: 3).hello
        guard case .send(let welcome) = accepting.receive(hello, isKnownPeer: { _ in true }) else {
            Issue.record("no welcome")
            return
        }
        #expect(dialing.receive(welcome) == .fail(.wrongPeer(expected: 2, received: 3)))
    }

    @Test func unsupportedVersionInTheHelloIsRefused() {
        var hello = Hello(
            version: 9, clusterID: 77, dialerID: 1, acceptorID: 2,
            dialerNonce: [UInt8](repeating: 1, count: HandshakeCredentials.nonceBytes))
        var accepting = AcceptorHandshake(credentials: credentials(2))
        #expect(
            accepting.receive(Frame(kind: .hello, payload: hello.encoded()), isKnownPeer: { _ in true })
                == .fail(.unsupportedVersion(9)))
        hello.version = peerProtocolVersion
        #expect(throws: PayloadError.trailingBytes(count: 1)) { try Hello(encoded: hello.encoded() + [0]) }
    }

    @Test func messageBeforeTheHandshakeIsRefused() {
        var accepting = AcceptorHandshake(credentials: credentials(2))
        let frame = Frame(kind: .message, payload: MessageCodec.encode(Message(kind: .heartbeat, from: 1, to: 2)))
        #expect(accepting.receive(frame, isKnownPeer: { _ in true }) == .fail(.unexpectedFrame(.message)))
    }

    @Test func truncatedHelloIsMalformed() {
        var accepting = AcceptorHandshake(credentials: credentials(2))
        let hello = DialerHandshake(credentials: credentials(1), expectedPeer: 2).hello
        let truncated = Frame(kind: .hello, payload: Array(hello.payload.dropLast()))
        guard case .fail(.malformed) = accepting.receive(truncated, isKnownPeer: { _ in true }) else {
            Issue.record("a truncated hello was not refused as malformed")
            return
        }
    }
}
