import Testing
@testable import ServiceDesk

extension Harness {
    /// A populated desk whose slots all belong to node 1, with the Berlin office calendar
    /// (closed on Christmas Day) and a default policy `std` on it.
    static func withSLA(_ adjust: (inout CreateSLAPolicy) -> Void = { _ in }) -> Harness {
        var harness = Harness.populated()
        harness.ok(.system, .assignSlots(AssignSlots(moves: (0..<SlotMap.slotCount).map { SlotMove(slot: $0, owner: 1) })))
        let office = BusinessCalendar.berlinOffice()
        harness.ok(Harness.supervisor, .createBusinessCalendar(CreateBusinessCalendar(
            id: "berlin", name: office.name, timeZone: office.timeZone, offsetChanges: office.offsetChanges,
            openingHours: office.openingHours, holidays: ["2026-12-25"])))
        var policy = CreateSLAPolicy(
            id: "std", name: "Standard",
            targets: [
                .normal: SLATargets(firstResponseMinutes: 120, nextResponseMinutes: 60, resolutionMinutes: 480),
                .high: SLATargets(firstResponseMinutes: 60, nextResponseMinutes: 30, resolutionMinutes: 240),
            ],
            calendarID: "berlin", warningMinutes: 30, escalation: SLAEscalation(raisePriority: true), isDefault: true)
        adjust(&policy)
        harness.ok(Harness.supervisor, .createSLAPolicy(policy))
        return harness
    }

    /// Makes the next command run at `instant`.
    mutating func at(_ instant: Timestamp) {
        time = instant.millisecondsSinceEpoch - 1_000
    }

    /// What node `owner` must propose at `instant` for all the slots it owns.
    func due(at instant: Timestamp, owner: UInt64 = 1) -> [Command.Action] {
        desk.dueWork(ownedSlots: Set(0..<SlotMap.slotCount), owner: owner, now: instant, limit: 100)
    }

    func fence(_ ticketID: String = "k1") -> SlotFence {
        desk.slotMap.fence(for: SlotMap.slot(of: ticketID))
    }
}

extension Timestamp {
    static func + (lhs: Timestamp, minutes: Int64) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: lhs.millisecondsSinceEpoch + Instant.minutes(minutes))
    }
}

@Suite struct SLATests {
    private let friday = Instant.at("2026-03-27T16:00:00+01:00")

    /// A new ticket gets the default policy unless its command refuses one; naming a policy
    /// and refusing one at once is invalid. The refusal survives the binary coding.
    @Test func aTicketMayStartWithoutTheDefaultPolicy() throws {
        var harness = Harness.withSLA()
        #expect(harness.openTicket("k1")?.slaPolicyID == "std")
        let bare = try #require(harness.openTicket("k2") { $0.withoutSLAPolicy = true })
        #expect(bare.slaPolicyID == nil && bare.sla.firstResponse == nil && bare.sla.resolution == nil)
        harness.rejects(
            Harness.supervisor,
            .createTicket(CreateTicket(id: "k3", subject: "S", requesterID: "c1", slaPolicyID: "std", withoutSLAPolicy: true)),
            .invalid)
        let command = Command(
            time: friday, actor: Harness.supervisor, idempotencyKey: "t",
            action: .createTicket(CreateTicket(id: "k4", requesterID: "c1", withoutSLAPolicy: true)))
        #expect(try Command.decode(command.encoded()) == command)
    }

    @Test func theClocksSkipTheWeekendAndFollowSummerTime() throws {
        var harness = Harness.withSLA()
        harness.at(friday)
        let opened = harness.openTicket()
        let ticket = try #require(opened)
        #expect(ticket.slaPolicyID == "std")
        #expect(ticket.sla.firstResponse == SLADue(
            warnAt: Instant.at("2026-03-30T09:30:00+02:00"), dueAt: Instant.at("2026-03-30T10:00:00+02:00")))
        #expect(ticket.sla.resolution == SLADue(
            warnAt: Instant.at("2026-03-30T15:30:00+02:00"), dueAt: Instant.at("2026-03-30T16:00:00+02:00")))
        #expect(ticket.sla.nextResponse == nil && ticket.sla.reminderDueAt == nil)
    }

    @Test func aHolidayMovesTheDueTime() throws {
        var harness = Harness.withSLA()
        harness.at(Instant.at("2026-12-24T16:00:00+01:00"))
        let opened = harness.openTicket()
        let ticket = try #require(opened)
        #expect(ticket.sla.firstResponse?.dueAt == Instant.at("2026-12-28T10:00:00+01:00"))
    }

    @Test func aWarningThenABreachAreEachRecordedOnce() throws {
        var harness = Harness.withSLA()
        harness.at(friday)
        harness.openTicket()
        #expect(harness.due(at: Instant.at("2026-03-30T09:29:59+02:00")).isEmpty)
        let warnAt = Instant.at("2026-03-30T09:30:00+02:00")
        let warning = harness.due(at: warnAt)
        #expect(warning == [.recordSLAWarning(RecordSLAWarning(ticketID: "k1", metric: .firstResponse, fence: harness.fence()))])
        harness.at(warnAt)
        let warned = harness.run(.system, warning[0])
        #expect(warned.events.map(\.type) == [.ticketSLAWarning, .ticketHistoryCreated])
        #expect(harness.ticket().sla.warned == [.firstResponse])
        #expect(harness.due(at: warnAt).isEmpty, "a recorded warning is not due again")
        harness.rejects(.system, warning[0], .conflict)

        let dueAt = Instant.at("2026-03-30T10:00:00+02:00")
        let breach = harness.due(at: dueAt)
        #expect(breach == [.recordSLABreach(RecordSLABreach(ticketID: "k1", metric: .firstResponse, fence: harness.fence()))])
        harness.at(dueAt)
        let outcome = harness.run(.system, breach[0])
        let alert = try #require(try outcome.result.get().ticketAlert)
        #expect(alert.kind == .breach && alert.metric == .firstResponse)
        #expect(outcome.events.map(\.type) == [.ticketSLABreached, .ticketHistoryCreated])
        let ticket = harness.ticket()
        #expect(ticket.sla.breached == [.firstResponse] && ticket.priority == .high, "escalation raised the priority")
        #expect(ticket.sla.resolution?.dueAt == Instant.at("2026-03-30T12:00:00+02:00"), "now with the high targets")
        #expect(harness.due(at: dueAt).isEmpty, "a recorded breach is not due again")
        harness.rejects(.system, breach[0], .conflict)
        let entry = try #require(harness.desk.ticketHistory(ticketID: "k1", limit: 10).last)
        #expect(entry.action == "sla_breached" && entry.actor == .system)
        #expect(entry.changes == [
            TicketChange(field: "priority", from: "normal", to: "high"),
            TicketChange(field: "sla.breached", from: "", to: "firstResponse"),
        ])
        #expect(harness.desk.tickets(matching: TicketFilter(breached: true), limit: 10).items.map(\.id) == ["k1"])
    }

    @Test func whenBothAreOverdueOnlyTheBreachIsDue() {
        var harness = Harness.withSLA()
        harness.at(friday)
        harness.openTicket()
        let late = Instant.at("2026-03-30T11:00:00+02:00")
        #expect(harness.due(at: late) == [.recordSLABreach(RecordSLABreach(ticketID: "k1", metric: .firstResponse, fence: harness.fence()))])
    }

    @Test func aStaleOwnersTimerIsRefused() throws {
        var harness = Harness.withSLA()
        harness.at(friday)
        harness.openTicket()
        let dueAt = Instant.at("2026-03-30T10:00:00+02:00")
        let stale = try #require(harness.due(at: dueAt).first)
        harness.ok(.system, .assignSlots(AssignSlots(moves: [SlotMove(slot: SlotMap.slot(of: "k1"), owner: 2)])))
        #expect(harness.due(at: dueAt, owner: 1).isEmpty, "node 1 no longer owns the slot")
        harness.at(dueAt)
        harness.rejects(.system, stale, .conflict)
        let wrongSlot = SlotMap.slot(of: "k1") == 0 ? 1 : 0
        let misfiled = Command.Action.recordSLABreach(RecordSLABreach(
            ticketID: "k1", metric: .firstResponse, fence: harness.desk.slotMap.fence(for: wrongSlot)))
        harness.rejects(.system, misfiled, .invalid)
        let staleWarning = Command.Action.recordSLAWarning(RecordSLAWarning(ticketID: "k1", metric: .resolution, fence: SlotFence(
            slot: SlotMap.slot(of: "k1"), epoch: 1, owner: 1)))
        harness.rejects(.system, staleWarning, .conflict)
        let missing = Command.Action.remindAssignee(RemindAssignee(ticketID: "k9", fence: harness.fence("k9")))
        harness.rejects(.system, missing, .notFound)
        let fresh = harness.due(at: dueAt, owner: 2)
        #expect(fresh.count == 1 && fresh != [stale])
        harness.rejects(Harness.supervisor, fresh[0], .forbidden)
        harness.ok(.system, fresh[0])
        #expect(harness.due(at: dueAt, owner: 2).isEmpty)
    }

    @Test func aLateReplyRecordsTheBreachWithoutEscalation() throws {
        var harness = Harness.withSLA()
        harness.at(friday)
        harness.openTicket()
        harness.at(Instant.at("2026-03-30T10:30:00+02:00"))
        let outcome = harness.run(Harness.supervisor, Harness.comment("Sorry for the wait"))
        #expect(outcome.events.map(\.type) == [.ticketCommentCreated, .ticketUpdated, .ticketSLABreached, .ticketHistoryCreated])
        let ticket = harness.ticket()
        #expect(ticket.sla.breached == [.firstResponse] && ticket.priority == .normal)
        #expect(ticket.sla.firstResponse == nil && ticket.status == .open)
        #expect(harness.due(at: Instant.at("2026-03-30T10:31:00+02:00")).isEmpty)
    }

    @Test func resolutionPausesWhilePendingOrOnHold() throws {
        var harness = Harness.withSLA { $0.calendarID = nil; $0.targets = [.normal: SLATargets(resolutionMinutes: 600)] }
        let start = Instant.at("2026-05-04T08:00:00Z")
        harness.at(start)
        harness.openTicket()
        #expect(harness.ticket().sla.resolution?.dueAt == start + 600)
        let steps: [(minute: Int64, status: TicketStatus, elapsedMinutes: Int64, dueAt: Timestamp?)] = [
            (100, .pending, 100, nil),
            (1_000, .open, 100, start + 1_500),
            (1_100, .onHold, 200, nil),
            (1_200, .open, 200, start + 1_600),
            (1_300, .solved, 300, nil),
        ]
        for step in steps {
            harness.at(start + step.minute)
            harness.ok(Harness.supervisor, Harness.update { $0.status = step.status })
            let sla = harness.ticket().sla
            #expect(sla.resolutionElapsedMilliseconds == Instant.minutes(step.elapsedMinutes), "at minute \(step.minute)")
            #expect(sla.resolution?.dueAt == step.dueAt, "at minute \(step.minute)")
        }
        harness.at(start + 2_000)
        harness.ok(Harness.customer, Harness.comment("It broke again"))
        #expect(harness.ticket().status == .open && harness.ticket().sla.resolution?.dueAt == start + 2_300)
        #expect(harness.ticket().sla.breached.isEmpty)
    }

    @Test func theNextResponseClockRunsFromTheCustomersComment() throws {
        var harness = Harness.withSLA()
        harness.at(Instant.at("2026-03-02T09:00:00+01:00"))
        harness.openTicket()
        harness.at(Instant.at("2026-03-02T09:10:00+01:00"))
        harness.ok(Harness.supervisor, Harness.comment("Looking into it"))
        #expect(harness.ticket().sla.firstResponse == nil && harness.ticket().sla.nextResponse == nil)
        // Consoles show the clocks from `ticket.updated` events: a comment that starts or stops
        // a clock without changing the status must still send one.
        harness.at(Instant.at("2026-03-02T16:30:00+01:00"))
        let started = harness.run(Harness.customer, Harness.comment("Any news?"))
        #expect(started.events.map(\.type) == [.ticketCommentCreated, .ticketUpdated, .ticketHistoryCreated])
        let expected = Instant.at("2026-03-03T09:30:00+01:00")
        #expect(harness.ticket().sla.nextResponse?.dueAt == expected)
        harness.at(Instant.at("2026-03-02T16:45:00+01:00"))
        let unchanged = harness.run(Harness.customer, Harness.comment("Hello?"))
        #expect(unchanged.events.map(\.type) == [.ticketCommentCreated, .ticketHistoryCreated], "the clock already ran")
        #expect(harness.ticket().sla.nextResponse?.dueAt == expected, "the wait started with the first comment")
        harness.at(Instant.at("2026-03-03T09:05:00+01:00"))
        let stopped = harness.run(Harness.supervisor, Harness.comment("Fixed"))
        #expect(stopped.events.map(\.type).contains(.ticketUpdated))
        #expect(harness.ticket().sla.nextResponse == nil && harness.ticket().sla.breached.isEmpty)
    }

    @Test func theAssigneeIsRemindedWhileTheTicketWaitsOnThem() throws {
        var harness = Harness.withSLA { $0.calendarID = nil; $0.targets = [:]; $0.reminderMinutes = 60 }
        let start = Instant.at("2026-05-04T08:00:00Z")
        harness.at(start)
        harness.openTicket { $0.assigneeID = "a1" }
        #expect(harness.ticket().sla.reminderDueAt == start + 60)
        #expect(harness.due(at: start + 59).isEmpty)
        let reminder = harness.due(at: start + 60)
        #expect(reminder == [.remindAssignee(RemindAssignee(ticketID: "k1", fence: harness.fence()))])
        harness.at(start + 60)
        let outcome = harness.run(.system, reminder[0])
        #expect(outcome.events.map(\.type) == [.ticketReminder, .ticketHistoryCreated])
        let audience = harness.desk.audience(of: try #require(outcome.events.first))
        #expect(Viewer(kind: .staff(id: "a1", role: .agent)).canSee(audience))
        #expect(!Viewer(kind: .customer(id: "c1")).canSee(audience), "alerts are internal")
        #expect(harness.ticket().sla.reminderDueAt == start + 120)
        #expect(harness.historyActions().last == "reminded")
        harness.rejects(.system, reminder[0], .conflict)
        harness.at(start + 70)
        harness.ok(Harness.agent, Harness.comment("Working on it"))
        #expect(harness.ticket().sla.reminderDueAt == nil, "the customer no longer waits")
        harness.at(start + 80)
        harness.ok(Harness.customer, Harness.comment("Thanks, one more thing"))
        #expect(harness.ticket().sla.reminderDueAt == start + 140)
        harness.ok(Harness.agent, Harness.update { $0.assigneeID = .clear })
        #expect(harness.ticket().sla.reminderDueAt == nil)
    }

    @Test func escalationCanHandTheTicketToAnotherTeam() throws {
        var harness = Harness.withSLA { $0.escalation = SLAEscalation(teamID: "t1", unassign: true) }
        harness.at(friday)
        harness.openTicket { $0.assigneeID = "a2" }
        let dueAt = Instant.at("2026-03-30T10:00:00+02:00")
        let breach = try #require(harness.due(at: dueAt).first)
        harness.at(dueAt)
        let outcome = harness.run(.system, breach)
        let ticket = harness.ticket()
        #expect(ticket.teamID == "t1" && ticket.assigneeID == nil && ticket.priority == .normal)
        #expect(outcome.events.first?.formerAssigneeID == "a2")
    }

    @Test func dueWorkIsOrderedAndLimited() {
        var harness = Harness.withSLA { $0.calendarID = nil; $0.warningMinutes = 0 }
        let start = Instant.at("2026-05-04T08:00:00Z")
        for (offset, id) in ["b", "a", "c"].enumerated() {
            harness.at(start + Int64(offset))
            harness.openTicket(id)
        }
        let late = start + 10_000
        let ids = harness.due(at: late).compactMap { action -> String? in
            if case .recordSLABreach(let body) = action { return "\(body.ticketID):\(body.metric.rawValue)" }
            return nil
        }
        #expect(ids == ["b:firstResponse", "a:firstResponse", "c:firstResponse", "b:resolution", "a:resolution", "c:resolution"])
        #expect(harness.desk.dueWork(ownedSlots: Set(0..<SlotMap.slotCount), owner: 1, now: late, limit: 2).count == 2)
        #expect(harness.desk.dueWork(ownedSlots: [], owner: 1, now: late, limit: 10).isEmpty)
    }

    @Test func aTicketsPolicyCanChangeOrGo() throws {
        var harness = Harness.withSLA()
        harness.at(friday)
        harness.openTicket()
        harness.ok(Harness.supervisor, Harness.update { $0.slaPolicyID = .clear })
        let cleared = harness.ticket()
        #expect(cleared.slaPolicyID == nil && cleared.sla.firstResponse == nil && cleared.sla.resolution == nil)
        #expect(cleared.sla.resolutionRunningSince != nil, "the facts are kept for a later policy")
        harness.ok(Harness.supervisor, Harness.update { $0.slaPolicyID = .set("std") })
        #expect(harness.ticket().sla.firstResponse?.dueAt == Instant.at("2026-03-30T10:00:00+02:00"))
    }

    @Test func theDefaultPolicyMovesAndExistingTicketsKeepTheirs() throws {
        var harness = Harness.withSLA()
        harness.openTicket("k1")
        let outcome = harness.run(Harness.supervisor, .createSLAPolicy(CreateSLAPolicy(id: "vip", name: "VIP", targets: [:], isDefault: true)))
        #expect(outcome.events.map(\.type) == [.slaPolicyUpdated, .slaPolicyCreated])
        #expect(harness.desk.slaPolicy(id: "std")?.isDefault == false)
        harness.openTicket("k2")
        #expect(harness.ticket("k1").slaPolicyID == "std" && harness.ticket("k2").slaPolicyID == "vip")
        harness.ok(Harness.supervisor, .updateSLAPolicy(UpdateSLAPolicy(policyID: "std", isDefault: true)))
        #expect(harness.desk.allSLAPolicies().filter(\.isDefault).map(\.id) == ["std"])
        harness.ok(Harness.supervisor, .updateSLAPolicy(UpdateSLAPolicy(policyID: "std", calendarID: .clear, reminderMinutes: .set(15))))
        #expect(harness.desk.slaPolicy(id: "std")?.calendarID == nil && harness.desk.slaPolicy(id: "std")?.reminderMinutes == 15)
        #expect(harness.desk.slaState(ticketID: "k1")?.policy?.id == "std")
    }

    @Test func invalidPoliciesAreRefused() {
        var limits = DeskLimits()
        limits.slaPoliciesMax = 2
        var harness = Harness.populated(limits: limits)
        harness.ok(Harness.supervisor, .createSLAPolicy(CreateSLAPolicy(id: "p1", name: "P", targets: [:])))
        let bad: [(Actor, CreateSLAPolicy, CommandError.Code)] = [
            (Harness.agent, CreateSLAPolicy(id: "p2", name: "P", targets: [:]), .forbidden),
            (Harness.supervisor, CreateSLAPolicy(id: "p1", name: "P", targets: [:]), .conflict),
            (Harness.supervisor, CreateSLAPolicy(id: "p2", name: " ", targets: [:]), .invalid),
            (Harness.supervisor, CreateSLAPolicy(id: "p2", name: "P", targets: [.low: SLATargets(firstResponseMinutes: 0)]), .invalid),
            (Harness.supervisor, CreateSLAPolicy(id: "p2", name: "P", targets: [.low: SLATargets(resolutionMinutes: 100_001)]), .invalid),
            (Harness.supervisor, CreateSLAPolicy(id: "p2", name: "P", targets: [:], warningMinutes: -1), .invalid),
            (Harness.supervisor, CreateSLAPolicy(id: "p2", name: "P", targets: [:], reminderMinutes: 0), .invalid),
            (Harness.supervisor, CreateSLAPolicy(id: "p2", name: "P", targets: [:], calendarID: "nope"), .notFound),
            (Harness.supervisor, CreateSLAPolicy(id: "p2", name: "P", targets: [:], escalation: SLAEscalation(teamID: "t9")), .notFound),
        ]
        for (actor, body, code) in bad { harness.rejects(actor, .createSLAPolicy(body), code) }
        harness.rejects(Harness.supervisor, .updateSLAPolicy(UpdateSLAPolicy(policyID: "p9", name: "X")), .notFound)
        harness.rejects(Harness.supervisor, .updateSLAPolicy(UpdateSLAPolicy(policyID: "p1", warningMinutes: 100_001)), .invalid)
        harness.ok(Harness.supervisor, .createSLAPolicy(CreateSLAPolicy(id: "p2", name: "P", targets: [:])))
        harness.rejects(Harness.supervisor, .createSLAPolicy(CreateSLAPolicy(id: "p3", name: "P", targets: [:])), .conflict)
    }

    @Test func invalidCalendarsAreRefused() {
        var harness = Harness.populated()
        let office = BusinessCalendar.berlinOffice()
        func calendar(_ adjust: (inout CreateBusinessCalendar) -> Void) -> Command.Action {
            var body = CreateBusinessCalendar(
                id: "c", name: "C", timeZone: "Europe/Berlin", offsetChanges: office.offsetChanges, openingHours: office.openingHours)
            adjust(&body)
            return .createBusinessCalendar(body)
        }
        harness.rejects(Harness.agent, calendar { _ in }, .forbidden)
        let invalid: [(inout CreateBusinessCalendar) -> Void] = [
            { $0.openingHours = [OpeningHours(weekday: 8, startMinuteOfDay: 0, endMinuteOfDay: 600)] },
            { $0.openingHours = [OpeningHours(weekday: 1, startMinuteOfDay: 600, endMinuteOfDay: 600)] },
            { $0.openingHours = [OpeningHours(weekday: 1, startMinuteOfDay: 0, endMinuteOfDay: 1_441)] },
            { $0.openingHours = [OpeningHours(weekday: 1, startMinuteOfDay: 600, endMinuteOfDay: 630)] },
            { $0.openingHours = office.openingHours + [OpeningHours(weekday: 3, startMinuteOfDay: 960, endMinuteOfDay: 1_080)] },
            { $0.holidays = ["2026-02-30"] },
            { $0.offsetChanges = [] },
            { $0.offsetChanges = Array(office.offsetChanges.reversed()) },
            { $0.offsetChanges = [OffsetChange(utcSeconds: 0, offsetSeconds: 45)] },
            { $0.offsetChanges = [OffsetChange(utcSeconds: 0, offsetSeconds: 19 * 3_600)] },
            { $0.offsetChanges = [OffsetChange(utcSeconds: -1, offsetSeconds: 0)] },
            { $0.timeZone = "" },
            { $0.id = "c/1" },
        ]
        for adjust in invalid { harness.rejects(Harness.supervisor, calendar(adjust), .invalid) }
        harness.ok(Harness.supervisor, calendar { $0.holidays = ["2026-12-25", "2026-01-01", "2026-12-25"] })
        #expect(harness.desk.businessCalendar(id: "c")?.holidays == ["2026-01-01", "2026-12-25"])
        harness.rejects(Harness.supervisor, calendar { _ in }, .conflict)
        harness.rejects(Harness.supervisor, .updateBusinessCalendar(UpdateBusinessCalendar(calendarID: "c", timeZone: "UTC")), .invalid)
        harness.rejects(Harness.supervisor, .updateBusinessCalendar(UpdateBusinessCalendar(calendarID: "x", name: "X")), .notFound)
        let utc = [OffsetChange(utcSeconds: 0, offsetSeconds: 0)]
        harness.ok(Harness.supervisor, .updateBusinessCalendar(UpdateBusinessCalendar(calendarID: "c", timeZone: "UTC", offsetChanges: utc)))
        #expect(harness.desk.businessCalendar(id: "c")?.offsetChanges == utc)
    }
}
