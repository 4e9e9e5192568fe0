/// Storing and loading tickets, their comments and history, SLA policies, calendars and the outbox.
extension Desk {
    mutating func commitTickets(_ changeset: Changeset, writer: inout RecordWriter) {
        for ticket in changeset.tickets {
            let previous = tickets.updateValue(ticket, forKey: ticket.id)
            if previous == nil { ticketOrder.insert(ticket) }
            totals.replace(previous, with: ticket)
            ticketTimers[ticket.id] = nextTimer(of: ticket)
            writer.put(RecordKey.ticket(ticket.id), StoredRecord.ticket(ticket).encoded())
        }
        for comment in changeset.ticketComments {
            precondition(
                UInt64(ticketComments[comment.ticketID, default: []].count) + 1 == comment.seq,
                "comment seq must follow the ticket's last comment")
            ticketComments[comment.ticketID, default: []].append(comment)
            writer.put(RecordKey.ticketComment(comment.ticketID, seq: comment.seq), StoredRecord.ticketComment(comment).encoded())
        }
        for entry in changeset.ticketHistory {
            precondition(
                UInt64(ticketHistory[entry.ticketID, default: []].count) + 1 == entry.seq,
                "history seq must follow the ticket's last entry")
            ticketHistory[entry.ticketID, default: []].append(entry)
            writer.put(RecordKey.ticketHistory(entry.ticketID, seq: entry.seq), StoredRecord.ticketHistory(entry).encoded())
        }
        for policy in changeset.slaPolicies {
            slaPolicies[policy.id] = policy
            writer.put(RecordKey.slaPolicy(policy.id), StoredRecord.slaPolicy(policy).encoded())
        }
        for calendar in changeset.businessCalendars {
            businessCalendars[calendar.id] = calendar
            writer.put(RecordKey.businessCalendar(calendar.id), StoredRecord.businessCalendar(calendar).encoded())
        }
        for item in changeset.outbox { append(item, writer: &writer) }
        commitDeliveries(changeset, writer: &writer)
    }

    /// Stores delivery attempts and webhook changes.
    private mutating func commitDeliveries(_ changeset: Changeset, writer: inout RecordWriter) {
        for item in changeset.outboxUpdates {
            guard let offset = outboxOffset(of: item.id) else { continue }
            outbox.replace(at: offset, with: item)
            writer.put(RecordKey.outbox(item.index, ordinal: item.ordinal), StoredRecord.outbox(item).encoded())
        }
        for webhook in changeset.channelWebhooks {
            webhooks[webhook.channel] = webhook
            writer.put(RecordKey.channelWebhook(webhook.channel), StoredRecord.channelWebhook(webhook).encoded())
        }
        for channel in changeset.removedWebhookChannels {
            webhooks[channel] = nil
            writer.delete(RecordKey.channelWebhook(channel))
        }
    }

    /// Adds a notification, dropping the oldest beyond the outbox bound.
    private mutating func append(_ item: OutboxItem, writer: inout RecordWriter) {
        outbox.append(item)
        writer.put(RecordKey.outbox(item.index, ordinal: item.ordinal), StoredRecord.outbox(item).encoded())
        while outbox.count > limits.outboxItemsMax {
            let dropped = outbox.removeFirst()
            writer.delete(RecordKey.outbox(dropped.index, ordinal: dropped.ordinal))
        }
    }

    func ticketRecords() -> [StoredRecord] {
        var all: [StoredRecord] = []
        all += tickets.values.map(StoredRecord.ticket)
        all += ticketComments.values.flatMap { $0.map(StoredRecord.ticketComment) }
        all += ticketHistory.values.flatMap { $0.map(StoredRecord.ticketHistory) }
        all += slaPolicies.values.map(StoredRecord.slaPolicy)
        all += businessCalendars.values.map(StoredRecord.businessCalendar)
        all += outbox.elements.map(StoredRecord.outbox)
        all += webhooks.values.map(StoredRecord.channelWebhook)
        return all
    }

    /// Takes one stored ticket-side record; `rebuildTicketState` orders and checks them.
    mutating func loadTicketRecord(_ record: StoredRecord) {
        switch record {
        case .ticket(let ticket): tickets[ticket.id] = ticket
        case .ticketComment(let comment): ticketComments[comment.ticketID, default: []].append(comment)
        case .ticketHistory(let entry): ticketHistory[entry.ticketID, default: []].append(entry)
        case .slaPolicy(let policy): slaPolicies[policy.id] = policy
        case .businessCalendar(let calendar): businessCalendars[calendar.id] = calendar
        case .outbox(let item): outbox.append(item)
        case .channelWebhook(let webhook): webhooks[webhook.channel] = webhook
        default: preconditionFailure("not a ticket record: \(record)")
        }
    }

    /// Orders comments, history and the outbox, rebuilds the timer index, and checks what
    /// apply guarantees: gapless seqs matching each ticket, and references that exist.
    mutating func rebuildTicketState() throws(DeskDecodingError) {
        ticketComments = try gapless(ticketComments, "comments") { $0.seq }
        ticketHistory = try gapless(ticketHistory, "history") { $0.seq }
        ticketOrder = CreationOrder(tickets.values)
        for ticket in tickets.values {
            guard customers[ticket.requesterID] != nil else { throw .malformed("ticket \(ticket.id) names a missing customer") }
            guard UInt64(ticketComments[ticket.id]?.count ?? 0) == ticket.lastCommentSeq,
                UInt64(ticketHistory[ticket.id]?.count ?? 0) == ticket.lastHistorySeq
            else { throw .malformed("comments or history of ticket \(ticket.id) do not match it") }
            ticketTimers[ticket.id] = nextTimer(of: ticket)
        }
        for policy in slaPolicies.values where policy.calendarID.map({ businessCalendars[$0] == nil }) ?? false {
            throw .malformed("SLA policy \(policy.id) names a missing calendar")
        }
        guard slaPolicies.values.filter(\.isDefault).count <= 1 else { throw .malformed("several default SLA policies") }
        outbox = FIFO(outbox.elements.sorted { ($0.index, $0.ordinal) < ($1.index, $1.ordinal) })
    }

    /// Each ticket's items sorted by seq, which must run 1, 2, 3… for a ticket that exists.
    private func gapless<Item>(
        _ table: [String: [Item]], _ what: String, seq: (Item) -> UInt64
    ) throws(DeskDecodingError) -> [String: [Item]] {
        var sortedTable: [String: [Item]] = [:]
        for (ticketID, items) in table {
            let sorted = items.sorted { seq($0) < seq($1) }
            guard tickets[ticketID] != nil, sorted.enumerated().allSatisfy({ UInt64($0.offset + 1) == seq($0.element) }) else {
                throw .malformed("\(what) of ticket \(ticketID) are not gapless")
            }
            sortedTable[ticketID] = sorted
        }
        return sortedTable
    }
}
