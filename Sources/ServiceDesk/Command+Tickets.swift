/// Opens a ticket: from a conversation (the requester is the conversation's customer and the
/// link is kept), or directly for a named customer (staff, API clients, the email channel).
public struct CreateTicket: Sendable, Hashable, Codable {
    public var id: String
    /// Defaults to the conversation's subject when created from one.
    public var subject: String?
    public var description: String
    /// Required unless `conversationID` is set; must match the conversation's customer if both are.
    public var requesterID: String?
    public var conversationID: String?
    /// Where notifications go when the ticket has no conversation; defaults to email.
    public var channel: Channel?
    public var priority: Priority
    public var type: TicketType
    public var teamID: String?
    public var assigneeID: String?
    public var tags: [String]
    public var fields: [String: String]
    public var watcherIDs: [String]
    /// Defaults to the desk's default policy, if one is marked, unless `withoutSLAPolicy`.
    public var slaPolicyID: String?
    /// `true`: the ticket starts with no SLA policy even when the desk has a default one.
    /// Optional so that commands written before it decode, and encode, as they did.
    public var withoutSLAPolicy: Bool?

    public init(
        id: String, subject: String? = nil, description: String = "", requesterID: String? = nil,
        conversationID: String? = nil, channel: Channel? = nil, priority: Priority = .normal, type: TicketType = .question,
        teamID: String? = nil, assigneeID: String? = nil, tags: [String] = [], fields: [String: String] = [:],
        watcherIDs: [String] = [], slaPolicyID: String? = nil, withoutSLAPolicy: Bool? = nil
    ) {
        self.id = id
        self.subject = subject
        self.description = description
        self.requesterID = requesterID
        self.conversationID = conversationID
        self.channel = channel
        self.priority = priority
        self.type = type
        self.teamID = teamID
        self.assigneeID = assigneeID
        self.tags = tags
        self.fields = fields
        self.watcherIDs = watcherIDs
        self.slaPolicyID = slaPolicyID
        self.withoutSLAPolicy = withoutSLAPolicy
    }
}

/// Changes a ticket; `nil` fields stay as they are.
public struct UpdateTicket: Sendable, Hashable, Codable {
    public var ticketID: String
    public var subject: String?
    public var description: String?
    public var status: TicketStatus?
    public var priority: Priority?
    public var type: TicketType?
    public var teamID: Patch<String>?
    public var assigneeID: Patch<String>?
    /// Replaces all tags.
    public var tags: [String]?
    /// Replaces all custom fields.
    public var fields: [String: String]?
    /// Replaces all watchers.
    public var watcherIDs: [String]?
    public var slaPolicyID: Patch<String>?

    public init(
        ticketID: String, subject: String? = nil, description: String? = nil, status: TicketStatus? = nil,
        priority: Priority? = nil, type: TicketType? = nil, teamID: Patch<String>? = nil,
        assigneeID: Patch<String>? = nil, tags: [String]? = nil, fields: [String: String]? = nil,
        watcherIDs: [String]? = nil, slaPolicyID: Patch<String>? = nil
    ) {
        self.ticketID = ticketID
        self.subject = subject
        self.description = description
        self.status = status
        self.priority = priority
        self.type = type
        self.teamID = teamID
        self.assigneeID = assigneeID
        self.tags = tags
        self.fields = fields
        self.watcherIDs = watcherIDs
        self.slaPolicyID = slaPolicyID
    }
}

/// Adds a comment to a ticket. The author follows from the actor, as for messages.
public struct AddTicketComment: Sendable, Hashable, Codable {
    public var ticketID: String
    public var text: String
    public var attachments: [Attachment]
    /// Staff only; never shown or sent to the customer.
    public var `internal`: Bool

    public init(ticketID: String, text: String, attachments: [Attachment] = [], internal: Bool = false) {
        self.ticketID = ticketID
        self.text = text
        self.attachments = attachments
        self.internal = `internal`
    }
}

/// Merges `sourceID` into `targetID`: the source is closed with `mergedInto`, and its comments
/// are copied into an internal comment on the target.
public struct MergeTickets: Sendable, Hashable, Codable {
    public var sourceID: String
    public var targetID: String

    public init(sourceID: String, targetID: String) {
        self.sourceID = sourceID
        self.targetID = targetID
    }
}

/// Creates an SLA policy (supervisors and above).
public struct CreateSLAPolicy: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var targets: [Priority: SLATargets]
    public var calendarID: String?
    public var warningMinutes: Int
    public var reminderMinutes: Int?
    public var escalation: SLAEscalation
    /// Makes this the default policy (the previous default stops being one).
    public var isDefault: Bool

    public init(
        id: String, name: String, targets: [Priority: SLATargets], calendarID: String? = nil, warningMinutes: Int = 0,
        reminderMinutes: Int? = nil, escalation: SLAEscalation = SLAEscalation(), isDefault: Bool = false
    ) {
        self.id = id
        self.name = name
        self.targets = targets
        self.calendarID = calendarID
        self.warningMinutes = warningMinutes
        self.reminderMinutes = reminderMinutes
        self.escalation = escalation
        self.isDefault = isDefault
    }
}

/// Changes an SLA policy (supervisors and above); `nil` fields stay as they are.
public struct UpdateSLAPolicy: Sendable, Hashable, Codable {
    public var policyID: String
    public var name: String?
    /// Replaces all targets.
    public var targets: [Priority: SLATargets]?
    public var calendarID: Patch<String>?
    public var warningMinutes: Int?
    public var reminderMinutes: Patch<Int>?
    public var escalation: SLAEscalation?
    public var isDefault: Bool?

    public init(
        policyID: String, name: String? = nil, targets: [Priority: SLATargets]? = nil, calendarID: Patch<String>? = nil,
        warningMinutes: Int? = nil, reminderMinutes: Patch<Int>? = nil, escalation: SLAEscalation? = nil,
        isDefault: Bool? = nil
    ) {
        self.policyID = policyID
        self.name = name
        self.targets = targets
        self.calendarID = calendarID
        self.warningMinutes = warningMinutes
        self.reminderMinutes = reminderMinutes
        self.escalation = escalation
        self.isDefault = isDefault
    }
}

/// Creates a business-hours calendar (supervisors and above). `offsetChanges` is the zone
/// expanded by the proposing node (``BusinessCalendar/offsetChanges(zoneIdentifier:fromYear:toYear:)``).
public struct CreateBusinessCalendar: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var timeZone: String
    public var offsetChanges: [OffsetChange]
    public var openingHours: [OpeningHours]
    public var holidays: [String]

    public init(
        id: String, name: String, timeZone: String, offsetChanges: [OffsetChange], openingHours: [OpeningHours],
        holidays: [String] = []
    ) {
        self.id = id
        self.name = name
        self.timeZone = timeZone
        self.offsetChanges = offsetChanges
        self.openingHours = openingHours
        self.holidays = holidays
    }
}

/// Changes a business-hours calendar; `nil` fields stay as they are. `timeZone` and
/// `offsetChanges` come together or not at all.
public struct UpdateBusinessCalendar: Sendable, Hashable, Codable {
    public var calendarID: String
    public var name: String?
    public var timeZone: String?
    public var offsetChanges: [OffsetChange]?
    public var openingHours: [OpeningHours]?
    public var holidays: [String]?

    public init(
        calendarID: String, name: String? = nil, timeZone: String? = nil, offsetChanges: [OffsetChange]? = nil,
        openingHours: [OpeningHours]? = nil, holidays: [String]? = nil
    ) {
        self.calendarID = calendarID
        self.name = name
        self.timeZone = timeZone
        self.offsetChanges = offsetChanges
        self.openingHours = openingHours
        self.holidays = holidays
    }
}

/// Records that a ticket's SLA target passed (the slot owner's timer).
public struct RecordSLABreach: Sendable, Hashable, Codable {
    public var ticketID: String
    public var metric: SLAMetric
    public var fence: SlotFence

    public init(ticketID: String, metric: SLAMetric, fence: SlotFence) {
        self.ticketID = ticketID
        self.metric = metric
        self.fence = fence
    }
}

/// Records that a ticket's SLA target is near (the slot owner's timer).
public struct RecordSLAWarning: Sendable, Hashable, Codable {
    public var ticketID: String
    public var metric: SLAMetric
    public var fence: SlotFence

    public init(ticketID: String, metric: SLAMetric, fence: SlotFence) {
        self.ticketID = ticketID
        self.metric = metric
        self.fence = fence
    }
}

/// Reminds a ticket's assignee that the ticket waits on them (the slot owner's timer).
public struct RemindAssignee: Sendable, Hashable, Codable {
    public var ticketID: String
    public var fence: SlotFence

    public init(ticketID: String, fence: SlotFence) {
        self.ticketID = ticketID
        self.fence = fence
    }
}
