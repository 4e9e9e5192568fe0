import RaftCore

/// Where each member can be reached: replicated with Raft so that every node, including one
/// that joins later and catches up by snapshot, knows every peer and HTTP address.
public struct MemberAddresses: Sendable, Hashable, Codable {
    public var peer: String
    public var http: String

    public init(peer: String, http: String) {
        self.peer = peer
        self.http = http
    }
}

/// The replicated directory of member addresses, and of the nodes removed from the cluster.
///
/// A removed node is remembered so that the members can tell it, should it dial them again,
/// that it no longer belongs (a node cut off before its removal committed never learns it
/// from the log). Adding the id again forgets the removal.
public struct Directory: Sendable, Hashable {
    /// At most this many removed ids are remembered; beyond it the lowest are forgotten first.
    public static let removedMax = 1_000

    public private(set) var members: [NodeID: MemberAddresses] = [:]
    public private(set) var removed: Set<NodeID> = []

    public init(members: [NodeID: MemberAddresses] = [:], removed: Set<NodeID> = []) {
        self.members = members
        self.removed = removed
    }

    public mutating func set(_ node: NodeID, _ addresses: MemberAddresses) {
        members[node] = addresses
        removed.remove(node)
    }

    public mutating func remove(_ node: NodeID) {
        members[node] = nil
        removed.insert(node)
        // Every node trims the same way, so the directory stays identical across replicas.
        while removed.count > Self.removedMax, let lowest = removed.min() { removed.remove(lowest) }
    }

    public var peerAddresses: [NodeID: String] { members.mapValues(\.peer) }

    /// Deterministic binary form: count, then per member (ascending id) id, peer, http; then,
    /// only when some node was removed, their count and ids (ascending). A directory without
    /// removals encodes as before removals were remembered.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(UInt32(members.count))
        for node in members.keys.sorted() {
            writer.write(node)
            writer.write(members[node]!.peer)
            writer.write(members[node]!.http)
        }
        if !removed.isEmpty {
            writer.write(UInt32(removed.count))
            for node in removed.sorted() { writer.write(node) }
        }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(EnvelopeError) {
        var reader = ByteReader(bytes)
        let count = try reader.readUInt32()
        guard count <= 1_000 else { throw .malformed("directory of \(count) members") }
        for _ in 0..<count {
            let node = try reader.readUInt64()
            let peer = try reader.readString()
            let http = try reader.readString()
            members[node] = MemberAddresses(peer: peer, http: http)
        }
        if !reader.isAtEnd {
            let removedCount = try reader.readUInt32()
            guard removedCount <= Self.removedMax else { throw .malformed("directory of \(removedCount) removed nodes") }
            for _ in 0..<removedCount { removed.insert(try reader.readUInt64()) }
        }
        guard reader.isAtEnd else { throw .malformed("trailing bytes after directory") }
    }
}
