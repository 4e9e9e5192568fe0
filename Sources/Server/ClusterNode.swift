import Dispatch
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOPosix
import RaftCore
import Replica
import Storage
import Synchronization
import Transport

/// One running Switchboard node: storage, peer transport, replica and HTTP API together.
public final class ClusterNode: Sendable {
    public let options: NodeOptions
    let replica: Replica
    let transport: PeerTransport
    let clusterID: UInt64
    let liveness: PeerLiveness
    let events: EventLog
    let accessDirectory: AccessDirectory
    /// Who each conversation concerns, for access checks on the request path.
    let conversationAccess: ConversationAccess
    let logger: Logger

    /// Opens the data dir, prepares the replica and transport; `run` starts serving.
    public init(options: NodeOptions, logger: Logger) async throws {
        self.options = options
        self.logger = logger
        try FileManager.default.createDirectory(atPath: options.dataDirectory, withIntermediateDirectories: true)
        let identity = try await ClusterIdentity.establish(options: options, logger: logger)
        clusterID = identity.clusterID
        let liveness = PeerLiveness()
        self.liveness = liveness
        let replicaBox = ReplicaHandle()
        var transportConfiguration = TransportConfiguration(
            localID: options.nodeID, clusterID: identity.clusterID, secret: options.clusterSecret)
        transportConfiguration.queueMessagesMax = 16_384
        transport = PeerTransport(
            configuration: transportConfiguration,
            callbacks: Self.callbacks(replicaBox: replicaBox, liveness: liveness, logger: logger))
        let opening = ContinuousClock.now
        let store = try RaftLogStore(path: options.dataDirectory + "/db", options: DatabaseOptions(compactionsDeferred: true))
        let opened = ContinuousClock.now
        let events = EventLog()
        self.events = events
        let accessDirectory = AccessDirectory()
        self.accessDirectory = accessDirectory
        let conversationAccess = ConversationAccess()
        self.conversationAccess = conversationAccess
        let replica = try Replica(
            config: options.replica, store: store, machine: NodeStateMachine(
                nodeID: options.nodeID, events: events, accessDirectory: accessDirectory, conversationAccess: conversationAccess),
            network: TransportNetwork(transport: transport),
            selfAddresses: MemberAddresses(peer: options.peerAddress.description, http: options.httpAddress.description),
            bootstrap: identity.bootstrap)
        self.replica = replica
        replicaBox.set(replica)
        try store.database.resumeCompactions()
        // How long a restart spends where: operators size restarts from these.
        logger.info("opened the store in \(Self.seconds(opened - opening)), loaded the state to index \(replica.status.applied) in \(Self.seconds(ContinuousClock.now - opened))")
        try identity.persist(in: options, logger: logger)
        // A node that has not yet received the directory (it joined and has had no snapshot)
        // asks the cluster it joined for its peers, also after a restart without --join.
        if replica.status.directory.members.isEmpty, let url = try ClusterIdentity.joinURL(options: options) {
            TransportNetwork(transport: transport).updatePeers(try await ClusterIdentity.fetchPeers(url: url, token: options.adminToken))
        }
    }

    /// Transport events go to the replica, which exists only after the transport: the handle
    /// is filled in once both are made.
    private static func callbacks(replicaBox: ReplicaHandle, liveness: PeerLiveness, logger: Logger) -> TransportCallbacks {
        var callbacks = TransportCallbacks(
            onMessage: { message in
                liveness.heard(from: message.from)
                replicaBox.replica?.receive(message)
            },
            onUnreachable: { peer in replicaBox.replica?.reportUnreachable(peer) },
            onSnapshotStatus: { peer, failed in replicaBox.replica?.reportSnapshot(to: peer, failed: failed) },
            log: { line in logger.info("\(line)") })
        callbacks.onApplication = { (peer: NodeID, payload: [UInt8]) in
            guard let replica = replicaBox.replica else { return }
            TransportNetwork.deliver(payload, from: peer, to: replica)
        }
        callbacks.onRemoved = { member in
            guard let replica = replicaBox.replica, !replica.status.isRemoved else { return }
            logger.warning("member \(member) says this node was removed from the cluster; it now refuses writes (stop it)")
            replica.learnRemoval(from: member)
        }
        return callbacks
    }

    /// Serves until the process is asked to stop (SIGINT/SIGTERM), then shuts down cleanly.
    public func run() async throws {
        try await transport.start(listenHost: options.peerAddress.host, port: options.peerAddress.port)
        replica.start()
        logger.info("node \(options.nodeID) started: peer \(options.peerAddress), http \(options.httpAddress)")
        let joining: Task<Void, Never>? = joinTaskIfNeeded()
        let supervisor = SlotSupervisor(node: self, settings: options.slots)
        let slotWork = Task { await supervisor.run() }
        let authenticator = Authenticator(
            adminToken: options.adminToken, signer: TokenSigner(clusterSecret: options.clusterSecret), directory: accessDirectory)
        let events = EventStreams(node: self, authenticator: authenticator)
        let routes = APIRoutes(node: self, authenticator: authenticator, passwordHasher: PasswordHasher(rounds: options.passwordHashRounds))
        let app = Application(
            router: routes.router(),
            server: .http1WebSocketUpgrade(
                configuration: .init(http1: .init(additionalChannelHandlers: [MessagePostHandler(posts: MessagePosts(routes: routes))])),
                shouldUpgrade: { request, _, _ in events.upgrade(request) }),
            configuration: .init(address: .hostname(options.httpAddress.host, port: options.httpAddress.port)),
            logger: logger)
        defer {
            joining?.cancel()
            slotWork.cancel()
        }
        do {
            try await app.runService()
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }

    private func shutdown() async {
        replica.stop()
        await transport.shutdown()
        logger.info("node \(options.nodeID) stopped")
    }

    private func joinTaskIfNeeded() -> Task<Void, Never>? {
        guard case .join(let url) = options.membership, !replica.status.confState.contains(options.nodeID) else {
            return nil
        }
        return Task { [self] in await ClusterIdentity.requestMembership(options: options, joinURL: url, replica: replica, logger: logger) }
    }

    private static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1_000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(Double(milliseconds) / 1_000) s"
    }
}

/// A replica reference set once after construction.
final class ReplicaHandle: Sendable {
    private let box = Mutex<Replica?>(nil)

    func set(_ replica: Replica) { box.withLock { $0 = replica } }
    var replica: Replica? { box.withLock { $0 } }
}

/// When each peer was last heard from, for reachability reporting.
final class PeerLiveness: Sendable {
    private let lastHeard = Mutex<[NodeID: UInt64]>([:])
    static let reachableWindowNanoseconds: UInt64 = 2_000_000_000

    func heard(from peer: NodeID) {
        let now = DispatchTime.now().uptimeNanoseconds
        lastHeard.withLock { $0[peer] = now }
    }

    /// Whether `peer` was heard from in the last `milliseconds`.
    func heardWithin(_ peer: NodeID, milliseconds: Int) -> Bool {
        guard let heard = lastHeard.withLock({ $0[peer] }) else { return false }
        return DispatchTime.now().uptimeNanoseconds - heard < UInt64(milliseconds) * 1_000_000
    }

    func isReachable(_ peer: NodeID) -> Bool? {
        guard let heard = lastHeard.withLock({ $0[peer] }) else { return nil }
        return DispatchTime.now().uptimeNanoseconds - heard < Self.reachableWindowNanoseconds
    }
}
