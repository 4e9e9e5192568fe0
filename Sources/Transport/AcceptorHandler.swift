import NIOCore
import RaftCore

/// The channel end of an inbound link: runs the acceptor's handshake, then turns frames from
/// the authenticated peer into messages. Nothing is delivered before the handshake completes.
///
/// Lives on the transport's event loop, like everything it touches.
final class AcceptorHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let core: TransportCore
    private var handshake: AcceptorHandshake
    private var frames = FrameAccumulator(frameBytesMax: TransportConfiguration.handshakeFrameBytesMax)
    private var snapshots: SnapshotAssembler
    private var context: ChannelHandlerContext?
    private var handshakeTimeout: Scheduled<Void>?
    private var isClosing = false
    private var remoteAddress = "unknown address"
    /// The authenticated dialer, once the handshake is done.
    private(set) var peer: NodeID?

    init(core: TransportCore) {
        self.core = core
        handshake = AcceptorHandshake(credentials: core.credentials)
        snapshots = SnapshotAssembler(snapshotBytesMax: core.configuration.snapshotBytesMax)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        remoteAddress = context.channel.remoteAddress.map { "\($0)" } ?? remoteAddress
        core.inboundOpened(self)
        let timeout = TimeAmount.milliseconds(Int64(core.configuration.handshakeTimeoutMilliseconds))
        handshakeTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            if peer == nil { fail(HandshakeError.timedOut.description) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        frames.append(unwrapInboundIn(data))
        do {
            while !isClosing, let frame = try frames.nextFrame() { receive(frame) }
        } catch {
            fail("bad frame: \(error)")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimeout?.cancel()
        if peer == nil, !isClosing { core.log("inbound link from \(remoteAddress) closed during the handshake") }
        core.inboundClosed(self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail("connection error: \(error)")
    }

    /// Closes the channel and returns a future that completes once it is closed.
    func close() -> EventLoopFuture<Void> {
        guard let context else { return core.loop.makeSucceededVoidFuture() }
        if !isClosing {
            isClosing = true
            context.close(promise: nil)
        }
        return context.channel.closeFuture
    }

    private func receive(_ frame: Frame) {
        guard let peer else { return advanceHandshake(frame) }
        do {
            switch frame.kind {
            case .message: try receiveMessage(frame.payload, from: peer)
            case .snapshotChunk: try receiveChunk(frame.payload, from: peer)
            case .application: core.deliver(application: frame.payload, from: peer)
            case .hello, .welcome, .proof, .farewell: fail("unexpected \(frame.kind) frame after the handshake")
            }
        } catch {
            fail("bad payload: \(error)")
        }
    }

    private func advanceHandshake(_ frame: Frame) {
        switch handshake.receive(frame, standing: core.standing(of:)) {
        case .send(let reply):
            write(reply)
        case .establish(let peer, let reply):
            if let reply { write(reply) }
            handshakeTimeout?.cancel()
            frames.decoder.frameBytesMax = core.configuration.frameBytesMax
            self.peer = peer
            core.inboundEstablished(self, peer: peer)
        case .fail(let error):
            fail(error.description)
        case .sendAndFail(let reply, let error):
            sendThenClose(reply, reason: error.description)
        }
    }

    /// Writes `frame`, then closes once it is written (closing at once could discard it).
    private func sendThenClose(_ frame: Frame, reason: String) {
        guard !isClosing, let channel = context?.channel else { return }
        core.log("inbound link from \(remoteAddress): \(reason); closing")
        isClosing = true
        let written = channel.eventLoop.makePromise(of: Void.self)
        write(frame, promise: written)
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }

    private func receiveMessage(_ payload: [UInt8], from peer: NodeID) throws {
        let message = try MessageCodec.decode(payload)
        guard message.kind != .snapshot else { return fail("snapshot message outside a chunk stream") }
        core.deliver(message, from: peer)
    }

    private func receiveChunk(_ payload: [UInt8], from peer: NodeID) throws {
        guard let encoded = try snapshots.receive(SnapshotChunk(encoded: payload)) else { return }
        let message = try MessageCodec.decode(encoded)
        guard message.kind == .snapshot else { return fail("chunk stream carried a \(message.kind) message") }
        core.deliver(message, from: peer)
    }

    private func write(_ frame: Frame, promise: EventLoopPromise<Void>? = nil) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: frame.payload.count + FrameCodec.overheadBytes)
        FrameCodec.encode(frame, into: &buffer)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: promise)
    }

    private func fail(_ reason: String) {
        guard !isClosing else { return }
        core.log("inbound link from \(peer.map { "node \($0)" } ?? remoteAddress): \(reason); closing")
        _ = close()
    }
}
