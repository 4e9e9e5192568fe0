import NIOCore
import NIOPosix
import RaftCore

/// Our outbound direction to one peer: its bounded queue, its connection and its reconnects.
///
/// Each node dials every peer for its own outbound traffic and only receives on the
/// connections peers dial to it. Two one-way connections per pair need no tie-break when both
/// sides dial at once, and a broken direction heals without involving the other one.
///
/// Lives on the transport's event loop: every method must be called there.
final class PeerLink {
    let peerID: NodeID
    private(set) var address: PeerAddress
    /// Strong: the core drops its links when they close, which breaks the cycle.
    private let core: TransportCore
    private var queue: SendQueue
    private var backoff: ReconnectBackoff
    private var state = State.idle
    /// The snapshot whose chunks are being written, if any.
    private var snapshotStream: SnapshotChunker?
    private var nextStreamID: UInt64 = 1
    /// Set while messages are being dropped, so a full queue is logged once, not per message.
    private var isDropping = false
    /// Set while a flush is queued on the loop (`flushSoon`).
    private var isFlushScheduled = false

    private enum State {
        case idle
        case connecting(EventLoopFuture<any Channel>)
        case handshaking(DialerHandler)
        case established(DialerHandler)
        case waiting(Scheduled<Void>)
        case closed
    }

    init(peerID: NodeID, address: PeerAddress, core: TransportCore) {
        let configuration = core.configuration
        self.peerID = peerID
        self.address = address
        self.core = core
        queue = SendQueue(messagesMax: configuration.queueMessagesMax, bytesMax: configuration.queueBytesMax)
        backoff = ReconnectBackoff(
            delayMillisecondsMin: configuration.reconnectDelayMillisecondsMin,
            delayMillisecondsMax: configuration.reconnectDelayMillisecondsMax)
    }

    var configuration: TransportConfiguration { core.configuration }
    var loop: any EventLoop { core.loop }

    func log(_ text: String) {
        core.log(text)
    }

    /// The peer answered the dial with a farewell: this node was removed from the cluster.
    func removedFromCluster() {
        core.removedFromCluster(by: peerID)
    }

    /// Queues `item` and writes it if connected; false when the queue is full.
    func send(_ item: Outbound) -> Bool {
        guard queue.append(item) else {
            if !isDropping { log("queue to \(peerID) is full (\(queue.count) messages); dropping") }
            isDropping = true
            return false
        }
        isDropping = false
        flushSoon()
        return true
    }

    /// Flushes once the loop has run the tasks already queued on it. Sends come one task each
    /// (a Raft batch, a forwarded proposal, its answer); gathered, a burst of them costs one
    /// write to the socket instead of one each — most of the transport's time went to them.
    private func flushSoon() {
        guard !isFlushScheduled else { return }
        isFlushScheduled = true
        core.loop.assumeIsolated().execute { [self] in
            isFlushScheduled = false
            flush()
        }
    }

    /// Moves a new address into effect by dialing it afresh.
    func update(address newAddress: PeerAddress) {
        guard newAddress != address else { return }
        address = newAddress
        backoff.reset()
        switch state {
        case .handshaking(let handler), .established(let handler): handler.close()
        case .waiting: dialNowIfWaiting()
        case .connecting:
            break  // The attempt in flight finishes first; the handshake checks whom it reached.
        case .idle, .closed:
            break
        }
    }

    /// The peer has just dialed us and proved who it is, so it is up: a link waiting out a
    /// reconnect delay dials it now instead. After a restart the delay has grown to seconds
    /// while the peer was down, and the restarted node hears nothing until this link is back.
    func peerIsUp() {
        dialNowIfWaiting()
    }

    /// A link waiting out a reconnect delay forgets the delay and its failures and dials now.
    private func dialNowIfWaiting() {
        guard case .waiting(let reconnect) = state else { return }
        reconnect.cancel()
        backoff.reset()
        connect()
    }

    /// Dials the peer for the first time.
    func start() {
        guard case .idle = state else { return }
        connect()
    }

    // MARK: Connection

    private func connect() {
        let bound = NIOLoopBound(self, eventLoop: core.loop)
        let credentials = core.credentials
        let peerID = peerID
        let connecting = ClientBootstrap(group: core.loop)
            .connectTimeout(.milliseconds(Int64(configuration.connectTimeoutMilliseconds)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handshake = DialerHandshake(credentials: credentials, expectedPeer: peerID)
                    try channel.pipeline.syncOperations.addHandler(
                        DialerHandler(link: bound.value, handshake: handshake))
                }
            }
            .connect(host: address.host, port: address.port)
        state = .connecting(connecting)
        connecting.assumeIsolated().whenComplete { [self] result in connected(result) }
    }

    private func connected(_ result: Result<any Channel, any Error>) {
        switch (result, state) {
        case (.success(let channel), .closed):
            channel.close(promise: nil)
        case (.failure(let error), .connecting):
            log("cannot connect to \(peerID) at \(address): \(error)")
            scheduleReconnect()
        default:
            break  // The handler has taken over the connection (or it already went down).
        }
    }

    /// The handler of a new connection asks whether it is still wanted.
    func handshakeStarted(_ handler: DialerHandler) -> Bool {
        guard case .connecting = state else { return false }
        state = .handshaking(handler)
        return true
    }

    func established(_ handler: DialerHandler) {
        guard case .handshaking(let current) = state, current === handler else { return handler.close() }
        state = .established(handler)
        backoff.reset()
        log("connected to \(peerID) at \(address)")
        flush()
    }

    func channelClosed(_ handler: DialerHandler) {
        switch state {
        case .handshaking(let current) where current === handler:
            scheduleReconnect()
        case .established(let current) where current === handler:
            log("lost connection to \(peerID) at \(address)")
            abandonSnapshotStream()
            core.reportUnreachable(peerID)
            scheduleReconnect()
        default:
            break
        }
    }

    private func scheduleReconnect() {
        var generator = SystemRandomNumberGenerator()
        let delay = TimeAmount.milliseconds(Int64(backoff.nextDelayMilliseconds(using: &generator)))
        state = .waiting(core.loop.assumeIsolated().scheduleTask(in: delay) { [self] in connect() })
    }

    /// Stops the link for good; the returned future completes when its connection is closed.
    func close() -> EventLoopFuture<Void> {
        let previous = state
        state = .closed
        abandonSnapshotStream()
        for item in queue.removeAll() where item.isSnapshot {
            core.reportSnapshotStatus(peerID, failed: true)
        }
        switch previous {
        case .handshaking(let handler), .established(let handler):
            handler.close()
            return handler.closeFuture
        case .waiting(let reconnect):
            reconnect.cancel()
            return core.loop.makeSucceededVoidFuture()
        case .connecting(let connecting):
            // `connected` closes the channel once the attempt completes.
            return connecting.flatMap { $0.closeFuture }.recover { _ in }
        case .idle, .closed:
            return core.loop.makeSucceededVoidFuture()
        }
    }

    // MARK: Writing

    /// Writes queued frames while the channel accepts them; the rest waits for writability.
    func flush() {
        guard case .established(let handler) = state else { return }
        var wrote = false
        while handler.isWritable, let next = nextFrame() {
            handler.write(next.frame, promise: next.promise)
            wrote = true
        }
        if wrote { handler.flush() }
    }

    private typealias Outgoing = (frame: Frame, promise: EventLoopPromise<Void>?)

    private func nextFrame() -> Outgoing? {
        if snapshotStream != nil { return nextChunk() }
        while let item = queue.popFirst() {
            switch item {
            case .message(let message) where message.kind == .snapshot:
                if startSnapshotStream(message) { return nextChunk() }
            case .message(let message):
                let frame = Frame(kind: .message, payload: MessageCodec.encode(message))
                if fitsFrame(frame, what: "\(message.kind)") { return (frame, nil) }
            case .application(let payload):
                let frame = Frame(kind: .application, payload: payload)
                if fitsFrame(frame, what: "application frame") { return (frame, nil) }
            }
        }
        return nil
    }

    /// A frame the peer would refuse is dropped here; Raft limits its message sizes well below
    /// `frameBytesMax`, so this only happens when the two are configured inconsistently.
    /// `what` is built only for the log line: describing a message kind goes through
    /// reflection, which every frame paid for when it was built eagerly.
    private func fitsFrame(_ frame: Frame, what: @autoclosure () -> String) -> Bool {
        guard frame.payload.count + FrameCodec.overheadBytes <= configuration.frameBytesMax else {
            log("\(what()) to \(peerID) is \(frame.payload.count) bytes, over frameBytesMax; dropped")
            core.reportUnreachable(peerID)
            return false
        }
        return true
    }

    private func startSnapshotStream(_ message: Message) -> Bool {
        let encoded = MessageCodec.encode(message)
        guard encoded.count <= configuration.snapshotBytesMax else {
            log("snapshot to \(peerID) is \(encoded.count) bytes, over snapshotBytesMax; dropped")
            core.reportSnapshotStatus(peerID, failed: true)
            return false
        }
        snapshotStream = SnapshotChunker(
            encoded: encoded, streamID: nextStreamID, chunkBytesMax: configuration.snapshotChunkBytesMax)
        nextStreamID += 1
        return true
    }

    /// The next chunk; the last one carries a promise that reports the snapshot's outcome.
    private func nextChunk() -> Outgoing? {
        guard let chunk = snapshotStream?.next() else { return nil }
        let frame = Frame(kind: .snapshotChunk, payload: chunk.encoded())
        guard snapshotStream?.isFinished == true else { return (frame, nil) }
        snapshotStream = nil
        let promise = core.loop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenComplete { [self] result in
            if case .failure = result { log("snapshot to \(peerID) failed to send") }
            core.reportSnapshotStatus(peerID, failed: (try? result.get()) == nil)
        }
        return (frame, promise)
    }

    private func abandonSnapshotStream() {
        guard snapshotStream != nil else { return }
        snapshotStream = nil
        core.reportSnapshotStatus(peerID, failed: true)
    }
}
