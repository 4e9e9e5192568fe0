import Foundation
import Hummingbird
import Replica
import ServiceDesk

/// Queues, routing rules, and what agents and customers do to routing: accept, decline,
/// transfer, re-route, sentiment and rating.
extension APIRoutes {
    func addRoutingRoutes(to api: RouterGroup<APIContext>) {
        api.post("/queues") { request, context in try await createQueue(request, context) }
        api.get("/queues") { request, context in try await listQueues(request, context) }
        api.get("/queues/:id") { request, context in try await getQueue(request, context) }
        api.patch("/queues/:id") { request, context in try await updateQueue(request, context) }
        api.post("/routing-rules") { request, context in try await createRule(request, context) }
        api.get("/routing-rules") { request, context in try await listRules(request, context) }
        api.patch("/routing-rules/:id") { request, context in try await updateRule(request, context) }
        api.delete("/routing-rules/:id") { request, context in try await deleteRule(request, context) }
        api.post("/conversations/:id/accept") { request, context in try await answerOffer(request, context, accept: true) }
        api.post("/conversations/:id/decline") { request, context in try await answerOffer(request, context, accept: false) }
        api.post("/conversations/:id/transfer") { request, context in try await transfer(request, context) }
        api.post("/conversations/:id/reroute") { request, context in try await reroute(request, context) }
        api.put("/conversations/:id/sentiment") { request, context in try await setSentiment(request, context) }
        api.post("/conversations/:id/rating") { request, context in try await rate(request, context) }
    }

    // MARK: - Queues

    struct CreateQueueRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = [
            "id", "name", "teamID", "requiredSkills", "language", "strategy", "offerTimeoutSeconds", "overflowQueueID",
            "overflowAfterSeconds", "stickinessWaitSeconds",
        ]
        var id: String
        var name: String
        var teamID: String?
        var requiredSkills: [String: Int]?
        var language: String?
        var strategy: RoutingStrategy?
        var offerTimeoutSeconds: Int?
        var overflowQueueID: String?
        var overflowAfterSeconds: Int?
        var stickinessWaitSeconds: Int?
    }

    private func createQueue(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.supervisor, to: "manage queues")
        let body = try await decodeBody(CreateQueueRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.createQueue(CreateQueue(
            id: body.id, name: body.name, teamID: body.teamID, requiredSkills: body.requiredSkills ?? [:],
            language: body.language, strategy: body.strategy ?? .leastLoaded, offerTimeoutSeconds: body.offerTimeoutSeconds ?? 0,
            overflowQueueID: body.overflowQueueID, overflowAfterSeconds: body.overflowAfterSeconds ?? 0,
            stickinessWaitSeconds: body.stickinessWaitSeconds ?? 0))
        return try await propose(action, context: context, request: request, status: .created)
    }

    /// PATCH body: absent fields stay; `null` clears teamID, language or overflowQueueID.
    struct UpdateQueueRequest: Decodable, KnownFields {
        static let knownFields = CreateQueueRequest.knownFields.subtracting(["id"])
        var name: String?
        var teamID: Patch<String>?
        var requiredSkills: [String: Int]?
        var language: Patch<String>?
        var strategy: RoutingStrategy?
        var offerTimeoutSeconds: Int?
        var overflowQueueID: Patch<String>?
        var overflowAfterSeconds: Int?
        var stickinessWaitSeconds: Int?
    }

    private func updateQueue(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.supervisor, to: "manage queues")
        let body = try await decodeBody(UpdateQueueRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.updateQueue(UpdateQueue(
            queueID: id, name: body.name, teamID: body.teamID, requiredSkills: body.requiredSkills, language: body.language,
            strategy: body.strategy, offerTimeoutSeconds: body.offerTimeoutSeconds, overflowQueueID: body.overflowQueueID,
            overflowAfterSeconds: body.overflowAfterSeconds, stickinessWaitSeconds: body.stickinessWaitSeconds))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func listQueues(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.agent, to: "list queues")
        let queues = try await query(request) { $0.allQueues() }
        return try jsonResponse(ItemsPage(items: queues, nextCursor: nil))
    }

    private func getQueue(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.agent, to: "read queues")
        guard let queue = try await query(request, { $0.queue(id: id) }) else { throw APIError.notFound("queue \(id) does not exist") }
        return try jsonResponse(queue)
    }

    // MARK: - Routing rules

    /// Rule conditions as clients send them: every field optional.
    struct ConditionsInput: Decodable {
        var channels: [Channel]?
        var languages: [String]?
        var tags: [String]?
        var tier: CustomerTier?
        var sentiments: [Sentiment]?
        var returningCustomer: Bool?

        var conditions: RoutingConditions {
            RoutingConditions(
                channels: channels ?? [], languages: languages ?? [], tags: tags ?? [], tier: tier,
                sentiments: sentiments ?? [], returningCustomer: returningCustomer)
        }
    }

    struct CreateRuleRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["id", "name", "position", "enabled", "conditions", "queueID", "raisePriorityTo"]
        var id: String?
        var name: String
        var position: Int?
        var enabled: Bool?
        var conditions: ConditionsInput?
        var queueID: String
        var raisePriorityTo: Priority?
    }

    private func createRule(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.supervisor, to: "manage routing rules")
        let body = try await decodeBody(CreateRuleRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.createRoutingRule(CreateRoutingRule(
            id: body.id ?? Self.newID(), name: body.name, position: body.position ?? 0, enabled: body.enabled ?? true,
            conditions: body.conditions?.conditions ?? RoutingConditions(), queueID: body.queueID,
            raisePriorityTo: body.raisePriorityTo))
        return try await propose(action, context: context, request: request, status: .created)
    }

    /// PATCH body: absent fields stay; `conditions` replaces all conditions; `null` clears
    /// raisePriorityTo.
    struct UpdateRuleRequest: Decodable, KnownFields {
        static let knownFields = CreateRuleRequest.knownFields.subtracting(["id"])
        var name: String?
        var position: Int?
        var enabled: Bool?
        var conditions: ConditionsInput?
        var queueID: String?
        var raisePriorityTo: Patch<Priority>?
    }

    private func updateRule(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.supervisor, to: "manage routing rules")
        let body = try await decodeBody(UpdateRuleRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.updateRoutingRule(UpdateRoutingRule(
            ruleID: id, name: body.name, position: body.position, enabled: body.enabled, conditions: body.conditions?.conditions,
            queueID: body.queueID, raisePriorityTo: body.raisePriorityTo))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func deleteRule(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.supervisor, to: "manage routing rules")
        return try await propose(.deleteRoutingRule(DeleteRoutingRule(ruleID: id)), context: context, request: request, status: .ok)
    }

    /// In evaluation order.
    private func listRules(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.agent, to: "list routing rules")
        let rules = try await query(request) { $0.orderedRoutingRules() }
        return try jsonResponse(ItemsPage(items: rules, nextCursor: nil))
    }

    // MARK: - Conversations

    /// Accept or decline: the desk checks that the caller is the agent offered the conversation.
    private func answerOffer(_ request: Request, _ context: APIContext, accept: Bool) async throws -> Response {
        let id = try pathID(context)
        try await requireVisible(id, to: context.identity)
        let action: Command.Action =
            accept
            ? .acceptConversation(AcceptConversation(conversationID: id))
            : .declineConversation(DeclineConversation(conversationID: id))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    struct TransferConversationRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["toAgent", "toQueue", "note"]
        var toAgent: String?
        var toQueue: String?
        var note: String?
    }

    private func transfer(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let body = try await decodeBody(TransferConversationRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let target: TransferTarget
        switch (body.toAgent, body.toQueue) {
        case (let agent?, nil): target = .agent(id: agent)
        case (nil, let queue?): target = .queue(id: queue)
        default: throw APIError.badRequest("name exactly one of toAgent and toQueue")
        }
        try await requireVisible(id, to: context.identity)
        let action = Command.Action.transferConversation(TransferConversation(
            conversationID: id, target: target, note: body.note, noteMessageID: Self.newID()))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func reroute(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try await requireVisible(id, to: context.identity)
        return try await propose(.rerouteConversation(RerouteConversation(conversationID: id)), context: context, request: request, status: .ok)
    }

    /// `{"sentiment": "angry"}`; `null` clears it.
    struct SentimentRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["sentiment"]
        var sentiment: Sentiment?

        enum Key: String, CodingKey { case sentiment }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            sentiment = try container.decodeNil(forKey: .sentiment) ? nil : try container.decode(Sentiment.self, forKey: .sentiment)
        }
    }

    private func setSentiment(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let body = try await decodeBody(SentimentRequest.self, from: request, bytesMax: 4_096)
        try await requireVisible(id, to: context.identity)
        let action = Command.Action.setSentiment(SetSentiment(conversationID: id, sentiment: body.sentiment))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    struct RatingRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["score", "comment"]
        var score: Int
        var comment: String?
    }

    /// Customers reach the API through integrations holding the admin token, which rate on
    /// the customer's behalf: the command's actor is the conversation's customer.
    private func rate(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let body = try await decodeBody(RatingRequest.self, from: request, bytesMax: 16_384)
        let action = Command.Action.rateConversation(RateConversation(conversationID: id, score: body.score, comment: body.comment))
        if case .customer = context.identity {
            // A visitor rates their own conversation (the desk checks it is theirs).
            try await requireVisible(id, to: context.identity)
            return try await propose(action, context: context, request: request, status: .ok)
        }
        guard case .admin = context.identity else {
            throw APIError(.forbidden, code: "forbidden", message: "only the customer rates a conversation (or the admin token for them)")
        }
        guard let customerID = try await customerOfConversation(id) else {
            throw APIError.notFound("conversation \(id) does not exist")
        }
        return try await propose(action, actor: .customer(id: customerID), request: request, status: .ok)
    }
}
