import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RaftCore
import Testing

@testable import Transport

let loopback = "127.0.0.1"
let clusterSecret = [UInt8](repeating: 0xC3, count: 32)

/// Everything one transport reported, collected from its event loop.
final class Inbox: Sendable {
    struct Contents {
        var messages: [Message] = []
        var unreachable: [NodeID] = []
        var snapshotStatuses: [SnapshotStatus] = []
        var logs: [String] = []
        var applications: [[UInt8]] = []
        /// Members that said this node was removed (`onRemoved`).
        var removedBy: [NodeID] = []
    }

    struct SnapshotStatus: Equatable {
        var peer: NodeID
        var failed: Bool
    }

    private let contents = NIOLockedValueBox(Contents())

    var snapshot: Contents { contents.withLockedValue { $0 } }

    var callbacks: TransportCallbacks {
        var callbacks = TransportCallbacks(
            onMessage: { message in self.contents.withLockedValue { $0.messages.append(message) } },
            onUnreachable: { id in self.contents.withLockedValue { $0.unreachable.append(id) } },
            onSnapshotStatus: { id, failed in
                self.contents.withLockedValue { $0.snapshotStatuses.append(SnapshotStatus(peer: id, failed: failed)) }
            },
            log: { line in self.contents.withLockedValue { $0.logs.append(line) } })
        callbacks.onApplication = { _, payload in self.contents.withLockedValue { $0.applications.append(payload) } }
        callbacks.onRemoved = { member in self.contents.withLockedValue { $0.removedBy.append(member) } }
        return callbacks
    }

    func logContains(_ text: String) -> Bool {
        snapshot.logs.contains { $0.contains(text) }
    }

    /// Polls until `condition` holds; false if it still does not after `seconds`.
    func wait(seconds: Double = 10, until condition: (Contents) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition(snapshot) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition(snapshot)
    }
}

/// One running transport under test.
struct TestNode {
    let id: NodeID
    let transport: PeerTransport
    let inbox: Inbox
    let port: Int

    var address: PeerAddress { PeerAddress(host: loopback, port: port) }
}

func testConfiguration(_ id: NodeID) -> TransportConfiguration {
    var configuration = TransportConfiguration(localID: id, clusterID: 42, secret: clusterSecret)
    configuration.reconnectDelayMillisecondsMin = 10
    configuration.reconnectDelayMillisecondsMax = 100
    // Generous, because a loaded machine (two cores, several builds) can stall a loop for a
    // second; the timeout itself has a test of its own.
    configuration.handshakeTimeoutMilliseconds = 10_000
    return configuration
}

/// Owns the event loop group and every node a test starts, and stops them all at the end,
/// whether the test passed, failed an expectation or threw.
final class TestCluster {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    private(set) var nodes: [NodeID: TestNode] = [:]
    private var stopped: [PeerTransport] = []

    static func run(_ body: (TestCluster) async throws -> Void) async throws {
        let cluster = TestCluster()
        do {
            try await body(cluster)
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }

    @discardableResult
    func start(_ configuration: TransportConfiguration, port: Int = 0) async throws -> TestNode {
        let inbox = Inbox()
        let transport = PeerTransport(configuration: configuration, eventLoopGroup: group, callbacks: inbox.callbacks)
        stopped.append(transport)  // Stopped at the end even if `start` below throws.
        let bound = try await transport.start(listenHost: loopback, port: port)
        let node = TestNode(id: configuration.localID, transport: transport, inbox: inbox, port: bound)
        nodes[node.id] = node
        return node
    }

    /// Tells every node about every other node.
    func connectAll() {
        let addresses = nodes.mapValues(\.address)
        for node in nodes.values { node.transport.setPeers(addresses) }
    }

    func stop(_ id: NodeID) async {
        await nodes.removeValue(forKey: id)?.transport.shutdown()
    }

    private func stopAll() async {
        for transport in stopped { await transport.shutdown() }
        try? await group.shutdownGracefully()
    }
}
