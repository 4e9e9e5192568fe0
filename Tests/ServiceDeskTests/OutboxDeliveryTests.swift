import Foundation
import Testing
@testable import ServiceDesk

extension Harness {
    static let secret = String(repeating: "s", count: 40)

    /// A desk whose slots all belong to node 1, with a WeChat webhook and ticket `k1` of
    /// customer `c1` (on WeChat) that has one public reply in the outbox.
    static func withOutbox() -> Harness {
        var harness = Harness.populated()
        harness.ok(.system, .assignSlots(AssignSlots(moves: (0..<SlotMap.slotCount).map { SlotMove(slot: $0, owner: 1) })))
        harness.ok(Harness.admin, .setChannelWebhook(SetChannelWebhook(channel: .wechat, url: "https://gateway.example/wechat", secret: secret)))
        harness.ok(Harness.agent, .createTicket(CreateTicket(id: "k1", subject: "Parcel", conversationID: "v1")))
        harness.ok(Harness.agent, Harness.comment("On its way"))
        return harness
    }

    func deliveries(owner: UInt64 = 1, at now: Timestamp? = nil) -> [OutboxDelivery] {
        desk.dueDeliveries(
            ownedSlots: Set(0..<SlotMap.slotCount), owner: owner,
            now: now ?? Timestamp(millisecondsSinceEpoch: time + 1_000), limit: 10)
    }

    func outboxItem() -> OutboxItem { desk.outboxItems(limit: 10)[0] }
}

@Suite struct OutboxDeliveryTests {
    @Test func aPendingItemOfAChannelWithAWebhookIsDueForItsSlotOwner() throws {
        var harness = Harness.withOutbox()
        let due = harness.deliveries()
        #expect(due.count == 1)
        let delivery = try #require(due.first)
        #expect(delivery.item.text == "On its way" && delivery.item.status == .pending && delivery.item.attempts == 0)
        #expect(delivery.webhook.url == "https://gateway.example/wechat" && delivery.customer?.externalIDs[.wechat] == "wx-1")
        #expect(delivery.fence == harness.fence())
        #expect(harness.deliveries(owner: 2).isEmpty, "only the slot's owner delivers")
        harness.ok(Harness.admin, .setChannelWebhook(SetChannelWebhook(channel: .wechat, url: nil, secret: nil)))
        #expect(harness.deliveries().isEmpty, "without a webhook the item waits")
        #expect(harness.outboxItem().status == .pending)
    }

    @Test func aDeliveredItemIsRecordedOnceAndStored() throws {
        var harness = Harness.withOutbox()
        let item = harness.outboxItem()
        let result = harness.ok(.system, .recordOutboxDelivery(RecordOutboxDelivery(itemID: item.id, fence: harness.fence(), delivered: true)))
        guard case .outboxItem(let delivered)? = result else {
            Issue.record("no item: \(String(describing: result))")
            return
        }
        #expect(delivered.status == .delivered && delivered.attempts == 1 && delivered.deliveredAt != nil)
        #expect(harness.outboxItem() == delivered)
        #expect(harness.deliveries().isEmpty)
        #expect(harness.desk.outboxItems(status: .delivered, limit: 10) == [delivered])
        #expect(harness.desk.outboxItems(status: .pending, limit: 10).isEmpty)
        harness.rejects(.system, .recordOutboxDelivery(RecordOutboxDelivery(itemID: item.id, fence: harness.fence(), delivered: true)), .conflict)
        #expect(try Desk(records: harness.desk.records()) == harness.desk)
    }

    @Test func aFailedAttemptWaitsForItsRetryAndTheLastOneGivesUp() throws {
        var limits = DeskLimits()
        limits.outboxAttemptsMax = 2
        let unlimited = Harness.withOutbox()
        var harness = Harness(limits: limits)
        harness.desk = try Desk(records: unlimited.desk.records(), limits: limits)
        (harness.time, harness.index) = (unlimited.time, unlimited.index)
        let item = harness.outboxItem()
        let retryAt = Timestamp(millisecondsSinceEpoch: harness.time + 60_000)
        harness.ok(.system, .recordOutboxDelivery(RecordOutboxDelivery(
            itemID: item.id, fence: harness.fence(), delivered: false, error: "HTTP 503", retryAt: retryAt)))
        var failed = harness.outboxItem()
        #expect(failed.status == .pending && failed.attempts == 1 && failed.nextAttemptAt == retryAt && failed.lastError == "HTTP 503")
        #expect(harness.deliveries().isEmpty, "not before its retry")
        #expect(harness.deliveries(at: retryAt).count == 1)
        harness.ok(.system, .recordOutboxDelivery(RecordOutboxDelivery(
            itemID: item.id, fence: harness.fence(), delivered: false, error: "HTTP 500", retryAt: retryAt)))
        failed = harness.outboxItem()
        #expect(failed.status == .failed && failed.attempts == 2 && failed.failedAt != nil && failed.nextAttemptAt == nil)
        #expect(harness.deliveries(at: retryAt).isEmpty)
    }

    @Test func onlyTheSlotOwnerUnderTheCurrentFenceRecordsAttempts() {
        var harness = Harness.withOutbox()
        let item = harness.outboxItem()
        var stale = harness.fence()
        stale.epoch += 1
        harness.rejects(.system, .recordOutboxDelivery(RecordOutboxDelivery(itemID: item.id, fence: stale, delivered: true)), .conflict)
        harness.rejects(Harness.admin, .recordOutboxDelivery(RecordOutboxDelivery(itemID: item.id, fence: harness.fence(), delivered: true)), .forbidden)
        harness.rejects(.system, .recordOutboxDelivery(RecordOutboxDelivery(itemID: "99.0", fence: harness.fence(), delivered: true)), .notFound)
        harness.rejects(.system, .recordOutboxDelivery(RecordOutboxDelivery(itemID: "nonsense", fence: harness.fence(), delivered: true)), .notFound)
    }

    @Test func webhooksAreAdminOnlyValidatedAndKeepTheirSecret() throws {
        var harness = Harness.populated()
        let set = { (url: String?, secret: String?) in Command.Action.setChannelWebhook(SetChannelWebhook(channel: .email, url: url, secret: secret)) }
        harness.rejects(Harness.supervisor, set("https://mail.example/hook", Harness.secret), .forbidden)
        harness.rejects(Harness.admin, set("ftp://mail.example/hook", Harness.secret), .invalid)
        harness.rejects(Harness.admin, set("https:///no-host", Harness.secret), .invalid)
        harness.rejects(Harness.admin, set("https://mail.example/a b", Harness.secret), .invalid)
        harness.rejects(Harness.admin, set("https://mail.example/hook", "short"), .invalid)
        harness.rejects(Harness.admin, set("https://mail.example/hook", nil), .invalid)
        harness.rejects(Harness.admin, set(nil, nil), .notFound)
        harness.ok(Harness.admin, set("https://mail.example/hook", Harness.secret))
        harness.ok(Harness.admin, set("http://127.0.0.1:9000/hook", nil))
        let webhook = try #require(harness.desk.channelWebhooks().first)
        #expect(webhook.url == "http://127.0.0.1:9000/hook" && webhook.secret == Harness.secret && webhook.updatedAt > webhook.createdAt)
        #expect(harness.desk.auditLog(limit: 10).last?.action == "channel_webhook.set")
        #expect(try Desk(records: harness.desk.records()) == harness.desk)
        harness.ok(Harness.admin, set(nil, nil))
        #expect(harness.desk.channelWebhooks().isEmpty)
        #expect(try Desk(records: harness.desk.records()) == harness.desk)
    }

    @Test func anItemStoredBeforeDeliveriesWereRecordedReadsAsPending() throws {
        let url = Bundle.module.url(forResource: "v1-outbox-record-before-deliveries", withExtension: "json", subdirectory: "Samples")
        let bytes = Array(try Data(contentsOf: try #require(url)))
        guard case .outbox(let item) = try StoredRecord.decode(bytes) else {
            Issue.record("not an outbox record")
            return
        }
        #expect(item.id == "812.0" && item.kind == .reply && item.channel == .email)
        #expect(item.status == .pending && item.attempts == 0 && item.nextAttemptAt == nil && item.deliveredAt == nil)
    }

    @Test func staffMessagesToACustomerWhoIsNotLiveGoThroughTheOutbox() throws {
        var harness = Harness.populated()
        harness.ok(.system, .assignSlots(AssignSlots(moves: (0..<SlotMap.slotCount).map { SlotMove(slot: $0, owner: 1) })))
        let photo = Attachment(name: "label.png", contentType: "image/png", bytes: 1_024, url: "https://files.example/label.png")
        harness.ok(Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m1", text: "Where is it?")))
        harness.ok(Harness.supervisor, .postMessage(PostMessage(conversationID: "v1", messageID: "m2", text: "Here:", attachments: [photo])))
        harness.ok(Harness.supervisor, .postMessage(PostMessage(conversationID: "v1", messageID: "m3", text: "check stock", internal: true)))
        harness.ok(.system, .postMessage(PostMessage(conversationID: "v1", messageID: "m4", text: "Anything else?", botName: "helper")))
        let items = harness.desk.outboxItems(limit: 10)
        #expect(items.map(\.messageID) == ["m2", "m4"], "customer messages and internal notes stay inside")
        #expect(items.allSatisfy { $0.kind == .message && $0.channel == .wechat && $0.conversationID == "v1" && $0.ticketID == nil })
        #expect(items[0].attachments == [photo] && items[1].attachments == nil)
        #expect(items[0].slotEntityID == "v1")
        let due = harness.desk.dueDeliveries(
            ownedSlots: Set(0..<SlotMap.slotCount), owner: 1, now: Timestamp(millisecondsSinceEpoch: harness.time + 1_000), limit: 10)
        #expect(due.isEmpty, "no webhook yet")
        harness.ok(Harness.admin, .setChannelWebhook(SetChannelWebhook(channel: .wechat, url: "https://gw.example/wechat", secret: Harness.secret)))
        let fence = harness.desk.slotMap.fence(for: SlotMap.slot(of: "v1"))
        let recorded = harness.run(.system, .recordOutboxDelivery(RecordOutboxDelivery(itemID: items[0].id, fence: fence, delivered: true)))
        let event = try #require(recorded.events.first)
        #expect(recorded.events.count == 1 && event.type == .outboxUpdated && event.conversationID == "v1")
        let audience = harness.desk.audience(of: event)
        #expect(audience.internal && audience.conversationID == "v1", "staff who see the conversation, not the customer")
        #expect(harness.desk.outboxItems(conversationID: "v1", limit: 10).map(\.messageID) == ["m2", "m4"])
        #expect(harness.desk.outboxItems(status: .delivered, limit: 10).map(\.messageID) == ["m2"])
        #expect(try Desk(records: harness.desk.records()) == harness.desk)

        harness.ok(.system, .createConversation(CreateConversation(id: "w1", customer: .existing(id: "c2"), channel: .web)))
        harness.ok(Harness.supervisor, .postMessage(PostMessage(conversationID: "w1", messageID: "m5", text: "Hi!")))
        #expect(harness.desk.outboxItems(limit: 10).count == 2, "a web customer reads it live")
    }

    @Test func theNewestConversationOfACustomerOnAChannelIsKnownAndRebuiltOnLoad() throws {
        var harness = Harness.populated()
        #expect(harness.desk.newestConversation(customerID: "c1", channel: .wechat)?.id == "v1")
        #expect(harness.desk.newestConversation(customerID: "c1", channel: .email) == nil)
        harness.ok(.system, .createConversation(CreateConversation(id: "v2", customer: .existing(id: "c1"), channel: .wechat)))
        harness.ok(.system, .createConversation(CreateConversation(id: "e1", customer: .existing(id: "c1"), channel: .email)))
        #expect(harness.desk.newestConversation(customerID: "c1", channel: .wechat)?.id == "v2")
        #expect(harness.desk.newestConversation(customerID: "c1", channel: .email)?.id == "e1")
        let restored = try Desk(records: harness.desk.records())
        #expect(restored == harness.desk)
        #expect(restored.newestConversation(customerID: "c1", channel: .wechat)?.id == "v2")
    }

    @Test func deliveryCommandsRoundTrip() throws {
        let fence = SlotFence(slot: 3, epoch: 7, owner: 2)
        for action in [
            Command.Action.recordOutboxDelivery(RecordOutboxDelivery(
                itemID: "5.0", fence: fence, delivered: false, error: "HTTP 500", retryAt: Timestamp(millisecondsSinceEpoch: 9))),
            .setChannelWebhook(SetChannelWebhook(channel: .weibo, url: "https://w.example/h", secret: Harness.secret)),
            .setChannelWebhook(SetChannelWebhook(channel: .weibo, url: nil, secret: nil)),
        ] {
            let command = Command(time: Timestamp(millisecondsSinceEpoch: 1), actor: .system, action: action)
            #expect(try Command.decode(command.encoded()) == command)
        }
    }
}
