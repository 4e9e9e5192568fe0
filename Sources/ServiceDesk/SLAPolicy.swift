/// A service-level target a ticket is measured against.
public enum SLAMetric: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case firstResponse, nextResponse, resolution

    private var rank: Int {
        switch self {
        case .firstResponse: 0
        case .nextResponse: 1
        case .resolution: 2
        }
    }

    public static func < (lhs: SLAMetric, rhs: SLAMetric) -> Bool { lhs.rank < rhs.rank }
}

/// The targets for tickets of one priority, in business minutes; `nil` sets no target.
public struct SLATargets: Sendable, Hashable, Codable {
    public var firstResponseMinutes: Int?
    public var nextResponseMinutes: Int?
    public var resolutionMinutes: Int?

    public init(firstResponseMinutes: Int? = nil, nextResponseMinutes: Int? = nil, resolutionMinutes: Int? = nil) {
        self.firstResponseMinutes = firstResponseMinutes
        self.nextResponseMinutes = nextResponseMinutes
        self.resolutionMinutes = resolutionMinutes
    }

    public func minutes(for metric: SLAMetric) -> Int? {
        switch metric {
        case .firstResponse: firstResponseMinutes
        case .nextResponse: nextResponseMinutes
        case .resolution: resolutionMinutes
        }
    }
}

/// What happens to a ticket when one of its targets is breached (by the slot owner's timer).
public struct SLAEscalation: Sendable, Hashable, Codable {
    /// Raise the priority one step (low → normal → high → urgent).
    public var raisePriority: Bool
    /// Hand the ticket to this team.
    public var teamID: String?
    /// Take the ticket from its assignee, so that someone else picks it up.
    public var unassign: Bool

    public init(raisePriority: Bool = false, teamID: String? = nil, unassign: Bool = false) {
        self.raisePriority = raisePriority
        self.teamID = teamID
        self.unassign = unassign
    }
}

/// Priorities are JSON object keys in ``SLAPolicy/targets``.
extension Priority: CodingKeyRepresentable {}

/// Response and resolution targets for tickets, measured in business time.
///
/// Which policy: a ticket follows the policy named when it is created, else the policy marked
/// default at that moment (at most one is); staff may change or clear a ticket's policy later.
/// Changing which policy is the default does not move existing tickets.
///
/// The clocks, all in business minutes of the policy's calendar (around the clock without one),
/// with the targets of the ticket's current priority:
/// - **First response**: from the ticket's creation until the first public staff reply.
/// - **Next response**: from a public customer comment that follows a staff reply, until the
///   next public staff reply.
/// - **Resolution**: runs while the ticket is `new` or `open`; **paused** while `pending` (waiting
///   on the customer) or `onHold` (waiting on a third party), keeping the business time used so
///   far; stopped at `solved` or `closed`; a reopened ticket continues from the time used.
/// Solving or closing a ticket stops every clock. Due instants are recomputed on every change of
/// the ticket, so a new priority, policy or calendar takes effect at the ticket's next change.
///
/// Breaches and warnings are recorded once per ticket and metric, by the owner of the ticket's
/// slot when due (see `Desk.dueWork`); only those timer-recorded breaches escalate. A breach a
/// timer has not recorded yet when the ticket changes (say, a late reply) is recorded by that
/// change, without escalation. The warning is due `warningMinutes` of business time before the
/// target. With `reminderMinutes`, the assignee of a ticket that waits on them (new or open, a
/// customer waiting for a reply) is reminded after that much business time, and again each
/// `reminderMinutes` while it still waits.
public struct SLAPolicy: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    /// Targets per ticket priority; a priority without an entry has no targets.
    public var targets: [Priority: SLATargets]
    /// The business-hours calendar; `nil` counts every minute.
    public var calendarID: String?
    /// How long before a target the near-breach warning is due, in business minutes.
    public var warningMinutes: Int
    /// How long a ticket may wait on its assignee before a reminder, in business minutes.
    public var reminderMinutes: Int?
    public var escalation: SLAEscalation
    /// Whether new tickets that name no policy follow this one.
    public var isDefault: Bool
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(
        id: String, name: String, targets: [Priority: SLATargets], calendarID: String? = nil, warningMinutes: Int = 0,
        reminderMinutes: Int? = nil, escalation: SLAEscalation = SLAEscalation(), isDefault: Bool = false,
        createdAt: Timestamp, updatedAt: Timestamp
    ) {
        self.id = id
        self.name = name
        self.targets = targets
        self.calendarID = calendarID
        self.warningMinutes = warningMinutes
        self.reminderMinutes = reminderMinutes
        self.escalation = escalation
        self.isDefault = isDefault
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
