import Foundation
import RaftCore
import Replica
import Storage
import Synchronization

/// An in-process network that hands each message straight to the destination replica,
/// with the option to cut a node off. It is the real `PeerNetwork` contract minus TCP.
final class LocalNetwork: Sendable {
    private let replicas = Mutex<[NodeID: Replica]>([:])
    private let isolated = Mutex<Set<NodeID>>([])
    /// Links that deliver nothing, one direction each: (from, to).
    private let cutLinks = Mutex<Set<[NodeID]>>([])
    /// Forwarded proposals are lost while this is set (a leader that never answers).
    let dropsForwards = Mutex(false)
    /// Nodes to which log appends are lost (heartbeats and everything else still arrive): a
    /// follower that falls behind while staying in touch with the leader.
    private let appendsLost = Mutex<Set<NodeID>>([])

    func register(_ replica: Replica) { replicas.withLock { $0[replica.nodeID] = replica } }
    func unregister(_ node: NodeID) { replicas.withLock { $0[node] = nil } }
    func isolate(_ node: NodeID) { isolated.withLock { _ = $0.insert(node) } }
    func rejoin(_ node: NodeID) { isolated.withLock { _ = $0.remove(node) } }
    func cut(from: NodeID, to: NodeID) { cutLinks.withLock { _ = $0.insert([from, to]) } }
    func heal() {
        isolated.withLock { $0 = [] }
        cutLinks.withLock { $0 = [] }
    }
    func loseAppends(to node: NodeID) { appendsLost.withLock { _ = $0.insert(node) } }
    func deliverAppends() { appendsLost.withLock { $0 = [] } }
    func losesAppends(to node: NodeID) -> Bool { appendsLost.withLock { $0.contains(node) } }

    func deliver(from: NodeID, to: NodeID, _ action: (Replica) -> Void) {
        let cut = isolated.withLock { $0.contains(from) || $0.contains(to) } || cutLinks.withLock { $0.contains([from, to]) }
        guard !cut, let replica = replicas.withLock({ $0[to] }) else { return }
        action(replica)
    }

    func endpoint(for node: NodeID) -> Endpoint { Endpoint(network: self, node: node) }

    struct Endpoint: PeerNetwork {
        let network: LocalNetwork
        let node: NodeID

        func send(_ messages: [Message]) {
            for message in messages {
                if message.kind == .append && network.losesAppends(to: message.to) { continue }
                network.deliver(from: node, to: message.to) { $0.receive(message) }
            }
        }

        func forward(_ proposal: ForwardedProposal) {
            guard !network.dropsForwards.withLock({ $0 }) else { return }
            network.deliver(from: node, to: proposal.leader) { $0.receive(proposal) }
        }

        func answer(_ answer: ForwardedAnswer) {
            network.deliver(from: node, to: answer.origin) { [node] in $0.receive(answer, from: node) }
        }

        func updatePeers(_ addresses: [NodeID: String]) {}
    }
}

/// Replicas with RocksDB stores in a temporary directory, all in this process.
final class LocalCluster {
    let network = LocalNetwork()
    let directory: URL
    private(set) var replicas: [NodeID: Replica] = [:]
    var members: [NodeID: MemberAddresses] = [:]
    var configure: (inout ReplicaConfig) -> Void = { _ in }

    init(nodes: [NodeID]) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-replica-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for node in nodes { members[node] = Self.addresses(node) }
    }

    static func addresses(_ node: NodeID) -> MemberAddresses {
        MemberAddresses(peer: "127.0.0.\(10 + node):7000", http: "127.0.0.\(10 + node):8000")
    }

    func start(_ node: NodeID, bootstrap: Replica.Bootstrap? = nil) throws {
        var config = ReplicaConfig(nodeID: node)
        config.tickMilliseconds = 20
        configure(&config)
        let store = try RaftLogStore(path: directory.appendingPathComponent("n\(node)").path)
        let replica = try Replica(
            config: config, store: store, machine: RegisterStore(), network: network.endpoint(for: node),
            selfAddresses: Self.addresses(node), bootstrap: bootstrap ?? .initialCluster(members),
            seed: node * 7919)
        network.register(replica)
        replicas[node] = replica
        replica.start()
    }

    func startAll() throws {
        for node in members.keys.sorted() { try start(node) }
    }

    func stop(_ node: NodeID) {
        network.unregister(node)
        replicas.removeValue(forKey: node)?.stop()
    }

    func shutdown() {
        for node in Array(replicas.keys) { stop(node) }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Waits until a single leader is known to every running replica.
    func waitForLeader(timeoutSeconds: Double = 30) async throws -> NodeID {
        try await waitFor(timeoutSeconds: timeoutSeconds) {
            let leaders = Set(self.replicas.values.map(\.status.leader))
            guard leaders.count == 1, let leader = leaders.first, leader != noNode,
                self.replicas[leader]?.status.role == .leader else { return nil }
            return leader
        }
    }

    func waitFor<Value>(timeoutSeconds: Double = 30, _ probe: () -> Value?) async throws -> Value {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if let value = probe() { return value }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw ClusterTimeout()
    }

    func put(_ key: String, _ value: String, via node: NodeID) async throws -> RegisterStore.Outcome {
        try await replicas[node]!.put(key, value)
    }

    func read(_ key: String, via node: NodeID) async throws -> String? {
        try await replicas[node]!.read { machine in
            (machine as! RegisterStore).get(key).map { String(decoding: $0.value, as: UTF8.self) }
        }
    }
}

struct ClusterTimeout: Error {}

extension Replica {
    /// Writes a register through this replica; `retryable` as `proposeForAnswer` takes it.
    func put(_ key: String, _ value: String, retryable: Bool = false) async throws -> RegisterStore.Outcome {
        let answer = try await proposeForAnswer(RegisterStore.encode(.put(key: key, value: Array(value.utf8))), retryable: retryable)
        return try RegisterStore.decodeOutcome(answer.encodedAnswer())
    }
}
