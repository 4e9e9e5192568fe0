import Crypto
import Foundation
import HTTPTypes
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
        var customer: InboundCustomer
        var text: String
        var attachments: [Attachment]?
    }

    struct InboundCustomer: Decodable {
        /// The customer's id on the channel (WeChat OpenID, Messenger PSID, address, number).
        var externalId: String
        var name: String?
        var email: String?
        var phone: String?
        var language: String?
    }

    /// Verifies the signature, finds or creates the customer (by their id on the channel) and
    /// their newest conversation there unless it is closed, and posts the message as the
    /// customer, keyed by the channel's message id.
    private func receiveInbound(_ request: Request, _ context: APIContext) async throws -> Response {
        let channel = try channelParameter(context)
        let body = Array(try await collectBody(request, bytesMax: node.options.requestBodyBytesMax).readableBytesView)
        let secret = try await staleMachineRead { machine in machine.desk.channelWebhooks().first { $0.channel == channel }?.secret } ?? nil
        guard let secret else { throw APIError.notFound("channel \(channel.rawValue) has no webhook") }
        try InboundSignature.verify(request.headers, body: body, secret: secret, now: Date())
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
    private func inboundCustomer(_ customer: InboundCustomer, on channel: Channel) async throws -> String {
        let externalID = customer.externalId
        guard !externalID.isEmpty, externalID.utf8.count <= DeskLimits.standard.idBytesMax else {
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
        return "inbound-\(what)-" + digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// The check of an inbound request's `X-Switchboard-Timestamp` and `X-Switchboard-Signature`
/// (`v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under the channel's secret).
enum InboundSignature {
    /// How far the timestamp may be from this node's clock, so a captured request cannot be
    /// replayed later.
    static let toleranceSeconds: Int64 = 300

    static let timestampField = HTTPField.Name("X-Switchboard-Timestamp")!
    static let signatureField = HTTPField.Name("X-Switchboard-Signature")!

    static func verify(_ headers: HTTPFields, body: [UInt8], secret: String, now: Date) throws {
        // Bounds rather than a difference: any Int64 may arrive, and a subtraction could overflow.
        let nowSeconds = Int64(now.timeIntervalSince1970)
        guard let timestamp = headers[timestampField], let seconds = Int64(timestamp),
            seconds >= nowSeconds - toleranceSeconds, seconds <= nowSeconds + toleranceSeconds
        else { throw refusal("X-Switchboard-Timestamp is missing or more than \(toleranceSeconds) s from now") }
        guard let signature = headers[signatureField], signature.hasPrefix("v1="),
            let mac = hexBytes(signature.dropFirst(3)), mac.count == 32
        else { throw refusal("X-Switchboard-Signature is missing or malformed") }
        let signed = Array(timestamp.utf8) + [UInt8(ascii: ".")] + body
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: SymmetricKey(data: Array(secret.utf8))) else {
            throw refusal("the signature does not match")
        }
    }

    private static func refusal(_ message: String) -> APIError {
        APIError(.unauthorized, code: "bad_signature", message: message)
    }

    private static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
