import NIOCore
import NIOPosix
import RaftCore

/// The callbacks a `PeerTransport` reports through. Each runs on the transport's event loop:
/// it must return quickly and hand any real work to the caller's own executor.
public struct TransportCallbacks: Sendable {
    /// A message from an authenticated peer, addressed to this node, in the order it was sent.
    public var onMessage: @Sendable (Message) -> Void
    /// Messages to this peer were dropped or its connection was lost: call
    /// `RaftNode.reportUnreachable` so the leader probes it instead of streaming to it.
    public var onUnreachable: @Sendable (NodeID) -> Void
    /// A snapshot to this peer was fully sent (`failed == false`) or abandoned: call
    /// `RaftNode.reportSnapshot`.
    public var onSnapshotStatus: @Sendable (NodeID, _ failed: Bool) -> Void
    /// One line about a connection event or a refused peer, for the owner's log.
    public var log: @Sendable (String) -> Void
    /// Bytes an authenticated peer sent with `PeerTransport.send(application:to:)`, in order
    /// with its Raft messages. Ignored unless set.
    public var onApplication: @Sendable (_ peer: NodeID, _ payload: [UInt8]) -> Void = { _, _ in }
    /// A member answered this node's dial with an authenticated farewell: this node was
    /// removed from the cluster. Ignored unless set.
    public var onRemoved: @Sendable (_ member: NodeID) -> Void = { _ in }

    /// Callbacks for a transport; only `onMessage` is required.
    public init(
        onMessage: @escaping @Sendable (Message) -> Void,
        onUnreachable: @escaping @Sendable (NodeID) -> Void = { _ in },
        onSnapshotStatus: @escaping @Sendable (NodeID, _ failed: Bool) -> Void = { _, _ in },
        log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.onMessage = onMessage
        self.onUnreachable = onUnreachable
        self.onSnapshotStatus = onSnapshotStatus
        self.log = log
    }
}

/// The state of one transport: peers, links, accepted connections and the listener.
///
/// All of it lives on one event loop, and every channel of the transport is created on that
/// loop, so it is only ever touched from one thread and needs no locks. `PeerTransport` reaches
/// it through a `NIOLoopBoundBox`, which checks that at run time.
final class TransportCore {
    let configuration: TransportConfiguration
    let credentials: HandshakeCredentials
    let loop: any EventLoop
    private let callbacks: TransportCallbacks
    private var peers: [NodeID: PeerAddress] = [:]
    /// Former members: a dial from one is answered with a farewell (see `PeerStanding`).
    private var removedPeers: Set<NodeID> = []
    private var links: [NodeID: PeerLink] = [:]
    /// Every accepted connection, authenticated or not, so shutdown can close them all.
    private var accepted: [ObjectIdentifier: AcceptorHandler] = [:]
    /// The authenticated connection of each peer; a newer one replaces an older one.
    private var inbound: [NodeID: AcceptorHandler] = [:]
    private var listener: (any Channel)?
    private var isStarted = false
    private(set) var isShutDown = false

    init(configuration: TransportConfiguration, callbacks: TransportCallbacks, loop: any EventLoop) {
        configuration.validate()
        self.configuration = configuration
        self.callbacks = callbacks
        self.loop = loop
        credentials = HandshakeCredentials(
            clusterID: configuration.clusterID, localID: configuration.localID,
            secret: configuration.secret)
    }

    func log(_ text: String) {
        guard !isShutDown else { return }
        callbacks.log("node \(configuration.localID): \(text)")
    }

    // MARK: Listening

    func start(host: String, port: Int) -> EventLoopFuture<Int> {
        guard !isShutDown else { return loop.makeFailedFuture(TransportError.shutDown) }
        guard !isStarted else { return loop.makeFailedFuture(TransportError.alreadyStarted) }
        isStarted = true
        let bound = NIOLoopBound(self, eventLoop: loop)
        let binding = ServerBootstrap(group: loop)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptorHandler(core: bound.value))
                }
            }
            .bind(host: host, port: port)
        binding.assumeIsolated().whenFailure { [self] _ in isStarted = false }  // So it may be retried.
        return binding.assumeIsolated().flatMapThrowing { [self] channel in try listening(on: channel) }.nonisolated()
    }

    private func listening(on channel: any Channel) throws -> Int {
        guard !isShutDown else {
            channel.close(promise: nil)
            throw TransportError.shutDown
        }
        listener = channel
        let port = channel.localAddress?.port ?? 0
        log("listening on \(channel.localAddress.map { "\($0)" } ?? "?")")
        return port
    }

    // MARK: Peers

    func setPeers(_ newPeers: [NodeID: PeerAddress]) {
        guard !isShutDown else { return }
        let wanted = newPeers.filter { $0.key != configuration.localID && $0.key != noNode }
        for (id, link) in links where wanted[id] == nil {
            _ = link.close()
            links[id] = nil
            _ = inbound[id]?.close()
        }
        for (id, address) in wanted {
            if let link = links[id] {
                link.update(address: address)
            } else {
                let link = PeerLink(peerID: id, address: address, core: self)
                links[id] = link
                link.start()
            }
        }
        peers = wanted
    }

    func setRemoved(_ ids: Set<NodeID>) {
        removedPeers = ids
    }

    func standing(of id: NodeID) -> PeerStanding {
        if peers[id] != nil { return .member }
        return removedPeers.contains(id) ? .removed : .unknown
    }

    /// A member said that this node was removed (see `TransportCallbacks.onRemoved`).
    func removedFromCluster(by member: NodeID) {
        guard !isShutDown else { return }
        callbacks.onRemoved(member)
    }

    // MARK: Sending

    func send(_ messages: [Message]) {
        guard !isShutDown else { return }
        var unreachable: Set<NodeID> = []
        for message in messages {
            precondition(message.from == configuration.localID, "sending a message as another node")
            guard let link = links[message.to] else {
                log("no address for node \(message.to); dropped \(message.kind)")
                if message.to != configuration.localID { unreachable.insert(message.to) }
                continue
            }
            if !link.send(.message(message)) {
                unreachable.insert(message.to)
                if message.kind == .snapshot { reportSnapshotStatus(message.to, failed: true) }
            }
        }
        for id in unreachable.sorted() where id != noNode { reportUnreachable(id) }
    }

    func send(application payload: [UInt8], to peer: NodeID) {
        guard !isShutDown else { return }
        guard let link = links[peer] else {
            log("no address for node \(peer); dropped an application frame")
            return reportUnreachable(peer)
        }
        if !link.send(.application(payload)) { reportUnreachable(peer) }
    }

    func reportUnreachable(_ id: NodeID) {
        guard !isShutDown else { return }
        callbacks.onUnreachable(id)
    }

    func reportSnapshotStatus(_ id: NodeID, failed: Bool) {
        guard !isShutDown else { return }
        callbacks.onSnapshotStatus(id, failed)
    }

    // MARK: Receiving

    func inboundOpened(_ handler: AcceptorHandler) {
        guard !isShutDown else {
            _ = handler.close()
            return
        }
        accepted[ObjectIdentifier(handler)] = handler
    }

    /// A peer that reconnects replaces its previous connection, so each peer has at most one
    /// inbound connection and at most one snapshot being reassembled.
    func inboundEstablished(_ handler: AcceptorHandler, peer: NodeID) {
        if let previous = inbound[peer], previous !== handler { _ = previous.close() }
        inbound[peer] = handler
        log("accepted node \(peer)")
        links[peer]?.peerIsUp()
    }

    func inboundClosed(_ handler: AcceptorHandler) {
        accepted[ObjectIdentifier(handler)] = nil
        if let peer = handler.peer, inbound[peer] === handler { inbound[peer] = nil }
    }

    /// Hands a message to the owner if it really is for us from the peer that authenticated.
    func deliver(_ message: Message, from peer: NodeID) {
        guard !isShutDown else { return }
        guard message.to == configuration.localID, message.from == peer else {
            return log("dropped \(message.kind) from \(message.from) to \(message.to) on the link of node \(peer)")
        }
        callbacks.onMessage(message)
    }

    func deliver(application payload: [UInt8], from peer: NodeID) {
        guard !isShutDown else { return }
        callbacks.onApplication(peer, payload)
    }

    // MARK: Shutdown

    /// Closes everything; no callback runs after this is called.
    func shutdown() -> EventLoopFuture<Void> {
        guard !isShutDown else { return loop.makeSucceededVoidFuture() }
        isShutDown = true
        var closing: [EventLoopFuture<Void>] = []
        if let listener {
            listener.close(promise: nil)
            closing.append(listener.closeFuture)
        }
        closing += links.values.map { $0.close() }
        closing += accepted.values.map { $0.close() }
        links = [:]
        return EventLoopFuture.andAllComplete(closing, on: loop)
    }
}

/// Why a `PeerTransport` call could not be carried out.
public enum TransportError: Error, Hashable, Sendable {
    case alreadyStarted
    case shutDown
}
