import Foundation
import ServiceDesk

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Delivers outbox items to their channel's webhook: one signed JSON POST per attempt.
///
/// The POST carries `X-Switchboard-Delivery` (the item id, the same on every attempt),
/// `X-Switchboard-Timestamp` (seconds since the epoch) and `X-Switchboard-Signature`:
/// `v1=` and the hex HMAC-SHA256, keyed by the webhook's secret, of the timestamp, a dot and
/// the body. Delivery is at least once: an attempt whose outcome the cluster did not record
/// (the slot owner died after posting) is made again by the next owner, so receivers drop a
/// delivery id they have seen.
struct OutboxDeliverer: Sendable {
    struct Settings: Sendable {
        var timeoutSeconds: Double = 10
        /// The wait after the first failure; it doubles with each failure after it.
        var retryBaseMilliseconds: Int64 = 1_000
        var retryMaxMilliseconds: Int64 = 300_000
    }

    var settings = Settings()

    /// Posts the item and says what to record of it.
    func attempt(_ delivery: OutboxDelivery, now: Date = Date()) async -> RecordOutboxDelivery {
        let outcome: String?
        do {
            let (_, response) = try await URLSession.shared.data(for: try request(for: delivery, now: now))
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            outcome = (200..<300).contains(status) ? nil : "the webhook answered HTTP \(status)"
        } catch {
            outcome = "the webhook could not be reached: \(error.localizedDescription)"
        }
        guard let outcome else { return RecordOutboxDelivery(itemID: delivery.item.id, fence: delivery.fence, delivered: true) }
        return RecordOutboxDelivery(
            itemID: delivery.item.id, fence: delivery.fence, delivered: false, error: Self.truncated(outcome, bytesMax: 500),
            retryAt: retryAt(afterAttempt: delivery.item.attempts + 1, now: Timestamp.now))
    }

    /// At most `bytesMax` bytes of `text`, cut at a character: the desk refuses a longer error.
    static func truncated(_ text: String, bytesMax: Int) -> String {
        guard text.utf8.count > bytesMax else { return text }
        var kept = ""
        for character in text {
            guard kept.utf8.count + character.utf8.count <= bytesMax - 3 else { break }
            kept.append(character)
        }
        return kept + "…"
    }

    /// The scheme, host and port of a webhook URL, for logs: a path or query may hold a token.
    static func origin(of url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host else {
            return "(unparsable URL)"
        }
        return "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// When to try again after the `attempt`th attempt failed.
    func retryAt(afterAttempt attempt: Int, now: Timestamp) -> Timestamp {
        let doublings = Int64(min(max(attempt - 1, 0), 30))
        let wait = min(settings.retryBaseMilliseconds << doublings, settings.retryMaxMilliseconds)
        return Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + wait)
    }

    func request(for delivery: OutboxDelivery, now: Date) throws -> URLRequest {
        guard let url = URL(string: delivery.webhook.url) else { throw OptionsError("bad webhook URL \(delivery.webhook.url)") }
        let body = try Self.payload(delivery)
        let timestamp = String(Int64(now.timeIntervalSince1970))
        var request = URLRequest(url: url, timeoutInterval: settings.timeoutSeconds)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("switchboard", forHTTPHeaderField: "User-Agent")
        request.setValue(delivery.item.id, forHTTPHeaderField: "X-Switchboard-Delivery")
        request.setValue(timestamp, forHTTPHeaderField: GatewaySignature.timestampField.rawName)
        request.setValue(
            GatewaySignature.sign(secret: delivery.webhook.secret, timestamp: timestamp, body: Array(body)),
            forHTTPHeaderField: GatewaySignature.signatureField.rawName)
        return request
    }

    /// What the gateway gets: the notification, whom it is for, and which attempt this is.
    struct Payload: Encodable {
        var id: String
        var kind: OutboxKind
        var channel: Channel
        /// The ticket of a `reply` or `solved` notice.
        var ticketId: String?
        /// The conversation and message of a `message`.
        var conversationId: String?
        var messageId: String?
        var text: String
        var attachments: [Attachment]?
        var createdAt: Timestamp
        var attempt: Int
        var customer: GatewayCustomer
    }

    static func payload(_ delivery: OutboxDelivery) throws -> Data {
        let item = delivery.item
        let customer = delivery.customer
        let recipient = GatewayCustomer(
            id: item.customerID, externalId: customer?.externalIDs[item.channel], name: customer?.name,
            email: customer?.email, phone: customer?.phone, language: customer?.language)
        return try JSONEncoder.sorted.encode(Payload(
            id: item.id, kind: item.kind, channel: item.channel, ticketId: item.ticketID,
            conversationId: item.conversationID, messageId: item.messageID, text: item.text, attachments: item.attachments,
            createdAt: item.createdAt, attempt: item.attempts + 1, customer: recipient))
    }
}
