import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RaftCore

/// Raft peer links over TCP: authenticated, framed, bounded, and reconnecting by themselves.
///
/// Each node dials every peer for its own outbound messages and accepts the connections its
/// peers dial for theirs (see `PeerLink`). `send` never blocks: messages wait in a bounded
/// queue per peer, and when that queue is full they are dropped and the peer is reported
/// unreachable, which is what Raft expects of a lossy network.
///
/// Concurrency: the transport is an immutable handle. Its state lives on one event loop of the
/// group and every public method hops there, so calls from any thread are safe, and calls
/// made one after another from one thread take effect in that order.
public final class PeerTransport: Sendable {
    /// The configuration this transport was created with.
    public let configuration: TransportConfiguration
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let core: NIOLoopBoundBox<TransportCore>
    /// Whether work may still be handed to the loop. Checked and cleared under the lock, so no
    /// task is ever scheduled on a loop that `shutdown()` has already shut down.
    private let isOpen = NIOLockedValueBox(true)

    /// Creates a transport; nothing is opened until `start` or `setPeers`. Call `shutdown()`
    /// before letting go of it: it owns sockets and, without `eventLoopGroup`, a thread.
    ///
    /// - Parameters:
    ///   - configuration: identity, secret and limits; an invalid one traps.
    ///   - eventLoopGroup: the group to run on; when `nil` the transport makes a one-thread group
    ///     of its own and shuts it down in `shutdown()`.
    ///   - callbacks: where messages, peer failures, snapshot outcomes and log lines go.
    public init(
        configuration: TransportConfiguration, eventLoopGroup: MultiThreadedEventLoopGroup? = nil,
        callbacks: TransportCallbacks
    ) {
        self.configuration = configuration
        ownsGroup = eventLoopGroup == nil
        group = eventLoopGroup ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let core = TransportCore(configuration: configuration, callbacks: callbacks, loop: loop)
        self.core = NIOLoopBoundBox.makeBoxSendingValue(core, eventLoop: loop)
    }

    /// Starts accepting peer connections on `listenHost:port` and returns the bound port
    /// (useful with port 0, which picks a free one).
    @discardableResult
    public func start(listenHost: String, port: Int) async throws -> Int {
        let started = isOpen.withLockedValue { isOpen in
            guard isOpen else { return Optional<EventLoopFuture<Int>>.none }
            return core.eventLoop.flatSubmit { [core] in core.value.start(host: listenHost, port: port) }
        }
        guard let started else { throw TransportError.shutDown }
        return try await started.get()
    }

    /// Sets the peers to exchange messages with; call again whenever membership changes.
    ///
    /// New peers are dialed at once, a changed address is dialed afresh, and a removed peer's
    /// queue is dropped and its connections closed. Our own id is ignored.
    public func setPeers(_ peers: [NodeID: PeerAddress]) {
        onLoop { core in core.setPeers(peers) }
    }

    /// Sets the nodes removed from the cluster: one that dials is told so with a farewell
    /// (reported there through `onRemoved`) instead of being refused without a word.
    public func setRemoved(_ ids: Set<NodeID>) {
        onLoop { core in core.setRemoved(ids) }
    }

    /// Queues `messages` for their peers and returns at once.
    ///
    /// Every message must come from this node (`from == configuration.localID`). A message to
    /// an unknown peer, or one that finds its peer's queue full, is dropped and that peer is
    /// reported through `onUnreachable` (and `onSnapshotStatus` for a snapshot).
    public func send(_ messages: [Message]) {
        guard !messages.isEmpty else { return }
        onLoop { core in core.send(messages) }
    }

    /// Queues opaque bytes for `peer`, delivered there through `onApplication` in order with our
    /// Raft messages to it. Bounded and dropped like messages; returns at once.
    public func send(application payload: [UInt8], to peer: NodeID) {
        onLoop { core in core.send(application: payload, to: peer) }
    }

    /// Closes the listener and every connection and waits until they are closed. Once it
    /// returns no callback runs again, and later calls to this transport do nothing (`start`
    /// throws `TransportError.shutDown`). Calling it again does nothing.
    public func shutdown() async {
        let closed = isOpen.withLockedValue { isOpen in
            guard isOpen else { return Optional<EventLoopFuture<Void>>.none }
            isOpen = false
            return core.eventLoop.flatSubmit { [core] in core.value.shutdown() }
        }
        guard let closed else { return }
        try? await closed.get()
        if ownsGroup { try? await group.shutdownGracefully() }
    }

    /// Runs `task` on the transport's loop, unless the transport has been shut down.
    private func onLoop(_ task: @escaping @Sendable (TransportCore) -> Void) {
        isOpen.withLockedValue { isOpen in
            guard isOpen else { return }
            core.eventLoop.execute { [core] in task(core.value) }
        }
    }
}
