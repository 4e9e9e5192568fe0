/// SLA clocks on tickets; the rules are documented on ``SLAPolicy``.
extension Desk {
    /// The policy marked default, if any (validation keeps it to one).
    var defaultSLAPolicy: SLAPolicy? {
        slaPolicies.values.filter(\.isDefault).min { $0.id < $1.id }
    }

    func policy(of ticket: Ticket) -> SLAPolicy? {
        ticket.slaPolicyID.flatMap { slaPolicies[$0] }
    }

    private func clock(for policy: SLAPolicy?) -> BusinessClock {
        BusinessClock(calendar: policy?.calendarID.flatMap { businessCalendars[$0] })
    }

    private var targetMillisecondsMax: Int64 { Int64(limits.slaTargetMinutesMax) * 60_000 }

    /// Brings a changed ticket's clocks in line with its new state at `now`. A clock that this
    /// change stops (a reply, a pause, a solve) after its due instant, with no breach recorded
    /// yet, is recorded as breached now; those metrics are returned.
    func reconcileSLA(_ ticket: inout Ticket, before: Ticket?, at now: Timestamp) -> [SLAMetric] {
        runResolutionClock(&ticket, at: now)
        retime(&ticket)
        guard let before else { return [] }
        let late = SLAMetric.allCases.filter { metric in
            guard let due = before.sla.due(metric), due.dueAt <= now, ticket.sla.due(metric) == nil else { return false }
            return !ticket.sla.breached.contains(metric)
        }
        ticket.sla.breached = (ticket.sla.breached + late).sorted()
        return late
    }

    /// Starts the resolution clock when the ticket waits on staff and banks its business time
    /// when the ticket is paused (pending, on hold) or done (solved, closed).
    private func runResolutionClock(_ ticket: inout Ticket, at now: Timestamp) {
        let runs = ticket.status.isWaitingOnStaff
        if let since = ticket.sla.resolutionRunningSince, !runs {
            let used = clock(for: policy(of: ticket)).duration(from: since, to: now, cap: targetMillisecondsMax)
            ticket.sla.resolutionElapsedMilliseconds = min(ticket.sla.resolutionElapsedMilliseconds + used, targetMillisecondsMax)
            ticket.sla.resolutionRunningSince = nil
        } else if ticket.sla.resolutionRunningSince == nil, runs {
            ticket.sla.resolutionRunningSince = now
        }
    }

    /// Recomputes every due instant from the ticket's facts, its policy and its priority.
    func retime(_ ticket: inout Ticket) {
        let policy = policy(of: ticket)
        let targets = policy?.targets[ticket.priority]
        let timing = DueTiming(clock: clock(for: policy), warningMinutes: policy?.warningMinutes ?? 0)
        let running = !ticket.status.isDone
        var sla = ticket.sla
        sla.firstResponse = running && ticket.firstRespondedAt == nil
            ? timing.due(targets?.firstResponseMinutes, from: ticket.createdAt) : nil
        sla.nextResponse = running && ticket.firstRespondedAt != nil
            ? timing.due(targets?.nextResponseMinutes, from: sla.awaitingReplySince) : nil
        sla.resolution = timing.due(
            targets?.resolutionMinutes, from: sla.resolutionRunningSince, elapsed: sla.resolutionElapsedMilliseconds)
        sla.reminderDueAt = reminderDue(ticket, minutes: policy?.reminderMinutes, clock: timing.clock)
        ticket.sla = sla
    }

    /// A ticket waits on its assignee while it is new or open and the customer waits for a
    /// reply; the reminder counts from the latest of that wait, the assignment and the last
    /// reminder.
    private func reminderDue(_ ticket: Ticket, minutes: Int?, clock: BusinessClock) -> Timestamp? {
        guard let minutes, ticket.assigneeID != nil, ticket.status.isWaitingOnStaff,
            let waiting = ticket.sla.awaitingReplySince
        else { return nil }
        let anchor = max(waiting, ticket.assignedAt ?? waiting, ticket.sla.lastReminderAt ?? waiting)
        return clock.adding(Int64(minutes) * 60_000, to: anchor)
    }

    func emitLateBreaches(_ metrics: [SLAMetric], of ticket: Ticket, _ changeset: inout Changeset) {
        for metric in metrics {
            changeset.emit(.ticketSLABreached, .ticketAlert(TicketAlert(kind: .breach, metric: metric, ticket: ticket)))
        }
    }

    // MARK: Timers

    func recordSLABreach(
        _ body: RecordSLABreach, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        let current = try timerTicket(body.ticketID, fence: body.fence, context)
        guard let due = current.sla.due(body.metric), due.dueAt <= context.time,
            !current.sla.breached.contains(body.metric)
        else { throw .conflict("no \(body.metric.rawValue) breach is due on ticket \(current.id)") }
        var ticket = current
        ticket.sla.breached = (ticket.sla.breached + [body.metric]).sorted()
        if let escalation = policy(of: ticket)?.escalation { escalate(&ticket, escalation) }
        let alert = TicketAlert(kind: .breach, metric: body.metric, ticket: ticket)
        return try recordAlert(alert, before: current, action: "sla_breached", .ticketSLABreached, context, &changeset)
    }

    func recordSLAWarning(
        _ body: RecordSLAWarning, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        let current = try timerTicket(body.ticketID, fence: body.fence, context)
        guard let due = current.sla.due(body.metric), due.warnAt <= context.time,
            !current.sla.warned.contains(body.metric), !current.sla.breached.contains(body.metric)
        else { throw .conflict("no \(body.metric.rawValue) warning is due on ticket \(current.id)") }
        var ticket = current
        ticket.sla.warned = (ticket.sla.warned + [body.metric]).sorted()
        let alert = TicketAlert(kind: .warning, metric: body.metric, ticket: ticket)
        return try recordAlert(alert, before: current, action: "sla_warning", .ticketSLAWarning, context, &changeset)
    }

    func remindAssignee(
        _ body: RemindAssignee, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        let current = try timerTicket(body.ticketID, fence: body.fence, context)
        guard let dueAt = current.sla.reminderDueAt, dueAt <= context.time else {
            throw .conflict("no reminder is due on ticket \(current.id)")
        }
        var ticket = current
        ticket.sla.lastReminderAt = context.time
        let alert = TicketAlert(kind: .reminder, metric: nil, ticket: ticket)
        let reminded = TicketChange(field: "reminded", from: nil, to: current.assigneeID)
        return try recordAlert(alert, before: current, action: "reminded", extra: [reminded], .ticketReminder, context, &changeset)
    }

    /// A ticket a slot owner's timer may act on: the command comes from the cluster itself,
    /// under the current fence of the ticket's slot.
    private func timerTicket(_ id: String, fence: SlotFence, _ context: CommandContext) throws(CommandError) -> Ticket {
        guard context.principal.isSystem else { throw .forbidden("only the slot owner records SLA timers") }
        guard let ticket = tickets[id] else { throw .notFound("ticket \(id)") }
        try requireFence(fence, for: id)
        try requireSupportedTime(context.time)
        return ticket
    }

    /// Stores the ticket an alert carries, with its history entry and event.
    private func recordAlert(
        _ alert: TicketAlert, before current: Ticket, action: String, extra: [TicketChange] = [], _ type: DeskEventType,
        _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        var ticket = alert.ticket
        ticket.updatedAt = context.time
        retime(&ticket)
        try appendHistory(&ticket, before: current, action: action, extra: extra, context, &changeset)
        changeset.tickets.append(ticket)
        let recorded = TicketAlert(kind: alert.kind, metric: alert.metric, ticket: ticket)
        let formerAssigneeID = current.assigneeID != ticket.assigneeID ? current.assigneeID : nil
        changeset.emit(type, .ticketAlert(recorded), formerAssigneeID: formerAssigneeID)
        return .ticketAlert(recorded)
    }

    /// The policy's reaction to a breach: one step more urgent, another team, no assignee.
    private func escalate(_ ticket: inout Ticket, _ escalation: SLAEscalation) {
        if escalation.raisePriority { ticket.priority = ticket.priority.raised }
        if let teamID = escalation.teamID, teams[teamID] != nil { ticket.teamID = teamID }
        if escalation.unassign {
            ticket.assigneeID = nil
            ticket.assignedAt = nil
        }
    }

    /// The SLA timer commands due at `now` for tickets in `slots`, oldest first: a breach
    /// where the target passed, else a warning where it is near, and reminders.
    func dueTicketWork(in slots: Set<Int>, now: Timestamp) -> [Command.Action] {
        var due: [(at: Timestamp, ticketID: String, rank: Int, action: Command.Action)] = []
        for (ticketID, earliest) in ticketTimers where earliest <= now {
            let slot = SlotMap.slot(of: ticketID)
            guard slots.contains(slot), let ticket = tickets[ticketID] else { continue }
            let fence = self.slots.fence(for: slot)
            for timer in ticket.sla.timers(dueAt: now) {
                due.append((timer.at, ticketID, timer.rank, timer.action(ticketID: ticketID, fence: fence)))
            }
        }
        due.sort { ($0.at, $0.ticketID, $0.rank) < ($1.at, $1.ticketID, $1.rank) }
        return due.map(\.action)
    }

    /// The instant of the ticket's next timer, for the `ticketTimers` index; none once its
    /// history is full, since a timer could no longer record anything.
    func nextTimer(of ticket: Ticket) -> Timestamp? {
        guard ticket.lastHistorySeq < UInt64(limits.ticketHistoryEntriesMax) else { return nil }
        return ticket.sla.nextTimerAt
    }
}

/// Due instants of one policy's targets on one calendar.
private struct DueTiming {
    let clock: BusinessClock
    let warningMinutes: Int

    /// The target of `minutes` for a clock running since `start` with `elapsed` already used.
    func due(_ minutes: Int?, from start: Timestamp?, elapsed: Int64 = 0) -> SLADue? {
        guard let minutes, let start else { return nil }
        let remaining = max(Int64(minutes) * 60_000 - elapsed, 0)
        let warning = max(remaining - Int64(warningMinutes) * 60_000, 0)
        return SLADue(warnAt: clock.adding(warning, to: start), dueAt: clock.adding(remaining, to: start))
    }
}

/// One SLA timer of a ticket.
struct SLATimer {
    enum Kind {
        case breach(SLAMetric)
        case warning(SLAMetric)
        case reminder
    }

    var at: Timestamp
    var kind: Kind

    /// Orders timers of one ticket due at the same instant: warnings, breaches, the reminder.
    var rank: Int {
        let metrics = SLAMetric.allCases.count
        switch kind {
        case .warning(let metric): return SLAMetric.allCases.firstIndex(of: metric)!
        case .breach(let metric): return metrics + SLAMetric.allCases.firstIndex(of: metric)!
        case .reminder: return 2 * metrics
        }
    }

    func action(ticketID: String, fence: SlotFence) -> Command.Action {
        switch kind {
        case .breach(let metric): .recordSLABreach(RecordSLABreach(ticketID: ticketID, metric: metric, fence: fence))
        case .warning(let metric): .recordSLAWarning(RecordSLAWarning(ticketID: ticketID, metric: metric, fence: fence))
        case .reminder: .remindAssignee(RemindAssignee(ticketID: ticketID, fence: fence))
        }
    }
}

extension TicketSLA {
    /// The timers due at `now`: per metric a breach where the target passed, else a warning
    /// where it is near; and the reminder.
    func timers(dueAt now: Timestamp) -> [SLATimer] {
        var timers: [SLATimer] = []
        for metric in SLAMetric.allCases {
            guard let due = due(metric), !breached.contains(metric) else { continue }
            if due.dueAt <= now {
                timers.append(SLATimer(at: due.dueAt, kind: .breach(metric)))
            } else if due.warnAt <= now, !warned.contains(metric) {
                timers.append(SLATimer(at: due.warnAt, kind: .warning(metric)))
            }
        }
        if let reminderDueAt, reminderDueAt <= now { timers.append(SLATimer(at: reminderDueAt, kind: .reminder)) }
        return timers
    }

    /// When the next timer falls due: per metric its warning, or its breach once warned; or
    /// the reminder.
    var nextTimerAt: Timestamp? {
        let targets = SLAMetric.allCases.compactMap { metric -> Timestamp? in
            guard let due = due(metric), !breached.contains(metric) else { return nil }
            return warned.contains(metric) ? due.dueAt : due.warnAt
        }
        return (targets + [reminderDueAt].compactMap { $0 }).min()
    }
}
