import NIOCore
import RaftCore

/// The channel end of an outbound link: runs the dialer's handshake, then carries the frames
/// its `PeerLink` writes. The acceptor never speaks after the handshake, so any later frame is a
/// protocol error.
///
/// Lives on the transport's event loop, like everything it touches.
final class DialerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let link: PeerLink
    private var handshake: DialerHandshake
    private var frames = FrameAccumulator(frameBytesMax: TransportConfiguration.handshakeFrameBytesMax)
    private var context: ChannelHandlerContext?
    private var handshakeTimeout: Scheduled<Void>?
    private var isClosing = false

    init(link: PeerLink, handshake: DialerHandshake) {
        self.link = link
        self.handshake = handshake
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { begin(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        begin(context: context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        frames.append(unwrapInboundIn(data))
        do {
            while !isClosing, let frame = try frames.nextFrame() { receive(frame) }
        } catch {
            fail("bad frame: \(error)")
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, handshake.isEstablished { link.flush() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeTimeout?.cancel()
        link.channelClosed(self)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail("connection error: \(error)")
    }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func write(_ frame: Frame, promise: EventLoopPromise<Void>?) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: frame.payload.count + FrameCodec.overheadBytes)
        FrameCodec.encode(frame, into: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func flush() {
        context?.flush()
    }

    /// Completes once the channel is closed.
    var closeFuture: EventLoopFuture<Void> {
        context?.channel.closeFuture ?? link.loop.makeSucceededVoidFuture()
    }

    /// Closes the channel; `channelClosed` reaches the link once it is down.
    func close() {
        guard !isClosing, let context else { return }
        isClosing = true
        context.close(promise: nil)
    }

    private func begin(context: ChannelHandlerContext) {
        guard handshakeTimeout == nil, !isClosing else { return }
        let timeout = TimeAmount.milliseconds(Int64(link.configuration.handshakeTimeoutMilliseconds))
        handshakeTimeout = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            if !handshake.isEstablished { fail(HandshakeError.timedOut.description) }
        }
        guard link.handshakeStarted(self) else { return close() }
        write(handshake.hello, promise: nil)
        flush()
    }

    private func receive(_ frame: Frame) {
        switch handshake.receive(frame) {
        case .send(let reply):
            write(reply, promise: nil)
            flush()
        case .establish(_, let proof):
            handshakeTimeout?.cancel()
            if let proof { write(proof, promise: nil) }
            frames.decoder.frameBytesMax = link.configuration.frameBytesMax
            link.established(self)
            flush()
        case .fail(let error):
            fail(error.description)
            if case .removedFromCluster = error { link.removedFromCluster() }
        case .sendAndFail(_, let error):
            // Only an acceptor says farewell; a dialer's handshake never asks for it.
            fail(error.description)
        }
    }

    private func fail(_ reason: String) {
        guard !isClosing else { return }
        link.log("link to \(link.peerID) at \(link.address): \(reason); closing")
        close()
    }
}
