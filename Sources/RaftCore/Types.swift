/// A node's identity inside one cluster. Zero means "no node" and is never a valid member.
public typealias NodeID = UInt64
/// A Raft term: a logical clock that increases with every election.
public typealias Term = UInt64
/// A position in the replicated log, starting at 1. Index 0 is the empty log.
public typealias LogIndex = UInt64

/// The value of `NodeID` that means "nobody" (no leader known, no vote cast).
public let noNode: NodeID = 0

/// What an entry carries: application data, or a membership change that RaftCore applies itself.
public enum EntryKind: UInt8, Sendable, Hashable {
    /// Opaque application data (an empty one is appended by each new leader).
    case normal = 0
    /// An encoded `ConfChange`.
    case confChange = 1
}

/// One record of the replicated log.
public struct Entry: Sendable, Hashable {
    public var term: Term
    public var index: LogIndex
    public var kind: EntryKind
    public var data: [UInt8]

    public init(term: Term, index: LogIndex, kind: EntryKind = .normal, data: [UInt8] = []) {
        self.term = term
        self.index = index
        self.kind = kind
        self.data = data
    }

    /// The size used by every byte limit (payload plus a fixed header estimate), so limits
    /// behave the same whatever the wire encoding is.
    public var sizeBytes: Int { data.count + Entry.headerBytes }

    /// Term, index and kind as they are framed on the wire and on disk.
    public static let headerBytes = 17
}

/// The state that must be on stable storage before any message that depends on it is sent.
public struct HardState: Sendable, Hashable {
    public var term: Term
    public var vote: NodeID
    public var commit: LogIndex

    public init(term: Term = 0, vote: NodeID = noNode, commit: LogIndex = 0) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }

    public var isEmpty: Bool { self == HardState() }
}

/// The membership of the cluster: voters decide, learners only receive the log.
/// Both lists are kept sorted so that equal configurations compare and encode equal.
public struct ConfState: Sendable, Hashable {
    public private(set) var voters: [NodeID]
    public private(set) var learners: [NodeID]

    public init(voters: [NodeID] = [], learners: [NodeID] = []) {
        self.voters = Array(Set(voters)).sorted()
        self.learners = Array(Set(learners).subtracting(voters)).sorted()
    }

    public func isVoter(_ id: NodeID) -> Bool { voters.contains(id) }
    public func isLearner(_ id: NodeID) -> Bool { learners.contains(id) }
    public func contains(_ id: NodeID) -> Bool { isVoter(id) || isLearner(id) }
    /// Every member, voters first, each list ascending.
    public var members: [NodeID] { voters + learners }

    /// The configuration after `change`; a change that is already in effect returns `self`.
    public func applying(_ change: ConfChange) -> ConfState {
        switch change.kind {
        case .addLearner:
            if contains(change.nodeID) { return self }
            return ConfState(voters: voters, learners: learners + [change.nodeID])
        case .promote:
            if !isLearner(change.nodeID) { return self }
            return ConfState(
                voters: voters + [change.nodeID], learners: learners.filter { $0 != change.nodeID })
        case .remove:
            return ConfState(
                voters: voters.filter { $0 != change.nodeID },
                learners: learners.filter { $0 != change.nodeID })
        }
    }
}

/// A single-server membership change. New servers always join as learners and are promoted
/// to voters once they have caught up, so a slow newcomer can never stall the quorum.
public struct ConfChange: Sendable, Hashable {
    public enum Kind: UInt8, Sendable, Hashable {
        case addLearner = 0
        case promote = 1
        case remove = 2
    }

    public var kind: Kind
    public var nodeID: NodeID
    /// Application context carried with the change (for example the new node's peer address).
    public var context: [UInt8]

    public init(kind: Kind, nodeID: NodeID, context: [UInt8] = []) {
        self.kind = kind
        self.nodeID = nodeID
        self.context = context
    }

    /// Fixed binary layout: kind (1 byte), node id (8 bytes big-endian), context.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [kind.rawValue]
        bytes.reserveCapacity(9 + context.count)
        withUnsafeBytes(of: nodeID.bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: context)
        return bytes
    }

    /// Decodes `encoded()`; `nil` for bytes that are not a conf change.
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count >= 9, let kind = Kind(rawValue: bytes[0]) else { return nil }
        var id: UInt64 = 0
        for byte in bytes[1..<9] { id = id << 8 | UInt64(byte) }
        guard id != noNode else { return nil }
        self.init(kind: kind, nodeID: id, context: Array(bytes[9...]))
    }
}

/// Where a snapshot sits in the log and which membership was in force there.
public struct SnapshotMetadata: Sendable, Hashable {
    public var index: LogIndex
    public var term: Term
    public var confState: ConfState

    public init(index: LogIndex = 0, term: Term = 0, confState: ConfState = ConfState()) {
        self.index = index
        self.term = term
        self.confState = confState
    }
}

/// The application's state at `metadata.index`, in the application's own encoding.
public struct Snapshot: Sendable, Hashable {
    public var metadata: SnapshotMetadata
    public var data: [UInt8]

    public init(metadata: SnapshotMetadata = SnapshotMetadata(), data: [UInt8] = []) {
        self.metadata = metadata
        self.data = data
    }

    public var isEmpty: Bool { metadata.index == 0 }
}

/// A linearizable read that may be served once the local applied index reaches `index`.
public struct ReadState: Sendable, Hashable {
    public var index: LogIndex
    /// The context the caller passed to `readIndex(context:)`, to match the answer to the request.
    public var context: [UInt8]

    public init(index: LogIndex, context: [UInt8]) {
        self.index = index
        self.context = context
    }
}

/// The role a node plays in its current term.
public enum Role: String, Sendable, Hashable {
    case follower
    case preCandidate
    case candidate
    case leader
}

/// State that changes often and need not be persisted.
public struct SoftState: Sendable, Hashable {
    public var leader: NodeID
    public var role: Role

    public init(leader: NodeID, role: Role) {
        self.leader = leader
        self.role = role
    }
}
