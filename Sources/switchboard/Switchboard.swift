import ArgumentParser
import Foundation
import Logging
import RaftCore
import Server

@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "Switchboard: a replicated customer-service cluster node and its operator tools.",
        subcommands: [Start.self, ClusterCommand.self, NodeCommand.self, LeaderCommand.self])
}

struct Start: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a node.")

    @Option(help: "This node's id (a positive integer).") var nodeId: UInt64
    @Option(help: "Directory for the node's data.") var dataDir: String
    @Option(help: "HOST:PORT for Raft peer traffic.") var peerAddr: String
    @Option(help: "HOST:PORT for the HTTP API.") var httpAddr: String
    @Option(help: "Founding members: ID=HOST:PORT,ID=HOST:PORT,... (ignored once the data dir holds a cluster).")
    var initialCluster: String?
    @Option(help: "HTTP URL of a member of the cluster to join.") var join: String?
    @Option(help: "File holding the cluster secret (peer authentication).") var clusterSecretFile: String
    @Option(help: "File holding the admin token.") var adminTokenFile: String
    @Option(help: "Length of a Raft tick in milliseconds.") var tickMilliseconds: Int = 50
    @Option(help: "Take a snapshot after this many applied entries.") var snapshotEntries: UInt64 = 10_000
    @Option(help: "A write not applied within this many milliseconds answers 503 timeout.")
    var proposalTimeoutMilliseconds: Int = 5_000
    @Option(help: "PBKDF2-SHA256 rounds for new staff passwords (at least 100,000 outside tests).")
    var passwordHashRounds: Int = 600_000
    @Option(help: "Serve the web pages from this directory instead of the built-in copy.") var webDir: String?
    @Option(help: "A voter not heard from for this many milliseconds loses its session slots.")
    var slotFailoverMilliseconds: Int = 3_000
    @Flag(help: "The leader answers reads under a lease, without a heartbeat round each (clock-dependent; set on every node or none).")
    var readLeases = false

    func run() async throws {
        guard initialCluster == nil || join == nil else {
            throw ValidationError("pass either --initial-cluster or --join, not both")
        }
        guard let peer = HostPort(parsing: peerAddr), let http = HostPort(parsing: httpAddr) else {
            throw ValidationError("--peer-addr and --http-addr take HOST:PORT")
        }
        let membership: NodeOptions.Membership
        if let initialCluster {
            membership = .initialCluster(try NodeOptions.parseInitialCluster(initialCluster))
        } else if let join {
            membership = .join(join.hasSuffix("/") ? String(join.dropLast()) : join)
        } else {
            membership = .existing
        }
        var options = NodeOptions(
            nodeID: nodeId, dataDirectory: dataDir, peerAddress: peer, httpAddress: http, membership: membership,
            clusterSecret: Array(try readSecretFile(clusterSecretFile).utf8), adminToken: try readSecretFile(adminTokenFile))
        options.replica.tickMilliseconds = tickMilliseconds
        options.replica.snapshotEntriesInterval = snapshotEntries
        // A leader holds writes through a handover, which lasts up to an election timeout
        // (10–20 ticks): a shorter deadline would expire writes that are still to be applied.
        guard proposalTimeoutMilliseconds >= 20 * tickMilliseconds else {
            throw ValidationError("--proposal-timeout-milliseconds must be at least 20 ticks (\(20 * tickMilliseconds))")
        }
        options.replica.proposalTimeoutMilliseconds = proposalTimeoutMilliseconds
        options.replica.leaseReads = readLeases
        guard passwordHashRounds >= 1 else { throw ValidationError("--password-hash-rounds must be positive") }
        options.passwordHashRounds = passwordHashRounds
        guard slotFailoverMilliseconds >= 100 else { throw ValidationError("--slot-failover-milliseconds must be at least 100") }
        options.slotFailoverMilliseconds = slotFailoverMilliseconds
        options.webDirectory = webDir
        var logger = Logger(label: "switchboard.n\(nodeId)") { NodeLogHandler(label: $0) }
        logger.logLevel = .info
        let node = try await ClusterNode(options: options, logger: logger)
        try await node.run()
    }
}

/// Options every operator command shares.
struct EndpointOptions: ParsableArguments {
    @Option(help: "HTTP URL of any node.") var endpoint: String
    @Option(help: "Admin token (default: $SWITCHBOARD_TOKEN).") var token: String?
    @Flag(help: "Print JSON.") var json = false

    var client: HTTPClient {
        HTTPClient(token: token ?? ProcessInfo.processInfo.environment["SWITCHBOARD_TOKEN"])
    }

    var base: String { endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint }
}

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Inspect the cluster.", subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show leader, term and members.")
        @OptionGroup var endpoint: EndpointOptions

        func run() async throws {
            let reply = try await OperatorOutput.fetchCluster(endpoint)
            if endpoint.json { return OperatorOutput.printJSON(reply.body) }
            OperatorOutput.printClusterSummary(reply.json() ?? [:])
            OperatorOutput.printMembers(reply.json() ?? [:])
        }
    }
}

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Add, remove and list nodes.", subcommands: [List.self, Add.self, Remove.self, Drain.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List members.")
        @OptionGroup var endpoint: EndpointOptions

        func run() async throws {
            let reply = try await OperatorOutput.fetchCluster(endpoint)
            if endpoint.json { return OperatorOutput.printJSON(reply.body) }
            OperatorOutput.printMembers(reply.json() ?? [:])
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a node as a learner; it is promoted to voter once it has caught up.")
        @OptionGroup var endpoint: EndpointOptions
        @Option(help: "The new node's id.") var nodeId: UInt64
        @Option(help: "The new node's HOST:PORT for peer traffic.") var peerAddr: String
        @Option(help: "The new node's HOST:PORT for HTTP (optional; it announces itself).") var httpAddr: String?

        func run() async throws {
            var body: [String: Any] = ["id": String(nodeId), "peerAddress": peerAddr]
            if let httpAddr { body["httpAddress"] = httpAddr }
            let reply = try await endpoint.client.sendToLeader("POST", base: endpoint.base, path: "/v1/cluster/members", json: body)
            try OperatorOutput.finish(reply, json: endpoint.json, success: "node \(nodeId) added as a learner")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a node from the cluster.")
        @OptionGroup var endpoint: EndpointOptions
        @Option(help: "The node to remove.") var nodeId: UInt64

        func run() async throws {
            let reply = try await endpoint.client.sendToLeader("DELETE", base: endpoint.base, path: "/v1/cluster/members/\(nodeId)")
            try OperatorOutput.finish(reply, json: endpoint.json, success: "node \(nodeId) removed")
        }
    }
}

extension NodeCommand {
    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a node's session slots to the others and send its WebSocket clients elsewhere, before removing it.")
        @OptionGroup var endpoint: EndpointOptions
        @Option(help: "The node to drain.") var nodeId: UInt64
        @Flag(help: "End draining instead: the node takes slots and clients again.") var undo = false
        @Option(help: "Seconds to wait for the node to hand over all its slots.") var timeoutSeconds: Int = 30

        func run() async throws {
            let path = "/v1/cluster/members/\(nodeId)/drain"
            let reply = try await endpoint.client.sendToLeader(undo ? "DELETE" : "POST", base: endpoint.base, path: path)
            guard (200..<300).contains(reply.status) else { throw OperatorOutput.failure(reply) }
            if undo { return try OperatorOutput.finish(reply, json: endpoint.json, success: "node \(nodeId) is no longer draining") }
            let deadline = Date().addingTimeInterval(Double(timeoutSeconds))
            while Date() < deadline {
                let slots = try await slotsOwned()
                if slots == 0 {
                    return try OperatorOutput.finish(reply, json: endpoint.json, success: "node \(nodeId) drained: it owns no slots; it can be removed")
                }
                try await Task.sleep(nanoseconds: 200_000_000)
            }
            throw ValidationError("node \(nodeId) still owns slots after \(timeoutSeconds) s")
        }

        private func slotsOwned() async throws -> Int {
            let members = try await OperatorOutput.fetchCluster(endpoint).json()?["members"] as? [[String: Any]] ?? []
            let member = members.first { $0["id"] as? String == String(nodeId) }
            return (member?["slots"] as? [Int])?.count ?? 0
        }
    }
}

struct LeaderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leader", abstract: "Leadership.", subcommands: [Transfer.self])

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hand leadership to another voter.")
        @OptionGroup var endpoint: EndpointOptions
        @Option(help: "The voter to lead.") var to: UInt64

        func run() async throws {
            let reply = try await endpoint.client.sendToLeader("POST", base: endpoint.base, path: "/v1/cluster/leader", json: ["to": String(to)])
            try OperatorOutput.finish(reply, json: endpoint.json, success: "node \(to) now leads")
        }
    }
}
