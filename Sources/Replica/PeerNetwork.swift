import RaftCore

/// A proposal a follower hands to the leader, so that clients can write through any node.
public struct ForwardedProposal: Sendable, Hashable {
    /// Unique per origin node while pending.
    public var requestID: UInt64
    public var origin: NodeID
    public var leader: NodeID
    public var data: [UInt8]

    public init(requestID: UInt64, origin: NodeID, leader: NodeID, data: [UInt8]) {
        self.requestID = requestID
        self.origin = origin
        self.leader = leader
        self.data = data
    }
}

/// The leader's answer to a `ForwardedProposal`.
public struct ForwardedAnswer: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// Applied at `index` (the entry's index in the log); the state machine's answer. The
        /// follower answers its client once it has applied that index too, so the client's
        /// next request to it sees its own write.
        case applied(index: LogIndex, answer: [UInt8])
        /// Not applied (or unknown), with the reason.
        case failed(ReplicaError)
    }

    public var requestID: UInt64
    public var origin: NodeID
    public var outcome: Outcome

    public init(requestID: UInt64, origin: NodeID, outcome: Outcome) {
        self.requestID = requestID
        self.origin = origin
        self.outcome = outcome
    }
}

/// How a replica reaches its peers. Every method must return quickly without blocking: a
/// full queue drops (and the transport reports the peer unreachable).
public protocol PeerNetwork: Sendable {
    func send(_ messages: [Message])
    func forward(_ proposal: ForwardedProposal)
    func answer(_ answer: ForwardedAnswer)
    /// The peer addresses of the current members (the replicated directory).
    func updatePeers(_ addresses: [NodeID: String])
    /// The nodes removed from the cluster, to be told so should they dial this node.
    func updateRemoved(_ nodes: Set<NodeID>)
}

extension PeerNetwork {
    public func updateRemoved(_ nodes: Set<NodeID>) {}

    /// Hands the directory's members and removed nodes to the network.
    func publish(_ directory: Directory) {
        updatePeers(directory.peerAddresses)
        updateRemoved(directory.removed)
    }
}

/// The binary form of forwarded proposals and answers on the peer transport's application
/// frames: `tag(1)` then the fields, big-endian; decoding refuses anything malformed. An
/// applied answer is `code 0 | u64 index | answer`; a failed one `code | u64 leader hint`.
public enum ForwardCodec {
    static let proposalTag: UInt8 = 1
    static let answerTag: UInt8 = 2

    public enum Item: Sendable, Hashable {
        case proposal(ForwardedProposal)
        case answer(ForwardedAnswer)
    }

    public static func encode(_ item: Item) -> [UInt8] {
        var writer = ByteWriter()
        switch item {
        case .proposal(let proposal):
            writer.write(proposalTag)
            writer.write(proposal.requestID)
            writer.write(proposal.origin)
            writer.write(proposal.leader)
            writer.writeRaw(proposal.data)
        case .answer(let answer):
            writer.write(answerTag)
            writer.write(answer.requestID)
            writer.write(answer.origin)
            encode(answer.outcome, into: &writer)
        }
        return writer.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(EnvelopeError) -> Item {
        var reader = ByteReader(bytes)
        let tag = try reader.readUInt8()
        let requestID = try reader.readUInt64()
        let origin = try reader.readUInt64()
        switch tag {
        case proposalTag:
            let leader = try reader.readUInt64()
            return .proposal(ForwardedProposal(
                requestID: requestID, origin: origin, leader: leader, data: reader.readRemaining()))
        case answerTag:
            return .answer(ForwardedAnswer(requestID: requestID, origin: origin, outcome: try decodeOutcome(&reader)))
        default:
            throw .malformed("unknown forward tag \(tag)")
        }
    }

    private static func encode(_ outcome: ForwardedAnswer.Outcome, into writer: inout ByteWriter) {
        switch outcome {
        case .applied(let index, let answer):
            writer.write(UInt8(0))
            writer.write(index)
            writer.writeRaw(answer)
        case .failed(let error):
            let (code, hint) = errorCode(error)
            writer.write(code)
            writer.write(hint)
        }
    }

    private static func decodeOutcome(_ reader: inout ByteReader) throws(EnvelopeError) -> ForwardedAnswer.Outcome {
        let code = try reader.readUInt8()
        if code == 0 { return .applied(index: try reader.readUInt64(), answer: reader.readRemaining()) }
        let hint = try reader.readUInt64()
        guard reader.isAtEnd else { throw .malformed("trailing bytes after a failed answer") }
        return .failed(try error(code: code, hint: hint))
    }

    private static func errorCode(_ error: ReplicaError) -> (UInt8, UInt64) {
        switch error {
        case .notLeader(let hint): return (1, hint)
        case .timedOut: return (2, 0)
        case .overloaded: return (3, 0)
        case .dropped: return (4, 0)
        case .stopped: return (5, 0)
        case .rejected(.uncommittedBytesExceeded): return (6, 0)
        case .rejected(.proposalTooLarge): return (7, 0)
        case .rejected: return (8, 0)
        case .removed: return (9, 0)
        }
    }

    private static func error(code: UInt8, hint: UInt64) throws(EnvelopeError) -> ReplicaError {
        switch code {
        case 1: return .notLeader(leaderHint: hint)
        case 2: return .timedOut
        case 3: return .overloaded
        case 4: return .dropped
        case 5: return .stopped
        case 6: return .rejected(.uncommittedBytesExceeded)
        case 7: return .rejected(.proposalTooLarge)
        case 9: return .removed
        case 8: return .rejected(.proposalDropped)
        default: throw .malformed("unknown failure code \(code)")
        }
    }
}
