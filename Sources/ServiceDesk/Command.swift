/// A write to the desk, as proposed through the Raft log.
///
/// Everything `apply` needs is inside: the time and every new id are stamped by the proposing
/// node, so each replica computes the same result.
public struct Command: Sendable, Hashable {
    /// When the command was proposed; the leader stamps it monotonically.
    public var time: Timestamp
    /// Who issued the command.
    public var actor: Actor
    /// A client-chosen key; a second command from the same actor with the same key, within
    /// the idempotency window, returns the first result and changes nothing.
    public var idempotencyKey: String?
    /// What to do.
    public var action: Action
    /// The command format it was written in: ``encodingVersion`` for a new command, an earlier
    /// one for a command read from an entry an earlier build wrote. Apply keeps each format's
    /// rules, so an entry is applied by every build the way it was when it was committed.
    public var formatVersion: Int

    /// Creates a command.
    public init(
        time: Timestamp, actor: Actor, idempotencyKey: String? = nil, action: Action,
        formatVersion: Int = Command.encodingVersion
    ) {
        precondition(Command.decodableVersions.contains(formatVersion), "command format \(formatVersion) is not one this build knows")
        self.time = time
        self.actor = actor
        self.idempotencyKey = idempotencyKey
        self.action = action
        self.formatVersion = formatVersion
    }

    /// The operations the desk knows.
    public enum Action: Sendable, Hashable {
        case createCustomer(CreateCustomer)
        case updateCustomer(UpdateCustomer)
        case createConversation(CreateConversation)
        case updateConversation(UpdateConversation)
        case postMessage(PostMessage)
        case createStaff(CreateStaff)
        case updateStaff(UpdateStaff)
        case setStaffStatus(SetStaffStatus)
        case createTeam(CreateTeam)
        case updateTeam(UpdateTeam)
        case createCannedResponse(CreateCannedResponse)
        case updateCannedResponse(UpdateCannedResponse)
        case deleteCannedResponse(DeleteCannedResponse)
        case assignSlots(AssignSlots)
        case setDraining(SetDraining)
        case createWidget(CreateWidget)
        case updateWidget(UpdateWidget)
        case signalTyping(SignalTyping)
        case markRead(MarkRead)
        case createQueue(CreateQueue)
        case updateQueue(UpdateQueue)
        case createRoutingRule(CreateRoutingRule)
        case updateRoutingRule(UpdateRoutingRule)
        case deleteRoutingRule(DeleteRoutingRule)
        case routeConversation(RouteConversation)
        case expireOffer(ExpireOffer)
        case overflowConversation(OverflowConversation)
        case acceptConversation(AcceptConversation)
        case declineConversation(DeclineConversation)
        case transferConversation(TransferConversation)
        case rerouteConversation(RerouteConversation)
        case setSentiment(SetSentiment)
        case rateConversation(RateConversation)
        case createTicket(CreateTicket)
        case updateTicket(UpdateTicket)
        case addTicketComment(AddTicketComment)
        case mergeTickets(MergeTickets)
        case createSLAPolicy(CreateSLAPolicy)
        case updateSLAPolicy(UpdateSLAPolicy)
        case createBusinessCalendar(CreateBusinessCalendar)
        case updateBusinessCalendar(UpdateBusinessCalendar)
        case recordSLABreach(RecordSLABreach)
        case recordSLAWarning(RecordSLAWarning)
        case remindAssignee(RemindAssignee)
        case setChannelWebhook(SetChannelWebhook)
        case recordOutboxDelivery(RecordOutboxDelivery)
    }
}
