/// Where one channel's customer notifications go: an HTTP endpoint of the business's own
/// gateway (its email sender, SMS provider, WeChat or Messenger bridge), which gets each
/// notification as a JSON POST signed with `secret`.
public struct ChannelWebhook: Sendable, Hashable, Codable {
    public var channel: Channel
    public var url: String
    /// The HMAC-SHA256 key of the signature header; made by the node that proposed it, shown
    /// to the admin once.
    public var secret: String
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(channel: Channel, url: String, secret: String, createdAt: Timestamp, updatedAt: Timestamp) {
        self.channel = channel
        self.url = url
        self.secret = secret
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// Where a notification stands with the channel layer.
public enum OutboxStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for its channel's webhook, or for its next attempt.
    case pending
    /// The channel's webhook accepted it (answered 2xx).
    case delivered
    /// Every attempt failed; it is kept for people to see, not tried again.
    case failed
}

/// Sets, replaces or removes the webhook of a channel (`url` nil removes it). `secret` is a
/// new signing key made by the proposing node; nil keeps the current one.
public struct SetChannelWebhook: Sendable, Hashable, Codable {
    public var channel: Channel
    public var url: String?
    public var secret: String?

    public init(channel: Channel, url: String?, secret: String?) {
        self.channel = channel
        self.url = url
        self.secret = secret
    }
}

/// What one delivery attempt of an outbox item came to, proposed by the owner of the
/// ticket's slot (fenced like its timers). A failure with `retryAt` waits until then for
/// another attempt; one without gives up.
public struct RecordOutboxDelivery: Sendable, Hashable, Codable {
    public var itemID: String
    public var fence: SlotFence
    public var delivered: Bool
    public var error: String?
    public var retryAt: Timestamp?

    public init(itemID: String, fence: SlotFence, delivered: Bool, error: String? = nil, retryAt: Timestamp? = nil) {
        self.itemID = itemID
        self.fence = fence
        self.delivered = delivered
        self.error = error
        self.retryAt = retryAt
    }
}

/// An outbox item due for an attempt, with what its delivery needs.
public struct OutboxDelivery: Sendable, Hashable {
    public var item: OutboxItem
    public var fence: SlotFence
    public var webhook: ChannelWebhook
    /// The requester, for the gateway to address the notification.
    public var customer: Customer?

    public init(item: OutboxItem, fence: SlotFence, webhook: ChannelWebhook, customer: Customer?) {
        self.item = item
        self.fence = fence
        self.webhook = webhook
        self.customer = customer
    }
}

extension Desk {
    /// The channels' webhooks, in channel order.
    public func channelWebhooks() -> [ChannelWebhook] {
        Channel.allCases.compactMap { webhooks[$0] }
    }

    /// Pending outbox items of tickets in `ownedSlots` (owned by `owner` in this state) whose
    /// channel has a webhook and whose next attempt is due at `now`; oldest first.
    public func dueDeliveries(ownedSlots: Set<Int>, owner: UInt64, now: Timestamp, limit: Int) -> [OutboxDelivery] {
        var due: [OutboxDelivery] = []
        for item in outbox.elements where item.status == .pending && (item.nextAttemptAt ?? item.createdAt) <= now {
            guard due.count < limit else { break }
            let slot = SlotMap.slot(of: item.slotEntityID)
            guard ownedSlots.contains(slot), slots.owners.indices.contains(slot), slots.owners[slot] == owner,
                let webhook = webhooks[item.channel]
            else { continue }
            due.append(OutboxDelivery(item: item, fence: slots.fence(for: slot), webhook: webhook, customer: customers[item.customerID]))
        }
        return due
    }

    func setChannelWebhook(
        _ body: SetChannelWebhook, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.admin, to: "manage channel webhooks")
        guard let url = body.url else {
            guard let current = webhooks[body.channel] else { throw .notFound("no webhook for channel \(body.channel.rawValue)") }
            changeset.removedWebhookChannels.append(body.channel)
            changeset.note("channel_webhook.remove", target: body.channel.rawValue)
            return .channelWebhook(current)
        }
        let current = webhooks[body.channel]
        guard let secret = body.secret ?? current?.secret else { throw .invalid("a new webhook needs a signing secret") }
        let webhook = ChannelWebhook(
            channel: body.channel, url: try limits.webhookURL(url), secret: try limits.webhookSecret(secret),
            createdAt: current?.createdAt ?? context.time, updatedAt: context.time)
        changeset.channelWebhooks.append(webhook)
        changeset.note("channel_webhook.set", target: body.channel.rawValue, details: webhook.url)
        return .channelWebhook(webhook)
    }

    func recordOutboxDelivery(
        _ body: RecordOutboxDelivery, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        guard context.principal.isSystem else { throw .forbidden("only the slot owner records deliveries") }
        guard let position = outboxOffset(of: body.itemID) else { throw .notFound("outbox item \(body.itemID)") }
        var item = outbox.elements[position]
        try requireFence(body.fence, for: item.slotEntityID)
        guard item.status == .pending else { throw .conflict("outbox item \(item.id) is already \(item.status.rawValue)") }
        item.attempts += 1
        if body.delivered {
            item.status = .delivered
            item.deliveredAt = context.time
            item.nextAttemptAt = nil
        } else {
            item.lastError = try limits.bounded(body.error ?? "unknown error", "error", bytesMax: limits.subjectBytesMax)
            if let retryAt = body.retryAt, retryAt > context.time, item.attempts < limits.outboxAttemptsMax {
                item.nextAttemptAt = retryAt
            } else {
                item.status = .failed
                item.failedAt = context.time
                item.nextAttemptAt = nil
            }
        }
        changeset.outboxUpdates.append(item)
        changeset.emit(.outboxUpdated, .outboxItem(item), conversationID: item.conversationID)
        return .outboxItem(item)
    }

    /// The offset of the item with `id` in the outbox, found by its (index, ordinal) order.
    func outboxOffset(of id: String) -> Int? {
        guard let wanted = OutboxItem.position(of: id) else { return nil }
        let elements = outbox.elements
        let found = elements.partitionPoint { ($0.index, $0.ordinal) < wanted }
        guard found < elements.endIndex, elements[found].id == id else { return nil }
        return found - elements.startIndex
    }
}

extension OutboxItem {
    /// The (index, ordinal) an item id names.
    static func position(of id: String) -> (UInt64, Int)? {
        let parts = id.split(separator: ".")
        guard parts.count == 2, let index = UInt64(parts[0]), let ordinal = Int(parts[1]) else { return nil }
        return (index, ordinal)
    }
}

extension DeskLimits {
    /// An `http://` or `https://` URL with a host, of visible ASCII, at most `urlBytesMax`.
    func webhookURL(_ value: String) throws(CommandError) -> String {
        let url = try bounded(value, "url", bytesMax: urlBytesMax)
        let lowered = url.lowercased()
        guard let scheme = ["https://", "http://"].first(where: { lowered.hasPrefix($0) }),
            url.utf8.count > scheme.utf8.count, url.utf8.allSatisfy({ (0x21...0x7E).contains($0) }),
            !url.utf8.dropFirst(scheme.utf8.count).starts(with: "/".utf8)
        else { throw .invalid("url must be an http:// or https:// URL with a host") }
        return url
    }

    /// A signing key: 32 to 128 visible ASCII characters.
    func webhookSecret(_ value: String) throws(CommandError) -> String {
        guard (32...128).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw .invalid("a webhook secret must be 32 to 128 visible ASCII characters")
        }
        return value
    }
}
