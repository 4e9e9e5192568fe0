/// The writes a command handler decided on. Handlers only read the desk and fill a changeset;
/// the desk commits it after the handler returned without error, which is what makes a
/// rejected command change nothing.
struct Changeset {
    var customers: [Customer] = []
    var conversations: [Conversation] = []
    var messages: [Message] = []
    var staff: [StaffUser] = []
    var teams: [Team] = []
    var cannedResponses: [CannedResponse] = []
    var deletedCannedResponseIDs: [String] = []
    /// The whole slot map after the command, if it changed.
    var slots: SlotMap?
    var widgets: [Widget] = []
    var queues: [Queue] = []
    var routingRules: [RoutingRule] = []
    var deletedRoutingRuleIDs: [String] = []
    var tickets: [Ticket] = []
    var ticketComments: [TicketComment] = []
    var ticketHistory: [TicketHistoryEntry] = []
    var slaPolicies: [SLAPolicy] = []
    var businessCalendars: [BusinessCalendar] = []
    var outbox: [OutboxItem] = []
    /// Items already in the outbox, after a delivery attempt.
    var outboxUpdates: [OutboxItem] = []
    var channelWebhooks: [ChannelWebhook] = []
    var removedWebhookChannels: [Channel] = []
    var events: [DeskEvent] = []
    var audit: AuditNote?

    /// What the audit log should say about a staff or operator action.
    struct AuditNote {
        var action: String
        var target: String
        var details: String
    }

    mutating func emit(
        _ type: DeskEventType, _ payload: DeskResult, conversationID: String? = nil, formerAssigneeID: String? = nil
    ) {
        events.append(DeskEvent(type: type, conversationID: conversationID, payload: payload, formerAssigneeID: formerAssigneeID))
    }

    /// The handler's events, then one for each history entry it wrote: a ticket's history
    /// follows the change it records.
    var eventsWithHistory: [DeskEvent] {
        guard !ticketHistory.isEmpty else { return events }
        return events + ticketHistory.map { DeskEvent(type: .ticketHistoryCreated, conversationID: nil, payload: .ticketHistoryEntry($0)) }
    }

    mutating func note(_ action: String, target: String, details: String = "") {
        audit = AuditNote(action: action, target: target, details: details)
    }
}

/// Collects record writes for one command; a later write of the same key replaces an earlier one.
///
/// A list, sorted once at the end: a command writes a handful of records, and a dictionary
/// keyed by byte arrays hashed every key byte by byte (several hashes per key and command, a
/// few percent of a replica's apply).
struct RecordWriter {
    private var pending: [RecordChange] = []

    mutating func put(_ key: [UInt8], _ value: [UInt8]) {
        pending.append(RecordChange(key: key, value: value))
    }

    mutating func delete(_ key: [UInt8]) {
        pending.append(RecordChange(key: key, value: nil))
    }

    /// The writes sorted by key, the last write of each key only, so every replica reports
    /// them in the same order.
    var changes: [RecordChange] {
        guard pending.count > 1 else { return pending }
        // Positions break ties, so of equal keys the last written sorts last.
        let order = pending.indices.sorted { left, right in
            let (leftKey, rightKey) = (pending[left].key, pending[right].key)
            return leftKey == rightKey ? left < right : leftKey.lexicographicallyPrecedes(rightKey)
        }
        var sorted: [RecordChange] = []
        sorted.reserveCapacity(order.count)
        for position in order {
            if let last = sorted.last, last.key == pending[position].key {
                sorted[sorted.count - 1] = pending[position]
            } else {
                sorted.append(pending[position])
            }
        }
        return sorted
    }
}

extension Desk {
    /// Applies an accepted handler's writes to the state and to the record batch.
    mutating func commit(_ changeset: Changeset, writer: inout RecordWriter) {
        for customer in changeset.customers { store(customer, writer: &writer) }
        for conversation in changeset.conversations {
            precondition(conversation.routingIsConsistent, "conversation \(conversation.id) has stale routing state")
            let previous = conversations[conversation.id]
            routing.replace(previous, with: conversation)
            totals.replace(previous, with: conversation)
            conversations[conversation.id] = conversation
            if previous == nil {
                noteNewest(conversation)
                conversationOrder.insert(conversation)
            }
            if let previous, conversation.onlyTailAdvanced(from: previous, by: changeset.messages) { continue }
            writer.put(RecordKey.conversation(conversation.id), StoredRecord.conversation(conversation).encoded())
        }
        for message in changeset.messages { store(message, writer: &writer) }
        for user in changeset.staff { store(user, writer: &writer) }
        for team in changeset.teams {
            teams[team.id] = team
            writer.put(RecordKey.team(team.id), StoredRecord.team(team).encoded())
        }
        for response in changeset.cannedResponses {
            cannedResponses[response.id] = response
            writer.put(RecordKey.cannedResponse(response.id), StoredRecord.cannedResponse(response).encoded())
        }
        for id in changeset.deletedCannedResponseIDs {
            cannedResponses[id] = nil
            writer.delete(RecordKey.cannedResponse(id))
        }
        for widget in changeset.widgets {
            widgets[widget.id] = widget
            writer.put(RecordKey.widget(widget.id), StoredRecord.widget(widget).encoded())
        }
        if let map = changeset.slots {
            slots = map
            writer.put(RecordKey.slots, StoredRecord.slots(map).encoded())
        }
        commitRouting(changeset, writer: &writer)
    }

    private mutating func commitRouting(_ changeset: Changeset, writer: inout RecordWriter) {
        for queue in changeset.queues {
            queues[queue.id] = queue
            writer.put(RecordKey.queue(queue.id), StoredRecord.queue(queue).encoded())
        }
        for rule in changeset.routingRules {
            routingRules[rule.id] = rule
            writer.put(RecordKey.routingRule(rule.id), StoredRecord.routingRule(rule).encoded())
        }
        for id in changeset.deletedRoutingRuleIDs {
            routingRules[id] = nil
            writer.delete(RecordKey.routingRule(id))
        }
        commitTickets(changeset, writer: &writer)
    }

    private mutating func store(_ customer: Customer, writer: inout RecordWriter) {
        if let previous = customers[customer.id] { unindexExternalIDs(of: previous) }
        customers[customer.id] = customer
        indexExternalIDs(of: customer)
        writer.put(RecordKey.customer(customer.id), StoredRecord.customer(customer).encoded())
    }

    private func store(_ message: Message, writer: inout RecordWriter) {
        // The conversation, committed first, already counts the message.
        precondition(
            conversations[message.conversationID]?.lastMessageSeq == message.seq,
            "message seq must be the conversation's last")
        writer.put(RecordKey.message(message.conversationID, seq: message.seq), StoredRecord.message(message).encoded())
    }

    private mutating func store(_ user: StaffUser, writer: inout RecordWriter) {
        if let previous = staff[user.id] { staffIDByEmail[previous.email] = nil }
        staff[user.id] = user
        staffIDByEmail[user.email] = user.id
        writer.put(RecordKey.staff(user.id), StoredRecord.staff(user).encoded())
    }

    mutating func indexExternalIDs(of customer: Customer) {
        for (channel, id) in customer.externalIDs {
            customerIDByExternalID[ExternalID(channel: channel, id: id)] = customer.id
        }
    }

    private mutating func unindexExternalIDs(of customer: Customer) {
        for (channel, id) in customer.externalIDs {
            customerIDByExternalID[ExternalID(channel: channel, id: id)] = nil
        }
    }

    /// Records a staff or operator action; customer and system actions are not audited
    /// because their effects are the conversation history itself.
    mutating func appendAudit(_ note: Changeset.AuditNote?, command: Command, index: UInt64, writer: inout RecordWriter) {
        guard let note, command.actor.isAudited else { return }
        let entry = AuditEntry(
            index: index, time: command.time, actor: command.actor, action: note.action,
            target: note.target, details: note.details)
        audit.append(entry)
        writer.put(RecordKey.audit(index), StoredRecord.audit(entry).encoded())
        while audit.count > limits.auditEntriesMax {
            writer.delete(RecordKey.audit(audit.removeFirst().index))
        }
    }

    mutating func remember(_ entry: IdempotencyEntry, writer: inout RecordWriter) {
        for key in idempotency.insert(entry, limits: limits) {
            writer.delete(key)
        }
        writer.put(RecordKey.idempotency(index: entry.index), StoredRecord.idempotency(entry).encoded())
    }
}

extension Conversation {
    /// Whether the only change from `previous` is a new last message among `messages`, which
    /// sets the last seq and the update time and nothing else. Such a change writes the message
    /// record but not the conversation's: the stored conversation keeps its older tail, and a
    /// load takes the tail from the conversation's last message record instead
    /// (`Desk.advanceTails`). That saves most message posts one record encoded and one random
    /// insert into RocksDB's memtable.
    func onlyTailAdvanced(from previous: Conversation, by messages: [Message]) -> Bool {
        guard lastMessageSeq > previous.lastMessageSeq,
            messages.contains(where: { $0.conversationID == id && $0.seq == lastMessageSeq && $0.createdAt == updatedAt })
        else { return false }
        var unchanged = previous
        unchanged.lastMessageSeq = lastMessageSeq
        unchanged.updatedAt = updatedAt
        return unchanged == self
    }

    /// Takes `message`, the last stored one of this conversation, as its tail when it is newer
    /// than the tail this record was stored with (see `onlyTailAdvanced`).
    mutating func advanceTail(to message: Message) {
        guard message.seq > lastMessageSeq else { return }
        lastMessageSeq = message.seq
        updatedAt = message.createdAt
    }
}

extension Actor {
    var isAudited: Bool {
        switch self {
        case .adminToken, .staff: true
        case .customer, .system: false
        }
    }
}
