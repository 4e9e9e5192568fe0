import NIOCore
import NIOPosix
import RaftCore
import Testing

@testable import Transport

@Suite(.timeLimit(.minutes(1))) struct PeerTransportTests {
    @Test func threeNodesExchangeThousandsOfMessagesInOrder() async throws {
        try await TestCluster.run { cluster in
            for id: NodeID in 1...3 { try await cluster.start(testConfiguration(id)) }
            cluster.connectAll()
            let perPeer = 2_000
            for sender in cluster.nodes.values {
                for batch in stride(from: 1, through: perPeer, by: 50) {
                    let messages = (batch..<batch + 50).flatMap { index in
                        cluster.nodes.keys.filter { $0 != sender.id }.map { receiver in
                            Message(
                                kind: .append, from: sender.id, to: receiver, term: 3, index: LogIndex(index),
                                entries: [Entry(term: 3, index: LogIndex(index), data: [UInt8](repeating: 7, count: 64))])
                        }
                    }
                    sender.transport.send(messages)
                }
            }
            for node in cluster.nodes.values {
                let arrived = await node.inbox.wait { $0.messages.count == 2 * perPeer }
                let logs = cluster.nodes.values.flatMap { $0.inbox.snapshot.logs }
                #expect(arrived, "node \(node.id) got \(node.inbox.snapshot.messages.count) messages; \(logs)")
                for sender in cluster.nodes.keys where sender != node.id {
                    let indexes = node.inbox.snapshot.messages.filter { $0.from == sender }.map(\.index)
                    #expect(indexes == (1...LogIndex(perPeer)).map { $0 })
                }
            }
        }
    }

    @Test func snapshotIsStreamedInChunksInOrderWithOtherMessages() async throws {
        try await TestCluster.run { cluster in
            var configuration = testConfiguration(1)
            configuration.snapshotChunkBytesMax = 64 * 1024
            try await cluster.start(configuration)
            let receiver = try await cluster.start(testConfiguration(2))
            cluster.connectAll()
            var generator = SeededGenerator(seed: 99)
            let data = (0..<1_500_000).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let metadata = SnapshotMetadata(index: 500, term: 4, confState: ConfState(voters: [1, 2]))
            let messages = [
                Message(kind: .heartbeat, from: 1, to: 2, term: 4),
                Message(kind: .snapshot, from: 1, to: 2, term: 4, snapshot: Snapshot(metadata: metadata, data: data)),
                Message(kind: .heartbeat, from: 1, to: 2, term: 4, commit: 500),
            ]
            cluster.nodes[1]!.transport.send(messages)
            #expect(await receiver.inbox.wait { $0.messages.count == 3 })
            #expect(receiver.inbox.snapshot.messages == messages)
            #expect(await cluster.nodes[1]!.inbox.wait { !$0.snapshotStatuses.isEmpty })
            #expect(cluster.nodes[1]!.inbox.snapshot.snapshotStatuses == [.init(peer: 2, failed: false)])
        }
    }

    @Test func wrongSecretIsRefusedAndNothingIsDelivered() async throws {
        try await TestCluster.run { cluster in
            var other = testConfiguration(2)
            other.secret = [UInt8](repeating: 0x01, count: 32)
            let dialer = try await cluster.start(testConfiguration(1))
            let acceptor = try await cluster.start(other)
            cluster.connectAll()
            dialer.transport.send([Message(kind: .heartbeat, from: 1, to: 2)])
            acceptor.transport.send([Message(kind: .heartbeat, from: 2, to: 1)])
            #expect(await dialer.inbox.wait { $0.logs.contains { $0.contains("authentication failed") } })
            #expect(await acceptor.inbox.wait { $0.logs.contains { $0.contains("authentication failed") } })
            #expect(dialer.inbox.snapshot.messages.isEmpty)
            #expect(acceptor.inbox.snapshot.messages.isEmpty)
        }
    }

    @Test func wrongClusterIsRefusedAndNothingIsDelivered() async throws {
        try await TestCluster.run { cluster in
            var other = testConfiguration(2)
            other.clusterID = 43
            let dialer = try await cluster.start(testConfiguration(1))
            let acceptor = try await cluster.start(other)
            cluster.connectAll()
            dialer.transport.send([Message(kind: .heartbeat, from: 1, to: 2)])
            #expect(await acceptor.inbox.wait { $0.logs.contains { $0.contains("wrong cluster id 42, expected 43") } })
            #expect(await dialer.inbox.wait { $0.logs.contains { $0.contains("wrong cluster id 43, expected 42") } })
            #expect(dialer.inbox.snapshot.messages.isEmpty)
            #expect(acceptor.inbox.snapshot.messages.isEmpty)
        }
    }

    @Test func peerThatGoesAwayAndComesBackIsReconnected() async throws {
        try await TestCluster.run { cluster in
            let (sender, second) = try await restartPeer(in: cluster, sender: testConfiguration(1))
            #expect(await second.inbox.wait { $0.messages.contains { $0.commit == 2 } })
            #expect(await sender.inbox.wait { $0.logs.filter { $0.contains("connected to 2") }.count == 2 })
        }
    }

    /// A restarted peer dials us when it starts; our link to it, waiting out a long reconnect
    /// delay grown while the peer was down, dials back at once instead of after the delay.
    @Test func aPeerThatDialsUsIsRedialedWithoutWaitingOutTheBackoff() async throws {
        try await TestCluster.run { cluster in
            var patient = testConfiguration(1)
            patient.reconnectDelayMillisecondsMin = 60_000
            patient.reconnectDelayMillisecondsMax = 60_000
            // Once node 2 is gone, node 1's link waits a minute before it dials again.
            let (_, second) = try await restartPeer(in: cluster, sender: patient)
            #expect(await second.inbox.wait(seconds: 10) { $0.messages.contains { $0.commit == 2 } })
        }
    }

    /// Node 1 (`sender`) reaches node 2, node 2 stops and starts again on its port and knows
    /// node 1; node 1 then sends it a heartbeat with commit 2.
    private func restartPeer(
        in cluster: TestCluster, sender configuration: TransportConfiguration
    ) async throws -> (sender: TestNode, restarted: TestNode) {
        let sender = try await cluster.start(configuration)
        let first = try await cluster.start(testConfiguration(2))
        cluster.connectAll()
        sender.transport.send([Message(kind: .heartbeat, from: 1, to: 2, commit: 1)])
        #expect(await first.inbox.wait { $0.messages.count == 1 })
        await cluster.stop(2)
        #expect(await sender.inbox.wait { $0.unreachable.contains(2) })
        let second = try await cluster.start(testConfiguration(2), port: first.port)
        second.transport.setPeers([1: sender.address])
        sender.transport.send([Message(kind: .heartbeat, from: 1, to: 2, commit: 2)])
        return (sender, second)
    }

    @Test func fullQueueDropsAndReportsUnreachable() async throws {
        try await TestCluster.run { cluster in
            let vacantPort = try await vacantLoopbackPort(group: cluster.group)
            var configuration = testConfiguration(1)
            configuration.queueMessagesMax = 8
            let sender = try await cluster.start(configuration)
            sender.transport.setPeers([2: PeerAddress(host: loopback, port: vacantPort)])
            sender.transport.send((1...20).map { Message(kind: .append, from: 1, to: 2, index: LogIndex($0)) })
            sender.transport.send([Message(kind: .snapshot, from: 1, to: 2, snapshot: Snapshot())])
            #expect(await sender.inbox.wait { $0.unreachable.contains(2) && !$0.snapshotStatuses.isEmpty })
            #expect(sender.inbox.snapshot.snapshotStatuses == [.init(peer: 2, failed: true)])
            #expect(sender.inbox.logContains("queue to 2 is full"))
        }
    }

    @Test func messageToAnUnknownPeerIsDroppedAndReported() async throws {
        try await TestCluster.run { cluster in
            let sender = try await cluster.start(testConfiguration(1))
            sender.transport.send([Message(kind: .heartbeat, from: 1, to: 9)])
            #expect(await sender.inbox.wait { $0.unreachable == [9] })
        }
    }

    @Test func applicationFramesTravelInOrderBesideMessages() async throws {
        try await TestCluster.run { cluster in
            let sender = try await cluster.start(testConfiguration(1))
            let receiver = try await cluster.start(testConfiguration(2))
            cluster.connectAll()
            for round in 0..<100 {
                sender.transport.send([Message(kind: .heartbeat, from: 1, to: 2, commit: LogIndex(round))])
                sender.transport.send(application: [UInt8(round)], to: 2)
            }
            #expect(await receiver.inbox.wait { $0.applications.count == 100 && $0.messages.count == 100 })
            #expect(receiver.inbox.snapshot.applications == (0..<100).map { [UInt8($0)] })
        }
    }

    @Test func transportWithItsOwnGroupShutsDownAndIgnoresLaterCalls() async throws {
        let inbox = Inbox()
        let transport = PeerTransport(configuration: testConfiguration(1), callbacks: inbox.callbacks)
        do {
            try await transport.start(listenHost: loopback, port: 0)
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
        transport.setPeers([2: PeerAddress(host: loopback, port: 1)])
        transport.send([Message(kind: .heartbeat, from: 1, to: 2)])
        await transport.shutdown()
        await #expect(throws: TransportError.shutDown) { try await transport.start(listenHost: loopback, port: 0) }
        #expect(inbox.snapshot.unreachable.isEmpty)
    }

    @Test func removedPeerIsNoLongerAccepted() async throws {
        try await TestCluster.run { cluster in
            let first = try await cluster.start(testConfiguration(1))
            let second = try await cluster.start(testConfiguration(2))
            first.transport.setPeers([2: second.address])
            second.transport.setPeers([:])
            first.transport.send([Message(kind: .heartbeat, from: 1, to: 2)])
            #expect(await second.inbox.wait { $0.logs.contains { $0.contains("node 1 is not a known peer") } })
            #expect(second.inbox.snapshot.messages.isEmpty)
            #expect(first.inbox.snapshot.removedBy.isEmpty)
        }
    }

    @Test func aRemovedPeerThatDialsIsToldSo() async throws {
        try await TestCluster.run { cluster in
            let first = try await cluster.start(testConfiguration(1))
            let second = try await cluster.start(testConfiguration(2))
            first.transport.setPeers([2: second.address])
            second.transport.setPeers([:])
            second.transport.setRemoved([1])
            first.transport.send([Message(kind: .heartbeat, from: 1, to: 2)])
            #expect(await first.inbox.wait { $0.removedBy.contains(2) })
            #expect(second.inbox.logContains("node 1 was removed from the cluster; told it so"))
            #expect(first.inbox.logContains("member 2 says this node was removed from the cluster"))
            #expect(second.inbox.snapshot.messages.isEmpty)
        }
    }
}

/// A loopback port that nothing listens on: bound once to learn it, then released.
func vacantLoopbackPort(group: MultiThreadedEventLoopGroup) async throws -> Int {
    let channel = try await ServerBootstrap(group: group).bind(host: loopback, port: 0).get()
    let port = try #require(channel.localAddress?.port)
    try await channel.close()
    return port
}
