import Crypto
import Foundation
import Hummingbird
import ServiceDesk

/// Customer messages a channel's gateway brings in: `POST /v1/channels/{channel}/inbound`,
/// signed like the deliveries it gets (the channel webhook's secret), so it needs no token.
extension APIRoutes {
    func addOpenChannelRoutes(to open: RouterGroup<APIContext>) {
        open.post("/channels/:channel/inbound") { request, context in try await receiveInbound(request, context) }
    }

    struct InboundRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["messageId", "customer", "text", "attachments"]
        /// The channel's own id of the message (a WeChat MsgId, an email Message-ID): the same
        /// message brought in twice is posted once.
        var messageId: String
        var customer: GatewayCustomer
        var text: String
        var attachments: [Attachment]?
    }

    /// Verifies the signature, finds or creates the customer (by their id on the channel) and
    /// their newest conversation there unless it is closed, and posts the message as the
    /// customer, keyed by the channel's message id.
    private func receiveInbound(_ request: Request, _ context: APIContext) async throws -> Response {
        let channel = try channelParameter(context)
        let body = Array(try await collectBody(request, bytesMax: node.options.requestBodyBytesMax).readableBytesView)
        let secret = try await staleMachineRead { machine in machine.desk.channelWebhooks().first { $0.channel == channel }?.secret } ?? nil
        guard let secret else { throw APIError.notFound("channel \(channel.rawValue) has no webhook") }
        try GatewaySignature.verify(request.headers, body: body, secret: secret, now: Date())
        let inbound = try decodeJSON(InboundRequest.self, from: Data(body))
        guard !inbound.messageId.isEmpty, inbound.messageId.utf8.count <= 256 else {
            throw APIError.badRequest("messageId must be 1 to 256 bytes")
        }
        let customerID = try await inboundCustomer(inbound.customer, on: channel)
        let conversationID = try await inboundConversation(customerID: customerID, on: channel)
        let action = Command.Action.postMessage(PostMessage(
            conversationID: conversationID, messageID: Self.newID(), text: inbound.text, attachments: inbound.attachments ?? []))
        let key = Self.inboundKey("message", channel, inbound.messageId)
        let (result, replayed) = try await apply(action, actor: .customer(id: customerID), idempotencyKey: key)
        return try resultResponse(result, status: replayed ? .ok : .created)
    }

    /// The customer known on `channel` by the id, created the first time (one of two racing
    /// first messages creates it, the key makes the other answer the same customer).
    private func inboundCustomer(_ customer: GatewayCustomer, on channel: Channel) async throws -> String {
        guard let externalID = customer.externalId, !externalID.isEmpty, externalID.utf8.count <= DeskLimits.standard.idBytesMax else {
            throw APIError.badRequest("customer.externalId must be 1 to \(DeskLimits.standard.idBytesMax) bytes")
        }
        let known = try await staleMachineRead { $0.desk.customer(channel: channel, externalID: externalID)?.id } ?? nil
        if let known { return known }
        let action = Command.Action.createCustomer(CreateCustomer(
            id: Self.newID(), name: customer.name.flatMap { $0.isEmpty ? nil : $0 } ?? "Customer", email: customer.email,
            phone: customer.phone, language: customer.language, externalIDs: [channel: externalID]))
        guard case (.customer(let created), _) = try await apply(action, actor: .system, idempotencyKey: Self.inboundKey("customer", channel, externalID))
        else { throw APIError(.internalServerError, code: "internal", message: "unexpected result") }
        return created.id
    }

    /// The customer's newest conversation on `channel` unless it is closed, else a new one.
    /// The new one is keyed by the conversation it follows (none, or the closed one), so that
    /// messages brought in at the same moment, on any nodes, open one conversation, not several.
    private func inboundConversation(customerID: String, on channel: Channel) async throws -> String {
        let newest = try await staleMachineRead { $0.desk.newestConversation(customerID: customerID, channel: channel) } ?? nil
        if let newest, newest.status != .closed { return newest.id }
        let action = Command.Action.createConversation(CreateConversation(id: Self.newID(), customer: .existing(id: customerID), channel: channel))
        let key = Self.inboundKey("conversation", channel, customerID + "\n" + (newest?.id ?? ""))
        guard case (.conversation(let conversation, _), _) = try await apply(action, actor: .system, idempotencyKey: key)
        else { throw APIError(.internalServerError, code: "internal", message: "unexpected result") }
        return conversation.id
    }

    /// An idempotency key from channel values of any length and alphabet: a hash of them.
    static func inboundKey(_ what: String, _ channel: Channel, _ value: String) -> String {
        let digest = SHA256.hash(data: Array("\(channel.rawValue)\n\(value)".utf8))
        return "inbound-\(what)-" + Hex.encode(digest)
    }
}
