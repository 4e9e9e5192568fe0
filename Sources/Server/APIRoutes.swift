import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RaftCore
import Replica
import ServiceDesk

/// The HTTP API of a node: health, metrics, cluster administration and registers.
struct APIRoutes: Sendable {
    let node: ClusterNode
    let authenticator: Authenticator
    let passwordHasher: PasswordHasher
    let loginThrottle = LoginThrottle()

    var replica: Replica { node.replica }

    func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        // Bearer tokens, not cookies, authenticate the API, so any site may embed the widget.
        router.add(middleware: CORSMiddleware(
            allowOrigin: .all, allowHeaders: [.accept, .authorization, .contentType, .origin, .idempotencyKey],
            allowMethods: [.get, .post, .put, .patch, .delete, .head, .options], maxAge: .seconds(600)))
        router.add(middleware: FileMiddleware(node.options.webDirectory ?? Self.bundledWebDirectory, searchForIndexHtml: true))
        router.get("/health/live") { _, _ in try jsonResponse(["status": "live"]) }
        router.get("/health/ready") { _, _ in try readiness() }
        router.get("/health/leader") { _, _ in try leadership() }
        router.get("/metrics") { _, _ in metrics() }
        addOpenAuthRoutes(to: router.group("/v1"))
        addOpenWidgetRoutes(to: router.group("/v1"))
        addOpenChannelRoutes(to: router.group("/v1"))
        let api = router.group("/v1").add(middleware: AuthMiddleware(authenticator: authenticator))
        api.get("/cluster") { _, context in
            try context.identity.require(.supervisor, to: "view the cluster")
            return try await clusterStatus()
        }
        api.post("/cluster/members") { request, context in
            try context.identity.require(.admin, to: "change the cluster")
            return try await addMember(request)
        }
        api.delete("/cluster/members/:id") { _, context in
            try context.identity.require(.admin, to: "change the cluster")
            return try await removeMember(context)
        }
        api.post("/cluster/members/:id/drain") { _, context in
            try context.identity.require(.admin, to: "drain nodes")
            return try await setDraining(context, true)
        }
        api.delete("/cluster/members/:id/drain") { _, context in
            try context.identity.require(.admin, to: "drain nodes")
            return try await setDraining(context, false)
        }
        api.post("/cluster/leader") { request, context in
            try context.identity.require(.admin, to: "move the leader")
            return try await transferLeader(request)
        }
        api.get("/registers/:key") { request, context in
            try context.identity.require(.admin, to: "use registers")
            return try await readRegister(request, context)
        }
        api.put("/registers/:key") { request, context in
            try context.identity.require(.admin, to: "use registers")
            return try await writeRegister(request, context)
        }
        addAuthRoutes(to: api)
        addConversationRoutes(to: api)
        addStaffRoutes(to: api)
        addDirectoryRoutes(to: api)
        addWidgetRoutes(to: api)
        addStatsRoutes(to: api)
        addRoutingRoutes(to: api)
        addTicketRoutes(to: api)
        addChannelRoutes(to: api)
        // An authorized upgrade never reaches the router (see `EventStreams`); what arrives
        // here is a plain request or an upgrade that failed authentication above.
        api.get("/events") { _, _ -> Response in
            throw APIError(.upgradeRequired, code: "websocket_required", message: "connect with a WebSocket upgrade")
        }
        return router
    }

    /// Ready: a member that knows a leader and has applied what it knows committed, and is not
    /// being drained (so the load balancer sends it no new clients).
    /// The web pages built into the binary's resource bundle.
    static var bundledWebDirectory: String { Bundle.module.resourceURL!.appendingPathComponent("Web").path }

    private func readiness() throws -> Response {
        let status = replica.status
        let draining = node.events.isDraining
        let ready = status.isReady && !draining
        let state = ready ? "ready" : status.isRemoved ? "removed" : draining ? "draining" : "not_ready"
        let body: [String: String] = [
            "status": state, "leader": String(status.leader),
            "applied": String(status.applied), "commit": String(status.commit),
        ]
        return try jsonResponse(body, status: ready ? .ok : .serviceUnavailable)
    }

    /// 200 while this node is ready and the leader, 503 otherwise: a load balancer sends
    /// writes here to save the hop a follower makes to forward them.
    private func leadership() throws -> Response {
        let status = replica.status
        let isLeader = status.isReady && !node.events.isDraining && status.leader == status.nodeID
        let body: [String: String] = ["status": isLeader ? "leader" : "not_leader", "leader": String(status.leader)]
        return try jsonResponse(body, status: isLeader ? .ok : .serviceUnavailable)
    }

    private func metrics() -> Response {
        let status = replica.status
        var reachable: [NodeID: Bool] = [:]
        for member in status.confState.members where member != status.nodeID {
            reachable[member] = node.liveness.isReachable(member) ?? false
        }
        let text = MetricsText.render(status, reachable: reachable, residentBytes: MetricsText.residentBytes())
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: - Cluster

    struct MemberView: Encodable {
        var id: String
        var role: String
        var peerAddress: String
        var httpAddress: String
        var reachable: Bool?
        var match: LogIndex?
        var applied: LogIndex?
        /// The session slots this member owns (DESIGN.md §6).
        var slots: [Int]
        var draining: Bool
    }

    struct ClusterView: Encodable {
        var clusterId: String
        var nodeId: String
        var leader: String
        var term: Term
        var commit: LogIndex
        var applied: LogIndex
        /// This node was removed from the cluster (then `members` is its last view).
        var removed: Bool
        var members: [MemberView]
    }

    private func clusterStatus() async throws -> Response {
        let status = replica.status
        let map = try await staleMachineRead { $0.desk.slotMap } ?? SlotMap()
        let members = status.confState.members.map { member in
            let addresses = status.directory.members[member]
            return MemberView(
                id: String(member), role: status.confState.isVoter(member) ? "voter" : "learner",
                peerAddress: addresses?.peer ?? "", httpAddress: addresses?.http ?? "",
                reachable: member == status.nodeID ? true : reachability(of: member, status: status),
                match: status.peers[member]?.match,
                applied: member == status.nodeID ? status.applied : nil,
                slots: map.slots(ownedBy: member), draining: map.draining.contains(member))
        }
        return try jsonResponse(ClusterView(
            clusterId: String(node.clusterID, radix: 16), nodeId: String(status.nodeID),
            leader: status.leader == noNode ? "" : String(status.leader), term: status.term,
            commit: status.commit, applied: status.applied, removed: status.isRemoved, members: members))
    }

    private func reachability(of member: NodeID, status: ReplicaStatus) -> Bool? {
        if status.role == .leader, let peer = status.peers[member] {
            return peer.recentActive || node.liveness.isReachable(member) == true
        }
        return node.liveness.isReachable(member)
    }

    struct AddMemberRequest: Decodable {
        var id: String
        var peerAddress: String
        var httpAddress: String?
    }

    private func addMember(_ request: Request) async throws -> Response {
        let body = try await decodeBody(AddMemberRequest.self, from: request)
        guard let id = NodeID(body.id), id != noNode else { throw APIError.badRequest("id must be a positive integer") }
        guard HostPort(parsing: body.peerAddress) != nil else { throw APIError.badRequest("peerAddress must be HOST:PORT") }
        if replica.status.confState.contains(id) {
            throw APIError(.conflict, code: "already_member", message: "node \(id) is already a member")
        }
        let addresses = MemberAddresses(peer: body.peerAddress, http: body.httpAddress ?? "")
        try await perform { try await replica.addLearner(id, addresses: addresses) }
        return try jsonResponse(["id": String(id), "role": "learner"], status: .created)
    }

    private func removeMember(_ context: APIContext) async throws -> Response {
        let id = try nodeID(context.parameters.get("id"))
        guard replica.status.confState.contains(id) else { throw APIError.notFound("node \(id) is not a member") }
        try await perform { try await replica.removeMember(id) }
        return try jsonResponse(["id": String(id), "removed": "true"])
    }

    struct TransferRequest: Decodable {
        var to: String
    }

    private func transferLeader(_ request: Request) async throws -> Response {
        let body = try await decodeBody(TransferRequest.self, from: request)
        let target = try nodeID(body.to)
        try await perform { try await replica.transferLeader(to: target) }
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && replica.status.leader != target {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        guard replica.status.leader == target else {
            throw APIError(.serviceUnavailable, code: "transfer_incomplete", message: "node \(target) did not take over in time")
        }
        return try jsonResponse(["leader": String(target)])
    }

    /// Marks a member as draining (its slots move to the others, its WebSocket clients are
    /// told to reconnect elsewhere, it reports not ready) or ends that.
    private func setDraining(_ context: APIContext, _ draining: Bool) async throws -> Response {
        let id = try nodeID(context.parameters.get("id"))
        guard replica.status.confState.contains(id) else { throw APIError.notFound("node \(id) is not a member") }
        _ = try await apply(.setDraining(SetDraining(node: id, draining: draining)), actor: context.identity.actor)
        return try jsonResponse(["id": String(id), "draining": String(draining)])
    }

    private func nodeID(_ text: String?) throws -> NodeID {
        guard let text, let id = NodeID(text), id != noNode else { throw APIError.badRequest("node ids are positive integers") }
        return id
    }

    /// Runs a replica request and turns its failure into the API's error shape.
    func perform<Value>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as ReplicaError {
            throw apiError(error)
        }
    }

    /// A replica's failure in the API's error shape.
    func apiError(_ error: ReplicaError) -> APIError {
        APIError.from(error, directory: replica.status.directory)
    }

    // MARK: - Registers

    struct RegisterView: Encodable {
        var key: String
        var value: String
        var version: UInt64
    }

    private func readRegister(_ request: Request, _ context: APIContext) async throws -> Response {
        let key = try registerKey(context)
        let stale = request.uri.queryParameters.get("consistency") == "stale"
        let register = try await perform { () async throws -> RegisterStore.Register? in
            let body: @Sendable (any ReplicatedStateMachine) -> RegisterStore.Register? = {
                ($0 as? NodeStateMachine)?.registers.get(key)
            }
            return stale ? try await replica.staleRead(body) : try await replica.read(body)
        }
        guard let register else { throw APIError.notFound("register \(key) does not exist") }
        return try jsonResponse(RegisterView(key: key, value: String(decoding: register.value, as: UTF8.self), version: register.version))
    }

    struct WriteRequest: Decodable {
        var value: String
        /// Compare-and-set: write only if the register is at this version (0: absent).
        var expectedVersion: UInt64?
    }

    private func writeRegister(_ request: Request, _ context: APIContext) async throws -> Response {
        let key = try registerKey(context)
        let body = try await decodeBody(WriteRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let value = Array(body.value.utf8)
        var command = RegisterStore.Command.put(key: key, value: value)
        if let expected = body.expectedVersion {
            command = .compareAndSet(key: key, expectedVersion: expected, value: value)
        }
        let answer = try await perform {
            try await replica.propose(NodeStateMachine.command(.registers, RegisterStore.encode(command)))
        }
        switch try? RegisterStore.decodeOutcome(answer) {
        case .written(let version)?:
            return try jsonResponse(["key": key, "version": String(version)])
        case .conflict(let current)?:
            var error = APIError(.preconditionFailed, code: "version_conflict", message: "the register is at another version")
            error.details["currentVersion"] = String(current)
            throw error
        case .invalid?, nil:
            throw APIError.badRequest("the register command was refused")
        }
    }

    private func registerKey(_ context: APIContext) throws -> String {
        guard let key = context.parameters.get("key"), !key.isEmpty, key.utf8.count <= 1_024 else {
            throw APIError.badRequest("register keys are 1 to 1024 bytes")
        }
        return key
    }
}

/// Whether an `Authorization` header value is `Bearer <token>`, compared in constant time.
/// Every authenticated entry point (routes and the event WebSocket upgrade) uses this one check.
func bearerTokenMatches(_ header: String?, token: String) -> Bool {
    guard let header, header.hasPrefix("Bearer ") else { return false }
    return constantTimeEqual(Array(header.utf8.dropFirst(7)), Array(token.utf8))
}

/// Compares secrets in time independent of where they differ.
func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
    guard left.count == right.count else { return false }
    var difference: UInt8 = 0
    for index in left.indices { difference |= left[index] ^ right[index] }
    return difference == 0
}
