import NIOCore
import NIOPosix
import RaftCore
import Testing

@testable import Transport

/// Reads whole frames from a hand-driven connection.
private final class FrameReader {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var frames = FrameAccumulator(frameBytesMax: 4096)

    init(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>) {
        iterator = inbound.makeAsyncIterator()
    }

    /// The next frame, or nil once the other side has closed the connection.
    func next() async throws -> Frame? {
        while true {
            if let frame = try frames.nextFrame() { return frame }
            do {
                guard let bytes = try await iterator.next() else { return nil }
                frames.append(bytes)
            } catch {
                return nil  // A reset is as good as a close here.
            }
        }
    }
}

/// Connects to `port` as a peer that speaks the protocol frame by frame, so it can misbehave.
private func withRawConnection(
    to port: Int, group: MultiThreadedEventLoopGroup,
    _ body: (FrameReader, NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws -> Void
) async throws {
    let channel = try await ClientBootstrap(group: group).connect(host: loopback, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
            try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
    }
    try await channel.executeThenClose { inbound, outbound in
        try await body(FrameReader(inbound), outbound)
    }
}

private func write(_ frame: Frame, to outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws {
    try await outbound.write(ByteBuffer(bytes: FrameCodec.encode(frame)))
}

private func messageFrame(_ message: Message) -> Frame {
    Frame(kind: .message, payload: MessageCodec.encode(message))
}

/// A node 2 that knows node 1 (at a vacant port, so it never reaches it) and nobody else.
private func startAcceptor(in cluster: TestCluster) async throws -> TestNode {
    let node = try await cluster.start(testConfiguration(2))
    let vacant = try await vacantLoopbackPort(group: cluster.group)
    node.transport.setPeers([1: PeerAddress(host: loopback, port: vacant)])
    return node
}

@Suite(.timeLimit(.minutes(1))) struct RawPeerTests {
    @Test func messageBeforeTheHandshakeClosesTheConnectionUndelivered() async throws {
        try await TestCluster.run { cluster in
            let acceptor = try await startAcceptor(in: cluster)
            try await withRawConnection(to: acceptor.port, group: cluster.group) { reader, outbound in
                try await write(messageFrame(Message(kind: .heartbeat, from: 1, to: 2)), to: outbound)
                #expect(try await reader.next() == nil)
            }
            #expect(await acceptor.inbox.wait { $0.logs.contains { $0.contains("unexpected message frame") } })
            #expect(acceptor.inbox.snapshot.messages.isEmpty)
        }
    }

    @Test func silentConnectionIsClosedAfterTheHandshakeTimeout() async throws {
        try await TestCluster.run { cluster in
            var configuration = testConfiguration(2)
            configuration.handshakeTimeoutMilliseconds = 100
            let acceptor = try await cluster.start(configuration)
            try await withRawConnection(to: acceptor.port, group: cluster.group) { reader, _ in
                let frame = try await reader.next()
                #expect(frame == nil)
            }
            #expect(await acceptor.inbox.wait { $0.logs.contains { $0.contains("handshake timed out") } })
        }
    }

    @Test func oversizedFrameBeforeTheHandshakeIsRefusedAtItsLengthPrefix() async throws {
        try await TestCluster.run { cluster in
            let acceptor = try await startAcceptor(in: cluster)
            try await withRawConnection(to: acceptor.port, group: cluster.group) { reader, outbound in
                try await outbound.write(ByteBuffer(bytes: [0, 0x10, 0, 0]))
                #expect(try await reader.next() == nil)
            }
            #expect(await acceptor.inbox.wait { $0.logs.contains { $0.contains("frameTooLarge") } })
        }
    }

    @Test func authenticatedPeerCannotSendAsAnotherNodeOrToAnotherNode() async throws {
        try await TestCluster.run { cluster in
            let acceptor = try await startAcceptor(in: cluster)
            try await withRawConnection(to: acceptor.port, group: cluster.group) { reader, outbound in
                let credentials = HandshakeCredentials(clusterID: 42, localID: 1, secret: clusterSecret)
                var handshake = DialerHandshake(credentials: credentials, expectedPeer: 2)
                try await write(handshake.hello, to: outbound)
                let welcome = try #require(try await reader.next())
                guard case .establish(peer: 2, sending: let proof?) = handshake.receive(welcome) else {
                    Issue.record("handshake with node 2 failed")
                    return
                }
                try await write(proof, to: outbound)
                try await write(messageFrame(Message(kind: .heartbeat, from: 1, to: 3)), to: outbound)
                try await write(messageFrame(Message(kind: .heartbeat, from: 3, to: 2)), to: outbound)
                try await write(messageFrame(Message(kind: .heartbeat, from: 1, to: 2, commit: 7)), to: outbound)
                try await write(Frame(kind: .application, payload: [9, 9]), to: outbound)
                #expect(await acceptor.inbox.wait { !$0.applications.isEmpty })
            }
            let contents = acceptor.inbox.snapshot
            #expect(contents.messages == [Message(kind: .heartbeat, from: 1, to: 2, commit: 7)])
            #expect(contents.applications == [[9, 9]])
            #expect(acceptor.inbox.logContains("dropped heartbeat from 1 to 3"))
            #expect(acceptor.inbox.logContains("dropped heartbeat from 3 to 2"))
        }
    }
}
