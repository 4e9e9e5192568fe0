import Foundation
import Hummingbird
import ServiceDesk

/// The channel layer's webhooks: where each channel's customer notifications (the outbox)
/// are delivered.
extension APIRoutes {
    func addChannelRoutes(to api: RouterGroup<APIContext>) {
        api.get("/channels/webhooks") { request, context in try await listWebhooks(request, context) }
        api.put("/channels/:channel/webhook") { request, context in try await setWebhook(request, context) }
        api.delete("/channels/:channel/webhook") { request, context in try await removeWebhook(request, context) }
    }

    /// A webhook as listed: never with its secret.
    struct WebhookView: Encodable {
        var channel: Channel
        var url: String
        var createdAt: Timestamp
        var updatedAt: Timestamp
        /// Only in the answer to the request that made it.
        var secret: String?

        init(_ webhook: ChannelWebhook, showingSecret: Bool = false) {
            channel = webhook.channel
            url = webhook.url
            createdAt = webhook.createdAt
            updatedAt = webhook.updatedAt
            secret = showingSecret ? webhook.secret : nil
        }
    }

    struct SetWebhookRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["url", "rotateSecret"]
        var url: String
        /// Make a new signing secret for an existing webhook (a new webhook always gets one).
        var rotateSecret: Bool?
    }

    private func listWebhooks(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.admin, to: "read channel webhooks")
        let webhooks = try await query(request) { $0.channelWebhooks() }
        return try jsonResponse(ItemsPage(items: webhooks.map { WebhookView($0) }, nextCursor: nil))
    }

    private func setWebhook(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.admin, to: "manage channel webhooks")
        let channel = try channelParameter(context)
        let body = try await decodeBody(SetWebhookRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let exists = try await staleMachineRead { machine in machine.desk.channelWebhooks().contains { $0.channel == channel } } ?? false
        let secret = body.rotateSecret == true || !exists ? Self.newWebhookSecret() : nil
        let action = Command.Action.setChannelWebhook(SetChannelWebhook(channel: channel, url: body.url, secret: secret))
        let (result, replayed) = try await apply(action, actor: context.identity.actor, idempotencyKey: try Self.idempotencyKey(in: request.headers))
        guard case .channelWebhook(let webhook) = result else { throw APIError(.internalServerError, code: "internal", message: "unexpected result") }
        // A retry with the same key (the same admin) answers the first result, secret included:
        // its first answer may be the one that was lost.
        let showingSecret = replayed || (secret != nil && webhook.secret == secret)
        return try jsonResponse(WebhookView(webhook, showingSecret: showingSecret), status: exists || replayed ? .ok : .created)
    }

    private func removeWebhook(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.admin, to: "manage channel webhooks")
        let channel = try channelParameter(context)
        let action = Command.Action.setChannelWebhook(SetChannelWebhook(channel: channel, url: nil, secret: nil))
        let (result, _) = try await apply(action, actor: context.identity.actor)
        guard case .channelWebhook(let webhook) = result else { throw APIError(.internalServerError, code: "internal", message: "unexpected result") }
        return try jsonResponse(WebhookView(webhook))
    }

    func channelParameter(_ context: APIContext) throws -> Channel {
        guard let text = context.parameters.get("channel"), let channel = Channel(rawValue: text) else {
            let known = Channel.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest("channel must be one of \(known)")
        }
        return channel
    }

    /// 32 random bytes, base64url, behind a prefix that says what the value is.
    static func newWebhookSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return "whsec_" + TokenSigner.base64URL((0..<32).map { _ in generator.next() })
    }
}
