import Foundation
import HTTPTypes
import Hummingbird
import RaftCore
import Replica
import ServiceDesk

/// Conversations and messages: the service desk's core endpoints.
extension APIRoutes {
    func addConversationRoutes(to api: RouterGroup<APIContext>) {
        api.post("/conversations") { request, context in try await createConversation(request, context) }
        api.get("/conversations") { request, context in try await listConversations(request, context) }
        api.get("/conversations/:id") { request, context in try await getConversation(request, context) }
        api.patch("/conversations/:id") { request, context in try await updateConversation(request, context) }
        api.post("/conversations/:id/messages") { request, context in try await postMessage(request, context) }
        api.get("/conversations/:id/messages") { request, context in try await listMessages(request, context) }
        api.get("/conversations/:id/deliveries") { request, context in try await listDeliveries(request, context) }
    }

    struct CustomerInput: Decodable, KnownFields {
        static let knownFields: Set<String> = ["id", "externalId", "name"]
        var id: String?
        var externalId: String?
        var name: String?
    }

    struct CreateConversationRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["customer", "channel", "language", "subject", "priority", "queue", "team", "tags"]
        /// Required for staff and the admin token; a customer always opens their own.
        var customer: CustomerInput?
        var channel: Channel?
        var language: String?
        var subject: String?
        var priority: Priority?
        var queue: String?
        var team: String?
        var tags: [String]?
    }

    private func createConversation(_ request: Request, _ context: APIContext) async throws -> Response {
        let body = try await decodeBody(CreateConversationRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        if case .customer(let id, let widgetID) = context.identity {
            return try await createVisitorConversation(body, customerID: id, widgetID: widgetID, context: context, request: request)
        }
        try context.identity.require(.agent, to: "open conversations")
        guard let channel = body.channel else { throw APIError.badRequest("missing field \"channel\"") }
        guard let input = body.customer else { throw APIError.badRequest("missing field \"customer\"") }
        let customer: CustomerReference
        if let id = input.id {
            customer = .existing(id: id)
        } else if let externalID = input.externalId {
            customer = .external(channel: channel, externalID: externalID, newCustomerID: Self.newID(), name: input.name ?? externalID)
        } else {
            throw APIError.badRequest("customer needs an id or an externalId")
        }
        let action = Command.Action.createConversation(CreateConversation(
            id: Self.newID(), customer: customer, channel: channel, subject: body.subject ?? "",
            language: body.language, priority: body.priority ?? .normal, queue: body.queue, teamID: body.team,
            tags: body.tags ?? []))
        return try await propose(action, context: context, request: request, status: .created)
    }

    /// A visitor opens a web conversation for themselves, in their widget's queue and team;
    /// routing fields of the body are staff business and are ignored.
    private func createVisitorConversation(
        _ body: CreateConversationRequest, customerID: String, widgetID: String?, context: APIContext, request: Request
    ) async throws -> Response {
        var widget: Widget?
        if let widgetID { widget = try await settled { try await staleMachineRead { $0.desk.widget(id: widgetID) } } }
        let action = Command.Action.createConversation(CreateConversation(
            id: Self.newID(), customer: .existing(id: customerID), channel: .web, subject: body.subject ?? "",
            language: body.language, queue: widget?.queue, teamID: widget?.teamID, tags: body.tags ?? []))
        return try await propose(action, context: context, request: request, status: .created)
    }

    struct AuthorInput: Decodable {
        var type: AuthorType
        var id: String?
    }

    struct PostMessageRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["author", "text", "internal", "attachments"]
        var author: AuthorInput?
        var text: String
        var `internal`: Bool?
        var attachments: [Attachment]?
    }

    private func postMessage(_ request: Request, _ context: APIContext) async throws -> Response {
        let conversationID = try pathID(context)
        let body = try await decodeBody(PostMessageRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let actor = try await author(body.author, conversationID: conversationID, identity: context.identity)
        return try await propose(Self.postMessageAction(body, conversationID: conversationID), actor: actor, request: request, status: .created)
    }

    static func postMessageAction(_ body: PostMessageRequest, conversationID: String) -> Command.Action {
        .postMessage(PostMessage(
            conversationID: conversationID, messageID: newID(), text: body.text,
            attachments: body.attachments ?? [], internal: body.internal ?? false,
            botName: body.author?.type == .bot ? (body.author?.id ?? "bot") : nil))
    }

    /// The message's author; a conversation this node does not know yet is looked up again
    /// once it has applied everything committed (see `settled`) before it is refused.
    private func author(_ author: AuthorInput?, conversationID: String, identity: Identity) async throws -> Actor {
        if let actor = try immediateAuthor(author, conversationID: conversationID, identity: identity) { return actor }
        try await perform { try await replica.read { _ in () } }
        if let actor = try immediateAuthor(author, conversationID: conversationID, identity: identity) { return actor }
        throw APIError.notFound("conversation \(conversationID) does not exist")
    }

    /// Staff post as themselves. The admin token may speak for anyone in a conversation (as
    /// channel integrations do): the author named in the body becomes the command's actor.
    /// Nil when the conversation is not in this node's access entries (or hidden from the
    /// caller), as far as this node has applied.
    func immediateAuthor(_ author: AuthorInput?, conversationID: String, identity: Identity) throws -> Actor? {
        guard case .admin = identity else {
            let ownType: AuthorType = identity.customerID == nil ? .agent : .customer
            let ownID = identity.staffID ?? identity.customerID
            if let author, author.type != ownType || (author.id != nil && author.id != ownID) {
                throw APIError(.forbidden, code: "forbidden", message: "users post only as themselves")
            }
            return node.conversationAccess.isVisible(conversationID, to: identity.viewer) ? identity.actor : nil
        }
        guard let author else { throw APIError.badRequest("missing field \"author\"") }
        switch author.type {
        case .customer:
            return node.conversationAccess.entry(conversationID).map { .customer(id: $0.customerID) }
        case .agent:
            guard let id = author.id else { throw APIError.badRequest("an agent author needs an id") }
            return .staff(id: id, role: .agent)
        case .bot, .system:
            return .system
        }
    }

    private func getConversation(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let viewer = context.identity.viewer
        let conversation = try await query(request) { $0.conversation(id: id).flatMap { viewer.canSee($0) ? $0 : nil } }
        // Hidden and missing look the same, so ids cannot be probed.
        guard let conversation else { throw APIError.notFound("conversation \(id) does not exist") }
        return try jsonResponse(conversation)
    }

    /// Refuses, as not found, a conversation the caller may not see.
    func requireVisible(_ conversationID: String, to identity: Identity) async throws {
        let viewer = identity.viewer
        guard try await settled({ node.conversationAccess.isVisible(conversationID, to: viewer) ? true : nil }) != nil else {
            throw APIError.notFound("conversation \(conversationID) does not exist")
        }
    }

    /// The customer of a conversation, from this node's access entries (see `settled`).
    func customerOfConversation(_ conversationID: String) async throws -> String? {
        try await settled { node.conversationAccess.entry(conversationID)?.customerID }
    }

    /// What `probe` finds in this node's state; when it finds nothing, what it finds once this
    /// node has applied everything committed so far (after a ReadIndex round). A write that
    /// names a conversation, ticket or widget created through another node a moment ago must
    /// not be refused as not found: that node acknowledged the creation as soon as it had
    /// applied it, possibly before this one has.
    func settled<Value>(_ probe: () async throws -> Value?) async throws -> Value? {
        if let value = try await probe() { return value }
        try await perform { try await replica.read { _ in () } }
        return try await probe()
    }

    /// `body` on this node's state machine as it is now (possibly behind the leader).
    func staleMachineRead<Value: Sendable>(_ body: @escaping @Sendable (NodeStateMachine) -> Value?) async throws -> Value? {
        try await perform { try await replica.staleRead { ($0 as? NodeStateMachine).flatMap(body) } }
    }

    /// PATCH body: absent fields stay as they are; `null` clears assignee, queue or team.
    struct UpdateConversationRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["status", "priority", "tags", "assignee", "queue", "team"]
        var status: ConversationStatus?
        var priority: Priority?
        var tags: [String]?
        var assignee: Patch<String>?
        var queue: Patch<String>?
        var team: Patch<String>?
    }

    private func updateConversation(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let body = try await decodeBody(UpdateConversationRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.updateConversation(UpdateConversation(
            conversationID: id, status: body.status, assigneeID: body.assignee, queue: body.queue,
            teamID: body.team, priority: body.priority, tags: body.tags))
        try await requireVisible(id, to: context.identity)
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func listConversations(_ request: Request, _ context: APIContext) async throws -> Response {
        let parameters = request.uri.queryParameters
        var filter = ConversationFilter()
        if let status = parameters.get("status") {
            guard let value = ConversationStatus(rawValue: status) else { throw APIError.badRequest("unknown status \(status)") }
            filter.status = value
        }
        if let assignee = parameters.get("assignee") {
            filter.assignee = assignee == "none" ? .unassigned : .staff(id: assignee)
        }
        filter.queue = parameters.get("queue")
        filter.customerID = parameters.get("customer")
        filter.teamID = parameters.get("team")
        if let channel = parameters.get("channel") {
            guard let value = Channel(rawValue: channel) else { throw APIError.badRequest("unknown channel \(channel)") }
            filter.channel = value
        }
        let limit = try pageLimit(request)
        let cursor = parameters.get("cursor")
        let chosen = filter
        let viewer = context.identity.viewer
        let page = try await query(request) { $0.conversations(matching: chosen, limit: limit, after: cursor, where: viewer.canSee) }
        return try jsonResponse(ItemsPage(items: page.items, nextCursor: page.nextCursor))
    }

    private func listMessages(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let after = try afterParameter(request)
        let limit = try pageLimit(request, default: 100)
        let viewer = context.identity.viewer
        let lookup = try await query(request, machine: { machine in
            machine.messagePage(conversationID: id, afterSeq: after, limit: limit, viewer: viewer)
        })
        switch lookup {
        case .found(let page, let records):
            // Off the Raft thread: the page's messages were written before the read was served.
            return try jsonResponse(ItemsPage(items: try page.read(from: records), nextCursor: nil))
        case .notFound:
            throw APIError.notFound("conversation \(id) does not exist")
        case .storeClosed:
            throw APIError.from(.stopped, directory: replica.status.directory)
        }
    }

    /// How the conversation's staff messages went out through its channel's webhook (the
    /// outbox items of the conversation, oldest first); staff who may see the conversation.
    private func listDeliveries(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let viewer = context.identity.viewer
        guard viewer.isStaff else { throw APIError(.forbidden, code: "forbidden", message: "only staff see deliveries") }
        let limit = try pageLimit(request, default: 500)
        let items = try await query(request) { desk -> [OutboxItem]? in
            guard let conversation = desk.conversation(id: id), viewer.canSee(conversation) else { return nil }
            return desk.outboxItems(conversationID: id, limit: limit)
        }
        guard let items else { throw APIError.notFound("conversation \(id) does not exist") }
        return try jsonResponse(ItemsPage(items: items, nextCursor: nil))
    }

    struct ItemsPage<Item: Encodable>: Encodable {
        var items: [Item]
        var nextCursor: String?
    }

    // MARK: - Plumbing

    /// Reads the desk: linearizable by default, `?consistency=stale` for this node's view.
    func query<Value: Sendable>(_ request: Request, _ body: @escaping @Sendable (Desk) -> Value) async throws -> Value {
        try await query(request, machine: { body($0.desk) })
    }

    /// Reads the node's state machine on its Raft thread, like `query(_:_:)`.
    func query<Value: Sendable>(
        _ request: Request, machine body: @escaping @Sendable (NodeStateMachine) -> Value
    ) async throws -> Value {
        let stale = request.uri.queryParameters.get("consistency") == "stale"
        let read: @Sendable (any ReplicatedStateMachine) -> Value? = { machine in
            (machine as? NodeStateMachine).map(body)
        }
        let value = try await perform { stale ? try await replica.staleRead(read) : try await replica.read(read) }
        guard let value else { throw APIError(.internalServerError, code: "internal", message: "the desk is not loaded") }
        return value
    }

    /// Proposes a desk command as the caller.
    func propose(_ action: Command.Action, context: APIContext, request: Request, status: HTTPResponse.Status) async throws -> Response {
        try await propose(action, actor: context.identity.actor, request: request, status: status)
    }

    /// The `after` query parameter of the listings read by seq or index: 0 when absent.
    func afterParameter(_ request: Request) throws -> UInt64 {
        guard let text = request.uri.queryParameters.get("after") else { return 0 }
        guard let after = UInt64(text) else { throw APIError.badRequest("after must be a whole number, 0 or more") }
        return after
    }

    /// `?limit=`: a positive number, reduced to the desk's page size; anything else is an error.
    func pageLimit(_ request: Request, default value: Int = 50) throws -> Int {
        guard let text = request.uri.queryParameters.get("limit") else { return value }
        guard let limit = Int(text), limit >= 1 else { throw APIError.badRequest("limit must be a positive number") }
        return min(limit, DeskLimits.standard.pageSizeMax)
    }

    /// Proposes a desk command stamped with this node's clock and the request's idempotency key,
    /// and answers with the applied result or the domain's error.
    func propose(_ action: Command.Action, actor: Actor, request: Request, status: HTTPResponse.Status) async throws -> Response {
        let key = try Self.idempotencyKey(in: request.headers)
        let (result, replayed) = try await apply(action, actor: actor, idempotencyKey: key)
        return try resultResponse(result, status: replayed ? .ok : status)
    }

    /// The request's Idempotency-Key, nil without one; one of the wrong length is an error.
    static func idempotencyKey(in headers: HTTPFields) throws -> String? {
        let key = headers.value(of: .idempotencyKey)
        if let key, key.isEmpty || key.utf8.count > 128 {
            throw APIError.badRequest("Idempotency-Key must be 1 to 128 characters")
        }
        return key
    }

    /// Proposes a desk command stamped with this node's clock and waits for its result; the
    /// domain's refusal becomes the matching API error. `replayed` says that the caller's key
    /// was used before, never that a key the server made was (see `DeskProposal`).
    func apply(_ action: Command.Action, actor: Actor, idempotencyKey: String? = nil) async throws -> (DeskResult, replayed: Bool) {
        let proposal = DeskProposal(action, actor: actor, idempotencyKey: idempotencyKey)
        let answer = try await perform { try await replica.proposeForAnswer(proposal.command, retryable: proposal.retryable) }
        let (result, replayed) = try Self.deskResult(answer)
        return (result, proposal.reportsReplay && replayed)
    }

    /// A desk command stamped with this node's clock, framed for the replica. A keyed one is
    /// applied once however often it is proposed, so the replica may send it again to a new
    /// leader (`Replica.propose(_:retryable:deliver:)`).
    ///
    /// Leadership may move before a command is applied: the leader it went to dies or hands
    /// over, or the node that proposed it as leader loses its leadership, with the command
    /// committed or not. One without the client's key therefore gets a key the server makes
    /// (`serverKeyPrefix` and a random UUID), which makes it retryable too: the next leader
    /// applies it once, or answers the first result. Each key takes a place in the desk's
    /// bounded table of recent keys, as a client's does; an action that may simply be applied
    /// again (`repeatsHarmlessly`) gets none and is retryable all the same.
    struct DeskProposal {
        static let serverKeyPrefix = "server-"

        var command: [UInt8]
        var retryable: Bool
        /// Whether a replayed answer may say so: only for the client's own key; a server key
        /// replays only when the first application's answer was lost on the way.
        var reportsReplay: Bool

        init(_ action: Command.Action, actor: Actor, idempotencyKey: String?) {
            let key = idempotencyKey ?? (action.repeatsHarmlessly ? nil : Self.serverKeyPrefix + RandomID.make())
            let command = Command(time: .now, actor: actor, idempotencyKey: key, action: action)
            self.command = NodeStateMachine.command(.desk, command.encoded())
            retryable = true
            reportsReplay = idempotencyKey != nil
        }

        /// The status of a successful answer: `created` unless the client's key replayed it.
        func successStatus(replayed: Bool, created: HTTPResponse.Status) -> HTTPResponse.Status {
            reportsReplay && replayed ? .ok : created
        }
    }

    /// The desk's result in an applied command's answer; its refusal as the matching API error.
    static func deskResult(_ answer: any StateMachineAnswer) throws -> (DeskResult, replayed: Bool) {
        let reply = try DeskAnswer.reply(in: answer)
        switch reply.result {
        case .success(let result): return (result, reply.replayed)
        case .failure(let error): throw APIError(error)
        }
    }

    func pathID(_ context: APIContext) throws -> String {
        guard let id = context.parameters.get("id"), !id.isEmpty, id.utf8.count <= 128 else {
            throw APIError.badRequest("ids are 1 to 128 characters")
        }
        return id
    }

    static func newID() -> String { RandomID.make() }
}

/// A desk result as the API shows it: the entity itself (a conversation with its customer).
struct ResultView: Encodable {
    let result: DeskResult

    init(_ result: DeskResult) { self.result = result }

    func encode(to encoder: any Encoder) throws {
        switch result {
        case .customer(let customer): try customer.encode(to: encoder)
        case .conversation(let conversation, let customer):
            try ConversationView(conversation: conversation, customer: customer).encode(to: encoder)
        case .message(let message): try message.encode(to: encoder)
        case .staff(let user): try StaffView(user).encode(to: encoder)
        case .team(let team): try team.encode(to: encoder)
        case .cannedResponse(let response): try response.encode(to: encoder)
        case .cannedResponseDeleted(let id): try ["id": id, "deleted": "true"].encode(to: encoder)
        case .slots(let map): try map.encode(to: encoder)
        case .widget(let widget): try widget.encode(to: encoder)
        case .typing(let signal): try signal.encode(to: encoder)
        case .queue(let queue): try queue.encode(to: encoder)
        case .routingRule(let rule): try rule.encode(to: encoder)
        case .routingRuleDeleted(let id): try ["id": id, "deleted": "true"].encode(to: encoder)
        case .ticket(let ticket): try ticket.encode(to: encoder)
        case .ticketComment(let comment): try comment.encode(to: encoder)
        case .ticketHistoryEntry(let entry): try entry.encode(to: encoder)
        case .ticketAlert(let alert): try alert.encode(to: encoder)
        case .slaPolicy(let policy): try policy.encode(to: encoder)
        case .businessCalendar(let calendar): try calendar.encode(to: encoder)
        case .channelWebhook(let webhook): try webhook.encode(to: encoder)
        case .outboxItem(let item): try item.encode(to: encoder)
        }
    }

    struct ConversationView: Encodable {
        let conversation: Conversation
        let customer: Customer

        func encode(to encoder: any Encoder) throws {
            try conversation.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(customer, forKey: .customer)
        }

        enum Key: String, CodingKey { case customer }
    }
}

extension APIError {
    /// The domain's refusal, with the status that matches its kind.
    init(_ error: CommandError) {
        switch error.code {
        case .invalid: self.init(.badRequest, code: "invalid", message: error.message)
        case .forbidden: self.init(.forbidden, code: "forbidden", message: error.message)
        case .notFound: self.init(.notFound, code: "not_found", message: error.message)
        case .conflict: self.init(.conflict, code: "conflict", message: error.message)
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}

extension HTTPFields {
    /// The value of field `name` as `self[name]` gives it (every value of a repeated field,
    /// joined with ", "), without building that join for a field that appears once: the
    /// request path reads two fields of every request, and the join's generic code was most
    /// of the cost.
    func value(of name: HTTPField.Name) -> String? {
        var found: String?
        for field in self where field.name == name {
            guard found == nil else { return self[name] }
            found = field.value
        }
        return found
    }
}

extension Timestamp {
    /// This node's clock, as commands are stamped with it.
    static var now: Timestamp {
        Timestamp(millisecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1000))
    }
}

extension APIRoutes.PostMessageRequest: JSONReadable {
    /// Author, text and the internal flag; a body with attachments goes to `JSONDecoder`.
    init?(fields: [(key: String, value: JSONReader.Value)]) {
        var text: String?
        for (key, value) in fields {
            switch (key, value) {
            case ("text", .string(let string)): text = string
            case ("internal", .bool(let flag)): self.internal = flag
            case ("internal", .null), ("author", .null): continue
            case ("author", .object(let authorFields)):
                guard let author = APIRoutes.AuthorInput(fields: authorFields) else { return nil }
                self.author = author
            default: return nil
            }
        }
        guard let text else { return nil }
        self.text = text
    }
}

extension APIRoutes.AuthorInput {
    /// `type` and `id`; like the synthesized decoder, other keys are ignored.
    init?(fields: [(key: String, value: JSONReader.Value)]) {
        var type: AuthorType?
        for (key, value) in fields {
            switch (key, value) {
            case ("type", .string(let name)):
                guard let named = AuthorType(rawValue: name) else { return nil }
                type = named
            case ("id", .string(let id)): self.id = id
            case ("id", .null): continue
            case ("type", _), ("id", _): return nil
            default: continue
            }
        }
        guard let type else { return nil }
        self.type = type
    }
}
