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

/// The replicated directory of member addresses.
public struct Directory: Sendable, Hashable {
    public private(set) var members: [NodeID: MemberAddresses] = [:]

    public init(members: [NodeID: MemberAddresses] = [:]) {
        self.members = members
    }

    public mutating func set(_ node: NodeID, _ addresses: MemberAddresses) {
        members[node] = addresses
    }

    public mutating func remove(_ node: NodeID) {
        members[node] = nil
    }

    public var peerAddresses: [NodeID: String] { members.mapValues(\.peer) }

    /// Deterministic binary form: count, then per member (ascending id) id, peer, http.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.write(UInt32(members.count))
        for node in members.keys.sorted() {
            writer.write(node)
            writer.write(members[node]!.peer)
            writer.write(members[node]!.http)
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
        guard reader.isAtEnd else { throw .malformed("trailing bytes after directory") }
    }
}
