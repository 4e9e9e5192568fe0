import Foundation
import ServiceDesk
import Testing
@testable import Server

/// The courier's request: signature, headers, payload and retry schedule.
struct OutboxDelivererTests {
    private func delivery(attempts: Int = 0) -> OutboxDelivery {
        var item = OutboxItem(
            index: 812, ordinal: 0, channel: .wechat, customerID: "c1", ticketID: "k1", kind: .solved,
            text: "Solved.", createdAt: Timestamp(millisecondsSinceEpoch: 1_700_000_000_000))
        item.attempts = attempts
        let webhook = ChannelWebhook(
            channel: .wechat, url: "https://gateway.example/wechat", secret: "whsec_test-secret-0123456789abcdefghij",
            createdAt: Timestamp(millisecondsSinceEpoch: 0), updatedAt: Timestamp(millisecondsSinceEpoch: 0))
        let customer = Customer(
            id: "c1", name: "Li Wei", language: "zh-CN", externalIDs: [.wechat: "wx-1", .weibo: "wb-1"],
            createdAt: Timestamp(millisecondsSinceEpoch: 0), updatedAt: Timestamp(millisecondsSinceEpoch: 0))
        return OutboxDelivery(item: item, fence: SlotFence(slot: 1, epoch: 2, owner: 3), webhook: webhook, customer: customer)
    }

    @Test func theSignatureIsAnHMACOfTheTimestampAndTheBody() {
        // Computed independently: Python's hmac.new(secret, b'1700000000.{"a":1}', sha256).
        let signature = GatewaySignature.sign(
            secret: "whsec_test-secret-0123456789abcdefghij", timestamp: "1700000000", body: Array(#"{"a":1}"#.utf8))
        #expect(signature == "v1=9b0d9f8e6c0292eaa7ad19181a0f4bc088d183105e62e1b9eefb5b9201dfb64a")
    }

    @Test func theRequestCarriesTheDeliveryIdTimestampAndASignatureOfItsBody() throws {
        let request = try OutboxDeliverer().request(for: delivery(attempts: 2), now: Date(timeIntervalSince1970: 1_700_000_123))
        #expect(request.httpMethod == "POST" && request.url?.absoluteString == "https://gateway.example/wechat")
        #expect(request.value(forHTTPHeaderField: "X-Switchboard-Delivery") == "812.0")
        #expect(request.value(forHTTPHeaderField: "X-Switchboard-Timestamp") == "1700000123")
        let body = try #require(request.httpBody)
        #expect(request.value(forHTTPHeaderField: "X-Switchboard-Signature") == GatewaySignature.sign(
            secret: "whsec_test-secret-0123456789abcdefghij", timestamp: "1700000123", body: Array(body)))
        let payload = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        #expect(payload["id"] as? String == "812.0" && payload["kind"] as? String == "solved" && payload["attempt"] as? Int == 3)
        let customer = try #require(payload["customer"] as? [String: Any])
        #expect(customer["externalId"] as? String == "wx-1" && customer["language"] as? String == "zh-CN")
    }

    @Test func retriesWaitTwiceAsLongEachTimeUpToTheMaximum() {
        var settings = OutboxDeliverer.Settings()
        settings.retryBaseMilliseconds = 1_000
        settings.retryMaxMilliseconds = 5_000
        let courier = OutboxDeliverer(settings: settings)
        let now = Timestamp(millisecondsSinceEpoch: 10_000)
        #expect((1...5).map { courier.retryAt(afterAttempt: $0, now: now).millisecondsSinceEpoch - 10_000 } == [1_000, 2_000, 4_000, 5_000, 5_000])
        #expect(courier.retryAt(afterAttempt: 500, now: now).millisecondsSinceEpoch == 15_000)
    }

    @Test func errorsAreCutToWhatTheDeskTakesAndLogsShowNoPathOrQuery() {
        let long = String(repeating: "é", count: 400)
        let cut = OutboxDeliverer.truncated(long, bytesMax: 500)
        #expect(cut.utf8.count <= 500 && cut.hasSuffix("…") && cut.hasPrefix("éé"))
        #expect(OutboxDeliverer.truncated("short", bytesMax: 500) == "short")
        #expect(OutboxDeliverer.origin(of: "https://gw.example:8443/hooks/SECRET?token=abc") == "https://gw.example:8443")
        #expect(OutboxDeliverer.origin(of: "http://127.0.0.1/x") == "http://127.0.0.1")
    }

    @Test func anUnreachableWebhookIsAFailureWithARetry() async throws {
        var unreachable = delivery()
        // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
        unreachable.webhook.url = "http://127.0.0.1:9/hook"
        let outcome = await OutboxDeliverer().attempt(unreachable)
        #expect(!outcome.delivered && outcome.retryAt != nil)
        #expect(outcome.error?.contains("could not be reached") == true)
        #expect(outcome.itemID == "812.0" && outcome.fence == SlotFence(slot: 1, epoch: 2, owner: 3))
    }
}
