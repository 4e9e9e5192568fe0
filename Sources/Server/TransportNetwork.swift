import RaftCore
import Replica
import Transport

/// Carries the replica's traffic over the authenticated TCP peer transport: Raft messages as
/// message frames, forwarded proposals and their answers as application frames.
final class TransportNetwork: PeerNetwork {
    let transport: PeerTransport

    init(transport: PeerTransport) {
        self.transport = transport
    }

    func send(_ messages: [Message]) { transport.send(messages) }

    func forward(_ proposal: ForwardedProposal) {
        transport.send(application: ForwardCodec.encode(.proposal(proposal)), to: proposal.leader)
    }

    func answer(_ answer: ForwardedAnswer) {
        transport.send(application: ForwardCodec.encode(.answer(answer)), to: answer.origin)
    }

    func updatePeers(_ addresses: [NodeID: String]) {
        var peers: [NodeID: PeerAddress] = [:]
        for (node, text) in addresses {
            if let address = HostPort(parsing: text) {
                peers[node] = PeerAddress(host: address.host, port: address.port)
            }
        }
        transport.setPeers(peers)
    }

    func updateRemoved(_ nodes: Set<NodeID>) {
        transport.setRemoved(nodes)
    }

    /// Routes an application frame from `peer` to the replica. A proposal must come from its
    /// claimed origin, so a peer cannot make answers go to another node.
    static func deliver(_ payload: [UInt8], from peer: NodeID, to replica: Replica) {
        switch try? ForwardCodec.decode(payload) {
        case .proposal(let proposal)? where proposal.origin == peer:
            replica.receive(proposal)
        case .answer(let answer)?:
            replica.receive(answer, from: peer)
        default:
            break
        }
    }
}
