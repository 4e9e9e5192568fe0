import Foundation
import Logging
import RaftCore
import Replica

/// Which cluster a data dir belongs to, and how a node enters it.
struct ClusterIdentity {
    var clusterID: UInt64
    var bootstrap: Replica.Bootstrap

    static let fileName = "cluster-id"

    /// Reads the cluster id from the data dir, or establishes it: from the founding membership,
    /// or by asking the cluster to join. A data dir that holds a cluster ignores
    /// `--initial-cluster` (so passing it again on restart is harmless).
    static func establish(options: NodeOptions, logger: Logger) async throws -> ClusterIdentity {
        let path = options.dataDirectory + "/" + fileName
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
            let stored = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16)
        {
            return ClusterIdentity(clusterID: stored, bootstrap: .join)
        }
        let identity: ClusterIdentity
        switch options.membership {
        case .initialCluster(let members):
            guard members[options.nodeID] != nil else {
                throw OptionsError("--initial-cluster does not include this node (\(options.nodeID))")
            }
            // Every founding member must write the same founding state, so HTTP addresses (known
            // only to each node itself) are left out here and announced through the log.
            let founding = members.mapValues { MemberAddresses(peer: $0.description, http: "") }
            identity = ClusterIdentity(clusterID: NodeOptions.clusterID(of: members), bootstrap: .initialCluster(founding))
        case .join(let url):
            identity = ClusterIdentity(clusterID: try await fetchClusterID(url: url, token: options.adminToken), bootstrap: .join)
        case .existing:
            throw OptionsError("\(options.dataDirectory) holds no cluster: pass --initial-cluster or --join")
        }
        return identity
    }

    /// Records the cluster id once the store is initialized, so that a crash in between leaves a
    /// data dir that bootstraps again rather than one that waits to be joined.
    func persist(in options: NodeOptions, logger: Logger) throws {
        let path = options.dataDirectory + "/" + Self.fileName
        guard !FileManager.default.fileExists(atPath: path) else { return }
        try String(clusterID, radix: 16).write(toFile: path, atomically: true, encoding: .utf8)
        logger.info("data dir \(options.dataDirectory) belongs to cluster \(String(clusterID, radix: 16))")
    }

    /// The URL this node joined through: given now, or remembered from the first start.
    static func joinURL(options: NodeOptions) throws -> String? {
        let path = options.dataDirectory + "/join-url"
        if case .join(let url) = options.membership {
            try url.write(toFile: path, atomically: true, encoding: .utf8)
            return url
        }
        return try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// The peer addresses of the cluster's members as `url` knows them: a joining node must
    /// accept (and reach) its peers before the snapshot that carries the directory arrives.
    static func fetchPeers(url: String, token: String) async throws -> [NodeID: String] {
        let reply = try await HTTPClient(token: token).send("GET", url + "/v1/cluster")
        guard reply.status == 200, let members = reply.json()?["members"] as? [[String: Any]] else {
            throw OptionsError("\(url) did not list its members (HTTP \(reply.status))")
        }
        var peers: [NodeID: String] = [:]
        for member in members {
            if let id = (member["id"] as? String).flatMap({ NodeID($0) }), let peer = member["peerAddress"] as? String {
                peers[id] = peer
            }
        }
        return peers
    }

    private static func fetchClusterID(url: String, token: String) async throws -> UInt64 {
        let reply = try await HTTPClient(token: token).send("GET", url + "/v1/cluster")
        guard reply.status == 200, let text = reply.json()?["clusterId"] as? String, let id = UInt64(text, radix: 16) else {
            throw OptionsError("\(url) did not tell its cluster id (HTTP \(reply.status))")
        }
        return id
    }

    /// Asks the cluster to add this node as a learner, retrying until it is a member.
    static func requestMembership(options: NodeOptions, joinURL: String, replica: Replica, logger: Logger) async {
        let body: [String: Any] = [
            "id": String(options.nodeID), "peerAddress": options.peerAddress.description,
            "httpAddress": options.httpAddress.description,
        ]
        let client = HTTPClient(token: options.adminToken)
        while !Task.isCancelled && !replica.status.confState.contains(options.nodeID) {
            do {
                let reply = try await client.sendToLeader("POST", base: joinURL, path: "/v1/cluster/members", json: body)
                if reply.status == 201 || reply.error?["code"] == "already_member" {
                    logger.info("joined the cluster through \(joinURL); catching up")
                    return
                }
                logger.warning("join request answered \(reply.status): \(reply.error?["message"] ?? "")")
            } catch {
                logger.warning("join request failed: \(error)")
            }
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
    }
}
