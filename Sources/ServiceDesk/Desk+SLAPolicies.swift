extension Desk {
    func createSLAPolicy(
        _ body: CreateSLAPolicy, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage SLA policies")
        try limits.checkID(body.id, "SLA policy id")
        guard slaPolicies[body.id] == nil else { throw .conflict("SLA policy \(body.id) already exists") }
        guard slaPolicies.count < limits.slaPoliciesMax else {
            throw .conflict("there are already \(limits.slaPoliciesMax) SLA policies")
        }
        let policy = SLAPolicy(
            id: body.id, name: try limits.name(body.name, "name"), targets: try slaTargets(body.targets),
            calendarID: try body.calendarID.map { id throws(CommandError) in try requireCalendar(id) },
            warningMinutes: try slaMinutes(body.warningMinutes, "warning minutes", allowsZero: true),
            reminderMinutes: try body.reminderMinutes.map { value throws(CommandError) in try slaMinutes(value, "reminder minutes") },
            escalation: try escalation(body.escalation), isDefault: body.isDefault,
            createdAt: context.time, updatedAt: context.time)
        save(policy, replacingDefault: policy.isDefault, context, &changeset)
        changeset.emit(.slaPolicyCreated, .slaPolicy(policy))
        changeset.note("sla_policy.create", target: policy.id, details: policy.isDefault ? "default" : "")
        return .slaPolicy(policy)
    }

    func updateSLAPolicy(
        _ body: UpdateSLAPolicy, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage SLA policies")
        guard var policy = slaPolicies[body.policyID] else { throw .notFound("SLA policy \(body.policyID)") }
        let wasDefault = policy.isDefault
        if let name = body.name { policy.name = try limits.name(name, "name") }
        if let targets = body.targets { policy.targets = try slaTargets(targets) }
        if let calendar = body.calendarID {
            policy.calendarID = try calendar.value.map { id throws(CommandError) in try requireCalendar(id) }
        }
        if let minutes = body.warningMinutes { policy.warningMinutes = try slaMinutes(minutes, "warning minutes", allowsZero: true) }
        if let reminder = body.reminderMinutes {
            policy.reminderMinutes = try reminder.value.map { value throws(CommandError) in try slaMinutes(value, "reminder minutes") }
        }
        if let escalation = body.escalation { policy.escalation = try self.escalation(escalation) }
        if let isDefault = body.isDefault { policy.isDefault = isDefault }
        policy.updatedAt = context.time
        save(policy, replacingDefault: policy.isDefault && !wasDefault, context, &changeset)
        changeset.emit(.slaPolicyUpdated, .slaPolicy(policy))
        changeset.note("sla_policy.update", target: policy.id)
        return .slaPolicy(policy)
    }

    /// Stores a policy; when it becomes the default, the previous default stops being one.
    private func save(_ policy: SLAPolicy, replacingDefault: Bool, _ context: CommandContext, _ changeset: inout Changeset) {
        if replacingDefault, var previous = defaultSLAPolicy, previous.id != policy.id {
            previous.isDefault = false
            previous.updatedAt = context.time
            changeset.slaPolicies.append(previous)
            changeset.emit(.slaPolicyUpdated, .slaPolicy(previous))
        }
        changeset.slaPolicies.append(policy)
    }

    private func slaTargets(_ targets: [Priority: SLATargets]) throws(CommandError) -> [Priority: SLATargets] {
        for (priority, target) in targets.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            for metric in SLAMetric.allCases {
                if let minutes = target.minutes(for: metric) {
                    _ = try slaMinutes(minutes, "\(priority.rawValue) \(metric.rawValue) minutes")
                }
            }
        }
        return targets
    }

    private func slaMinutes(_ value: Int, _ field: String, allowsZero: Bool = false) throws(CommandError) -> Int {
        guard ((allowsZero ? 0 : 1)...limits.slaTargetMinutesMax).contains(value) else {
            throw .invalid("\(field) must be \(allowsZero ? 0 : 1)…\(limits.slaTargetMinutesMax)")
        }
        return value
    }

    private func escalation(_ value: SLAEscalation) throws(CommandError) -> SLAEscalation {
        if let teamID = value.teamID { try requireTeam(teamID) }
        return value
    }

    private func requireCalendar(_ id: String) throws(CommandError) -> String {
        guard businessCalendars[id] != nil else { throw .notFound("business calendar \(id)") }
        return id
    }

    // MARK: Calendars

    func createBusinessCalendar(
        _ body: CreateBusinessCalendar, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage business calendars")
        try limits.checkID(body.id, "calendar id")
        guard businessCalendars[body.id] == nil else { throw .conflict("business calendar \(body.id) already exists") }
        guard businessCalendars.count < limits.businessCalendarsMax else {
            throw .conflict("there are already \(limits.businessCalendarsMax) business calendars")
        }
        let calendar = BusinessCalendar(
            id: body.id, name: try limits.name(body.name, "name"), timeZone: try limits.name(body.timeZone, "time zone"),
            offsetChanges: try offsetChanges(body.offsetChanges), openingHours: try openingHours(body.openingHours),
            holidays: try holidays(body.holidays), createdAt: context.time, updatedAt: context.time)
        changeset.businessCalendars.append(calendar)
        changeset.emit(.businessCalendarCreated, .businessCalendar(calendar))
        changeset.note("business_calendar.create", target: calendar.id, details: "zone=\(calendar.timeZone)")
        return .businessCalendar(calendar)
    }

    func updateBusinessCalendar(
        _ body: UpdateBusinessCalendar, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage business calendars")
        guard var calendar = businessCalendars[body.calendarID] else { throw .notFound("business calendar \(body.calendarID)") }
        guard (body.timeZone == nil) == (body.offsetChanges == nil) else {
            throw .invalid("a time zone comes with its offset changes")
        }
        if let name = body.name { calendar.name = try limits.name(name, "name") }
        if let zone = body.timeZone, let changes = body.offsetChanges {
            calendar.timeZone = try limits.name(zone, "time zone")
            calendar.offsetChanges = try offsetChanges(changes)
        }
        if let hours = body.openingHours { calendar.openingHours = try openingHours(hours) }
        if let days = body.holidays { calendar.holidays = try holidays(days) }
        calendar.updatedAt = context.time
        changeset.businessCalendars.append(calendar)
        changeset.emit(.businessCalendarUpdated, .businessCalendar(calendar))
        changeset.note("business_calendar.update", target: calendar.id, details: "zone=\(calendar.timeZone)")
        return .businessCalendar(calendar)
    }

    /// Offsets strictly in time order, within ±18 hours in whole minutes, between 1970 and 9999.
    private func offsetChanges(_ changes: [OffsetChange]) throws(CommandError) -> [OffsetChange] {
        guard (1...limits.offsetChangesMax).contains(changes.count) else {
            throw .invalid("a calendar needs 1…\(limits.offsetChangesMax) offset changes")
        }
        var previous: Int64?
        for change in changes {
            guard (0...253_402_300_799).contains(change.utcSeconds), previous.map({ $0 < change.utcSeconds }) ?? true else {
                throw .invalid("offset changes must be in time order between 1970 and 9999")
            }
            guard abs(change.offsetSeconds) <= 18 * 3_600, change.offsetSeconds % 60 == 0 else {
                throw .invalid("offsets must be whole minutes within ±18 hours")
            }
            previous = change.utcSeconds
        }
        return changes
    }

    /// Opening periods sorted by weekday and start, not overlapping, open long enough a week
    /// that business-time searches stay short.
    private func openingHours(_ periods: [OpeningHours]) throws(CommandError) -> [OpeningHours] {
        guard periods.count <= limits.openingHoursMax else { throw .invalid("at most \(limits.openingHoursMax) opening periods") }
        let sorted = periods.sorted { ($0.weekday, $0.startMinuteOfDay) < ($1.weekday, $1.startMinuteOfDay) }
        for (offset, period) in sorted.enumerated() {
            guard (1...7).contains(period.weekday) else { throw .invalid("weekdays are 1 (Monday) to 7 (Sunday)") }
            guard 0 <= period.startMinuteOfDay, period.startMinuteOfDay < period.endMinuteOfDay,
                period.endMinuteOfDay <= 1_440
            else { throw .invalid("an opening period is 0 ≤ start < end ≤ 1440 minutes of the day") }
            if offset > 0, sorted[offset - 1].weekday == period.weekday,
                sorted[offset - 1].endMinuteOfDay > period.startMinuteOfDay {
                throw .invalid("opening periods of weekday \(period.weekday) overlap")
            }
        }
        let weeklyMinutes = sorted.reduce(0) { $0 + $1.endMinuteOfDay - $1.startMinuteOfDay }
        guard weeklyMinutes >= limits.weeklyBusinessMinutesMin else {
            throw .invalid("a calendar must be open at least \(limits.weeklyBusinessMinutesMin) minutes a week")
        }
        return sorted
    }

    /// Valid `YYYY-MM-DD` dates, unique and sorted.
    private func holidays(_ dates: [String]) throws(CommandError) -> [String] {
        let unique = Set(dates)
        guard unique.count <= limits.holidaysMax else { throw .invalid("at most \(limits.holidaysMax) holidays") }
        for date in unique.sorted() where CivilDate(parsing: date) == nil {
            throw .invalid("holiday \(date) is not a date YYYY-MM-DD between 1970 and 9999")
        }
        return unique.sorted()
    }
}
