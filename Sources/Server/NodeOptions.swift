import Foundation
import RaftCore
import Replica

/// A `HOST:PORT` pair as given on the command line.
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT`; nil for anything else.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port), colon != text.startIndex
        else { return nil }
        self.init(host: String(text[..<colon]), port: port)
    }

    public var description: String { "\(host):\(port)" }
}

/// Everything `switchboard start` needs to run a node.
public struct NodeOptions: Sendable {
    public enum Membership: Sendable {
        /// `ID=HOST:PORT,…` peer addresses of the founding members.
        case initialCluster([NodeID: HostPort])
        /// The HTTP URL of any member of the cluster to join.
        case join(String)
        /// Restart from the data dir alone.
        case existing
    }

    public var nodeID: NodeID
    public var dataDirectory: String
    public var peerAddress: HostPort
    public var httpAddress: HostPort
    public var membership: Membership
    public var clusterSecret: [UInt8]
    public var adminToken: String
    public var replica: ReplicaConfig
    public var requestBodyBytesMax = 1 << 20
    /// PBKDF2 rounds for new staff passwords; tests lower it to save time.
    public var passwordHashRounds = 600_000
    /// Serve the web pages from this directory instead of the built-in copy (for development).
    public var webDirectory: String?
    /// How session slots are watched and worked on.
    var slots = SlotSupervisor.Settings()
    /// A voter not heard from for this long loses its session slots to healthy nodes.
    public var slotFailoverMilliseconds: Int {
        get { slots.failoverMilliseconds }
        set { slots.failoverMilliseconds = newValue }
    }

    public init(
        nodeID: NodeID, dataDirectory: String, peerAddress: HostPort, httpAddress: HostPort,
        membership: Membership, clusterSecret: [UInt8], adminToken: String
    ) {
        self.nodeID = nodeID
        self.dataDirectory = dataDirectory
        self.peerAddress = peerAddress
        self.httpAddress = httpAddress
        self.membership = membership
        self.clusterSecret = clusterSecret
        self.adminToken = adminToken
        self.replica = ReplicaConfig(nodeID: nodeID)
    }

    /// Parses `ID=HOST:PORT,ID=HOST:PORT,…`.
    public static func parseInitialCluster(_ text: String) throws -> [NodeID: HostPort] {
        var members: [NodeID: HostPort] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let id = NodeID(parts[0]), id != noNode,
                let address = HostPort(parsing: String(parts[1]))
            else { throw OptionsError("bad --initial-cluster item \"\(item)\"; expected ID=HOST:PORT with a numeric ID > 0") }
            guard members[id] == nil else { throw OptionsError("node \(id) appears twice in --initial-cluster") }
            members[id] = address
        }
        guard !members.isEmpty else { throw OptionsError("--initial-cluster names no member") }
        return members
    }

    /// A cluster's identity, the same on every founding member: derived from the founding
    /// membership, so two clusters started separately refuse each other's peers.
    static func clusterID(of members: [NodeID: HostPort]) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        let text = members.keys.sorted().map { "\($0)=\(members[$0]!)" }.joined(separator: ",")
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash == 0 ? 1 : hash
    }
}

/// A problem with the options a node was started with.
public struct OptionsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Reads a secret file: trimmed of surrounding white space, and refused if too short so that a
/// mistaken empty file never leaves a node unprotected.
public func readSecretFile(_ path: String, bytesMin: Int = 16) throws -> String {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        throw OptionsError("cannot read \(path)")
    }
    let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard secret.utf8.count >= bytesMin else {
        throw OptionsError("\(path) must hold at least \(bytesMin) characters of secret")
    }
    return secret
}
