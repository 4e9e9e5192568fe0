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
    knownPeers: Set<NodeID> = [1, 2, 3], removedPeers: Set<NodeID> = []
) -> (dialer: HandshakeAction?, acceptor: HandshakeAction?) {
    var dialing = DialerHandshake(credentials: dialer, expectedPeer: expectedPeer)
    var accepting = AcceptorHandshake(credentials: acceptor)
    let standing = { (id: NodeID) -> PeerStanding in
        knownPeers.contains(id) ? .member : removedPeers.contains(id) ? .removed : .unknown
    }
    let answer = accepting.receive(dialing.hello, standing: standing)
    if case .sendAndFail(let farewell, _) = answer { return (dialing.receive(farewell), answer) }
    guard case .send(let welcome) = answer else { return (nil, answer) }
    let dialerOutcome = dialing.receive(welcome)
    guard case .establish(_, let proof?) = dialerOutcome else { return (dialerOutcome, nil) }
    return (dialerOutcome, accepting.receive(proof, standing: standing))
}

private func anyMember(_ id: NodeID) -> PeerStanding { .member }

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
        _ = accepting.receive(dialing.hello, standing: anyMember)
        let forged = Frame(kind: .proof, payload: [UInt8](repeating: 0, count: 32))
        #expect(accepting.receive(forged, standing: anyMember) == .fail(.authenticationFailed))
    }

    @Test func acceptorMacReflectedAsProofFails() {
        var accepting = AcceptorHandshake(credentials: credentials(2))
        let dialing = DialerHandshake(credentials: credentials(1), expectedPeer: 2)
        guard case .send(let welcomeFrame) = accepting.receive(dialing.hello, standing: anyMember),
            let welcome = try? Welcome(encoded: welcomeFrame.payload)
        else {
            Issue.record("no welcome")
            return
        }
        let reflected = Frame(kind: .proof, payload: welcome.mac)
        #expect(accepting.receive(reflected, standing: anyMember) == .fail(.authenticationFailed))
    }

    @Test func wrongClusterIsRefusedByTheAcceptor() {
        let outcome = handshake(dialer: credentials(1, cluster: 5), acceptor: credentials(2), expectedPeer: 2)
        #expect(outcome.acceptor == .fail(.clusterMismatch(expected: 77, received: 5)))
    }

    @Test func unknownDialerIsRefused() {
        let outcome = handshake(dialer: credentials(9), acceptor: credentials(2), expectedPeer: 2)
        #expect(outcome.acceptor == .fail(.unknownPeer(9)))
    }

    @Test func removedDialerIsToldSoAndBelievesOnlyAMember() {
        let outcome = handshake(dialer: credentials(4), acceptor: credentials(2), expectedPeer: 2, removedPeers: [4])
        guard case .sendAndFail(let farewell, .removedPeer(4)) = outcome.acceptor else {
            Issue.record("acceptor: \(String(describing: outcome.acceptor))")
            return
        }
        #expect(farewell.kind == .farewell)
        #expect(outcome.dialer == .fail(.removedFromCluster(by: 2)))
        // One without the cluster secret cannot say so: the dialer refuses its farewell.
        let wrong = [UInt8](repeating: 0x11, count: 32)
        let forged = handshake(dialer: credentials(4), acceptor: credentials(2, secret: wrong), expectedPeer: 2, removedPeers: [4])
        #expect(forged.dialer == .fail(.authenticationFailed))
    }

    @Test func aWelcomeCannotBePassedOffAsAFarewell() {
        var accepting = AcceptorHandshake(credentials: credentials(2))
        var dialing = DialerHandshake(credentials: credentials(1), expectedPeer: 2)
        guard case .send(let welcome) = accepting.receive(dialing.hello, standing: anyMember) else {
            Issue.record("no welcome")
            return
        }
        let relabelled = Frame(kind: .farewell, payload: welcome.payload)
        #expect(dialing.receive(relabelled) == .fail(.authenticationFailed))
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
        guard case .send(let welcome) = accepting.receive(hello, standing: anyMember) else {
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
            accepting.receive(Frame(kind: .hello, payload: hello.encoded()), standing: anyMember)
                == .fail(.unsupportedVersion(9)))
        hello.version = peerProtocolVersion
        #expect(throws: PayloadError.trailingBytes(count: 1)) { try Hello(encoded: hello.encoded() + [0]) }
    }

    @Test func messageBeforeTheHandshakeIsRefused() {
        var accepting = AcceptorHandshake(credentials: credentials(2))
        let frame = Frame(kind: .message, payload: MessageCodec.encode(Message(kind: .heartbeat, from: 1, to: 2)))
        #expect(accepting.receive(frame, standing: anyMember) == .fail(.unexpectedFrame(.message)))
    }

    @Test func truncatedHelloIsMalformed() {
        var accepting = AcceptorHandshake(credentials: credentials(2))
        let hello = DialerHandshake(credentials: credentials(1), expectedPeer: 2).hello
        let truncated = Frame(kind: .hello, payload: Array(hello.payload.dropLast()))
        guard case .fail(.malformed) = accepting.receive(truncated, standing: anyMember) else {
            Issue.record("a truncated hello was not refused as malformed")
            return
        }
    }
}
