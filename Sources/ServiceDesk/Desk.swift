/// The replicated customer-service state and its pure transition function.
///
/// Every replica applies the same commands in the same order and so holds the same desk.
/// `apply` reads nothing but the desk and the command: no clock, no randomness, no I/O.
/// It either accepts a command, changing the state and reporting the events and record
/// changes, or rejects it with a ``CommandError`` and changes nothing.
public struct Desk: Sendable, Hashable {
    /// The bounds this desk enforces; identical on every replica of a cluster.
    public private(set) var limits: DeskLimits

    var customers: [String: Customer] = [:]
    var customerIDByExternalID: [ExternalID: String] = [:]
    var conversations: [String: Conversation] = [:]
    /// The conversations in creation order, for newest-first listings (derived, rebuilt on load).
    var conversationOrder = CreationOrder()
    /// Each customer's newest conversation per channel (by creation time, then id): where a
    /// channel's next inbound message goes. Derived from `conversations`, rebuilt on load.
    var newestConversationIDs: [NewestKey: String] = [:]
    var staff: [String: StaffUser] = [:]
    var staffIDByEmail: [String: String] = [:]
    var teams: [String: Team] = [:]
    var cannedResponses: [String: CannedResponse] = [:]
    var slots = SlotMap()
    var widgets: [String: Widget] = [:]
    var queues: [String: Queue] = [:]
    var routingRules: [String: RoutingRule] = [:]
    /// Agents' loads, waiting conversations and customers' last agents; derived from
    /// `conversations` and rebuilt on load.
    var routing = RoutingIndex()
    var tickets: [String: Ticket] = [:]
    /// The tickets in creation order, like `conversationOrder`.
    var ticketOrder = CreationOrder()
    /// Each ticket's comments in seq order: `ticketComments[id][n]` has seq `n + 1`.
    var ticketComments: [String: [TicketComment]] = [:]
    /// Each ticket's history in seq order, like its comments.
    var ticketHistory: [String: [TicketHistoryEntry]] = [:]
    /// The earliest pending SLA timer of each ticket that has one (derived), so that
    /// `dueWork` skips tickets with nothing due.
    var ticketTimers: [String: Timestamp] = [:]
    var slaPolicies: [String: SLAPolicy] = [:]
    var businessCalendars: [String: BusinessCalendar] = [:]
    var outbox = FIFO<OutboxItem>()
    var webhooks: [Channel: ChannelWebhook] = [:]
    var audit = FIFO<AuditEntry>()
    var idempotency = IdempotencyTable()
    /// What the live figures count over all conversations and tickets (derived, rebuilt on load).
    var totals = DeskTotals()

    struct NewestKey: Sendable, Hashable {
        var customerID: String
        var channel: Channel
    }

    /// A customer's id on one channel, the key of the upsert index.
    struct ExternalID: Sendable, Hashable {
        var channel: Channel
        var id: String
    }

    /// Creates an empty desk.
    public init(limits: DeskLimits = .standard) {
        precondition(limits.idempotencyEntriesMax >= 1, "the idempotency table must hold the newest key")
        precondition(limits.auditEntriesMax >= 1, "the audit log must hold the newest entry")
        precondition(limits.outboxItemsMax >= 1, "the outbox must hold the newest item")
        self.limits = limits
    }

    /// Applies a command committed at log `index`.
    ///
    /// A command whose idempotency key this actor used within the window answers the stored
    /// first result, marked `replayed`, and changes nothing. Indexes must increase from call
    /// to call, as Raft applies them.
    public mutating func apply(_ command: Command, index: UInt64) -> ApplyOutcome {
        // Each command is checked by the rules of the format it was written in.
        limits.controlCharactersRefused = command.formatVersion >= 2
        defer { limits.controlCharactersRefused = true }
        let scopedKey = command.idempotencyKey.map { command.actor.idempotencyScope + "|" + $0 }
        if let scopedKey, let entry = idempotency.liveEntry(scopedKey, at: index, limits: limits) {
            return ApplyOutcome(result: .success(entry.result), events: [], changes: [], replayed: true)
        }
        var changeset = Changeset()
        let result: DeskResult
        do {
            try limits.checkEnvelope(command)
            let context = CommandContext(
                time: command.time, index: index, actor: command.actor, principal: try principal(for: command.actor))
            result = try execute(command.action, context: context, changeset: &changeset)
        } catch {
            return .rejected(error)
        }
        var writer = RecordWriter()
        commit(changeset, writer: &writer)
        appendAudit(changeset.audit, command: command, index: index, writer: &writer)
        if let scopedKey {
            remember(IdempotencyEntry(key: scopedKey, index: index, result: result), writer: &writer)
        }
        return ApplyOutcome(
            result: .success(result), events: changeset.eventsWithHistory, changes: writer.changes, replayed: false,
            changedConversationIDs: changeset.conversations.map(\.id))
    }

    /// Decodes and applies a command; undecodable bytes are rejected as ``CommandError/Code/invalid``
    /// and change nothing, so a bad entry in the log cannot stop a replica.
    public mutating func apply(encodedCommand bytes: [UInt8], index: UInt64) -> ApplyOutcome {
        do {
            return apply(try Command.decode(bytes), index: index)
        } catch {
            return .rejected(.invalid("undecodable command: \(error)"))
        }
    }

    private func execute(
        _ action: Command.Action, context: CommandContext, changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        switch action {
        case .createCustomer(let body): try createCustomer(body, context, &changeset)
        case .updateCustomer(let body): try updateCustomer(body, context, &changeset)
        case .createConversation(let body): try createConversation(body, context, &changeset)
        case .updateConversation(let body): try updateConversation(body, context, &changeset)
        case .postMessage(let body): try postMessage(body, context, &changeset)
        case .createStaff(let body): try createStaff(body, context, &changeset)
        case .updateStaff(let body): try updateStaff(body, context, &changeset)
        case .setStaffStatus(let body): try setStaffStatus(body, context, &changeset)
        case .createTeam(let body): try createTeam(body, context, &changeset)
        case .updateTeam(let body): try updateTeam(body, context, &changeset)
        case .createCannedResponse(let body): try createCannedResponse(body, context, &changeset)
        case .updateCannedResponse(let body): try updateCannedResponse(body, context, &changeset)
        case .deleteCannedResponse(let body): try deleteCannedResponse(body, context, &changeset)
        case .assignSlots(let body): try assignSlots(body, context, &changeset)
        case .setDraining(let body): try setDraining(body, context, &changeset)
        case .createWidget(let body): try createWidget(body, context, &changeset)
        case .updateWidget(let body): try updateWidget(body, context, &changeset)
        case .signalTyping(let body): try signalTyping(body, context, &changeset)
        case .markRead(let body): try markRead(body, context, &changeset)
        case .createQueue(let body): try createQueue(body, context, &changeset)
        case .updateQueue(let body): try updateQueue(body, context, &changeset)
        case .createRoutingRule(let body): try createRoutingRule(body, context, &changeset)
        case .updateRoutingRule(let body): try updateRoutingRule(body, context, &changeset)
        case .deleteRoutingRule(let body): try deleteRoutingRule(body, context, &changeset)
        case .routeConversation(let body): try routeConversation(body, context, &changeset)
        case .expireOffer(let body): try expireOffer(body, context, &changeset)
        case .overflowConversation(let body): try overflowConversation(body, context, &changeset)
        case .acceptConversation(let body): try acceptConversation(body, context, &changeset)
        case .declineConversation(let body): try declineConversation(body, context, &changeset)
        case .transferConversation(let body): try transferConversation(body, context, &changeset)
        case .rerouteConversation(let body): try rerouteConversation(body, context, &changeset)
        case .setSentiment(let body): try setSentiment(body, context, &changeset)
        case .rateConversation(let body): try rateConversation(body, context, &changeset)
        case .createTicket(let body): try createTicket(body, context, &changeset)
        case .updateTicket(let body): try updateTicket(body, context, &changeset)
        case .addTicketComment(let body): try addTicketComment(body, context, &changeset)
        case .mergeTickets(let body): try mergeTickets(body, context, &changeset)
        case .createSLAPolicy(let body): try createSLAPolicy(body, context, &changeset)
        case .updateSLAPolicy(let body): try updateSLAPolicy(body, context, &changeset)
        case .createBusinessCalendar(let body): try createBusinessCalendar(body, context, &changeset)
        case .updateBusinessCalendar(let body): try updateBusinessCalendar(body, context, &changeset)
        case .recordSLABreach(let body): try recordSLABreach(body, context, &changeset)
        case .recordSLAWarning(let body): try recordSLAWarning(body, context, &changeset)
        case .remindAssignee(let body): try remindAssignee(body, context, &changeset)
        case .setChannelWebhook(let body): try setChannelWebhook(body, context, &changeset)
        case .recordOutboxDelivery(let body): try recordOutboxDelivery(body, context, &changeset)
        }
    }
}

/// What a command handler knows about the command besides its body.
struct CommandContext {
    var time: Timestamp
    var index: UInt64
    var actor: Actor
    var principal: Principal
}
