import Foundation
import Testing
@testable import ServiceDesk

@Suite struct TicketEncodingTests {
    private func sample(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Samples"))
        return Array(try Data(contentsOf: url))
    }

    private let time = Timestamp(millisecondsSinceEpoch: 1_774_623_600_000)

    @Test func versionOneSamplesDecode() throws {
        let ticket = try Command.decode(try sample("v1-create-ticket"))
        #expect(ticket.action == .createTicket(CreateTicket(
            id: "tkt-01HZ", subject: "Parcel lost", description: "Tracking stopped a week ago.", conversationID: "conv-01HX",
            priority: .high, type: .incident, tags: ["parcel"], fields: ["order": "A-17"])))
        let policy = try Command.decode(try sample("v1-create-sla-policy"))
        guard case .createSLAPolicy(let body) = policy.action else { throw DeskDecodingError.malformed("not createSLAPolicy") }
        #expect(body.targets[.normal] == SLATargets(firstResponseMinutes: 120, nextResponseMinutes: 60, resolutionMinutes: 480))
        #expect(body.targets[.low] == nil && body.isDefault && body.escalation == SLAEscalation(raisePriority: true))
        let breach = try Command.decode(try sample("v1-record-sla-breach"))
        #expect(breach.action == .recordSLABreach(RecordSLABreach(
            ticketID: "tkt-01HZ", metric: .firstResponse, fence: SlotFence(slot: 17, epoch: 3, owner: 2))))
    }

    @Test func samplesStillApply() throws {
        var desk = Desk()
        let names = ["v1-create-staff", "v1-create-conversation", "v1-create-sla-policy", "v1-create-ticket"]
        for (offset, name) in names.enumerated() {
            let outcome = desk.apply(encodedCommand: try sample(name), index: UInt64(offset + 1))
            #expect(throws: Never.self) { try outcome.result.get() }
        }
        let ticket = try #require(desk.ticket(id: "tkt-01HZ"))
        #expect(ticket.requesterID == "cust-01HX" && ticket.slaPolicyID == "standard" && ticket.sla.firstResponse != nil)
        let stale = desk.apply(encodedCommand: try sample("v1-record-sla-breach"), index: 5)
        #expect(throws: CommandError.self) { try stale.result.get() }
        #expect(stale.changes.isEmpty, "a fence from another slot map changes nothing")
    }

    @Test func everyTicketActionRoundTrips() throws {
        let fence = SlotFence(slot: 3, epoch: 2, owner: 1)
        let actions: [Command.Action] = [
            .createTicket(CreateTicket(
                id: "k", subject: "S", description: "D", requesterID: "c", channel: .app, priority: .urgent, type: .task,
                teamID: "t", assigneeID: "a", tags: ["x"], fields: ["f": "v"], watcherIDs: ["w"], slaPolicyID: "p")),
            .updateTicket(UpdateTicket(
                ticketID: "k", subject: "S", description: "D", status: .onHold, priority: .low, type: .problem,
                teamID: .clear, assigneeID: .set("a"), tags: [], fields: [:], watcherIDs: ["w"], slaPolicyID: .clear)),
            .addTicketComment(AddTicketComment(
                ticketID: "k", text: "t", attachments: [Attachment(name: "a", contentType: "text/plain", bytes: 1, url: "u")],
                internal: true)),
            .mergeTickets(MergeTickets(sourceID: "k", targetID: "j")),
            .createSLAPolicy(CreateSLAPolicy(
                id: "p", name: "P", targets: [.urgent: SLATargets(firstResponseMinutes: 5)], calendarID: "c",
                warningMinutes: 1, reminderMinutes: 9, escalation: SLAEscalation(raisePriority: true, teamID: "t", unassign: true),
                isDefault: true)),
            .updateSLAPolicy(UpdateSLAPolicy(
                policyID: "p", name: "Q", targets: [:], calendarID: .clear, warningMinutes: 2, reminderMinutes: .set(3),
                escalation: SLAEscalation(), isDefault: false)),
            .createBusinessCalendar(CreateBusinessCalendar(
                id: "c", name: "C", timeZone: "Europe/Berlin", offsetChanges: [OffsetChange(utcSeconds: 1, offsetSeconds: 3_600)],
                openingHours: [OpeningHours(weekday: 1, startMinuteOfDay: 0, endMinuteOfDay: 60)], holidays: ["2026-01-01"])),
            .updateBusinessCalendar(UpdateBusinessCalendar(
                calendarID: "c", name: "D", timeZone: "UTC", offsetChanges: [OffsetChange(utcSeconds: 0, offsetSeconds: 0)],
                openingHours: [], holidays: [])),
            .recordSLABreach(RecordSLABreach(ticketID: "k", metric: .resolution, fence: fence)),
            .recordSLAWarning(RecordSLAWarning(ticketID: "k", metric: .nextResponse, fence: fence)),
            .remindAssignee(RemindAssignee(ticketID: "k", fence: fence)),
        ]
        for (offset, action) in actions.enumerated() {
            let command = Command(time: time, actor: offset.isMultiple(of: 2) ? .system : Harness.supervisor, action: action)
            let bytes = command.encoded()
            #expect(try Command.decode(bytes) == command, "\(action.typeName)")
            #expect(try Command.decode(bytes).encoded() == bytes, "encoding is canonical")
        }
        #expect(Set(actions.map(\.typeName)).count == actions.count)
    }

    @Test func ticketRecordsRoundTripThroughRecordsAndSnapshots() throws {
        var harness = Harness.withSLA()
        harness.at(Instant.at("2026-03-27T16:00:00+01:00"))
        harness.openTicket("k1") { $0.conversationID = "v1"; $0.requesterID = nil }
        harness.openTicket("k2") { $0.assigneeID = "a1"; $0.fields = ["order": "A-1"] }
        harness.ok(Harness.customer, Harness.comment("Hello", on: "k1"))
        harness.ok(Harness.supervisor, Harness.comment("Hi!", on: "k1"))
        harness.ok(Harness.supervisor, Harness.update("k2") { $0.status = .pending })
        harness.ok(Harness.supervisor, .mergeTickets(MergeTickets(sourceID: "k2", targetID: "k1")))
        let breachAt = Instant.at("2026-03-30T16:00:00+02:00")
        for action in harness.due(at: breachAt) {
            harness.at(breachAt)
            harness.ok(.system, action)
        }
        let records = harness.desk.records()
        let kinds = Set(records.map { String(decoding: $0.key, as: UTF8.self).split(separator: "/")[1] })
        #expect(kinds.isSuperset(of: ["ticket", "ticket_comment", "ticket_history", "sla_policy", "business_calendar", "outbox"]))
        for record in records where RecordKey.isDeskKey(record.key) {
            let decoded = try StoredRecord.decode(record.value)
            #expect(decoded.encoded() == record.value && decoded.key == record.key)
        }
        let restored = try Desk(records: records)
        #expect(restored == harness.desk)
        #expect(try Desk(snapshot: harness.desk.snapshotData()).snapshotData() == harness.desk.snapshotData())
        #expect(restored.ticketTimers == harness.desk.ticketTimers)
        let ticket = try #require(records.first { String(decoding: $0.key, as: UTF8.self) == "sd/ticket/k1" })
        #expect(String(decoding: DeskJSON.encode(try StoredRecord.decode(ticket.value)), as: UTF8.self).hasPrefix(#"{"type":"ticket","v":1,"value":{"#))
    }

    @Test func brokenTicketRecordsAreRejected() throws {
        var harness = Harness.populated()
        harness.openTicket()
        harness.ok(Harness.customer, Harness.comment("one"))
        harness.ok(Harness.customer, Harness.comment("two"))
        let records = harness.desk.records()
        let missingComment = records.filter { String(decoding: $0.key, as: UTF8.self) != "sd/ticket_comment/k1/00000000000000000001" }
        #expect(throws: DeskDecodingError.self) { try Desk(records: missingComment) }
        let missingTicket = records.filter { String(decoding: $0.key, as: UTF8.self) != "sd/ticket/k1" }
        #expect(throws: DeskDecodingError.self) { try Desk(records: missingTicket) }
        let missingHistory = records.filter { !String(decoding: $0.key, as: UTF8.self).hasPrefix("sd/ticket_history/") }
        #expect(throws: DeskDecodingError.self) { try Desk(records: missingHistory) }
    }

    @Test(arguments: [1, 2, 3, 77] as [UInt64])
    func sameTicketCommandsGiveIdenticalSnapshots(seed: UInt64) throws {
        var generator = TicketCommandGenerator(seed: seed)
        var first = Harness.withSLA().desk
        var second = first
        var store = RecordStore()
        store.write(first.records().map { RecordChange(key: $0.key, value: $0.value) })
        var accepted = 0
        var timers = 0
        for index in 1_000...2_500 as ClosedRange<UInt64> {
            let command = generator.next(for: first)
            let bytes = command.encoded()
            let outcome = first.apply(encodedCommand: bytes, index: index)
            #expect(second.apply(encodedCommand: bytes, index: index) == outcome)
            store.write(outcome.changes)
            if case .success = outcome.result {
                accepted += 1
                if case .system = command.actor, !outcome.events.isEmpty { timers += 1 }
            }
        }
        #expect(first.snapshotData() == second.snapshotData())
        #expect(store.sorted.map(\.key) == first.records().map(\.key))
        #expect(store.sorted.map(\.value) == first.records().map(\.value))
        #expect(try Desk(records: store.sorted) == first)
        #expect(accepted > 200 && timers > 10, "the generator must exercise tickets and their timers: \(accepted), \(timers)")
    }
}

/// Random ticket commands over a small id space, plus the timers `dueWork` finds due, on top
/// of `Harness.withSLA()`.
struct TicketCommandGenerator {
    var random: SeededRandom
    var time = Instant.at("2026-03-02T08:00:00+01:00").millisecondsSinceEpoch

    init(seed: UInt64) {
        random = SeededRandom(state: seed)
    }

    mutating func next(for desk: Desk) -> Command {
        time += Int64.random(in: 0...1_800_000, using: &random)
        let now = Timestamp(millisecondsSinceEpoch: time)
        let timers = desk.dueWork(ownedSlots: Set(0..<SlotMap.slotCount), owner: 1, now: now, limit: 1)
        if let timer = timers.first, Int.random(in: 0..<3, using: &random) == 0 {
            return Command(time: now, actor: .system, action: timer)
        }
        return Command(time: now, actor: actor(), action: action())
    }

    private mutating func pick(_ prefix: String, _ count: Int) -> String { "\(prefix)\(Int.random(in: 0..<count, using: &random))" }

    private mutating func actor() -> Actor {
        [Harness.supervisor, Harness.agent, Harness.otherAgent, Harness.customer, Harness.otherCustomer, .system]
            .randomElement(using: &random)!
    }

    /// Mostly statuses a ticket lives on in, so that few tickets end closed early.
    private mutating func status() -> TicketStatus {
        Int.random(in: 0..<10, using: &random) == 0 ? .closed : [.new, .open, .pending, .onHold, .solved].randomElement(using: &random)!
    }

    private mutating func action() -> Command.Action {
        switch Int.random(in: 0..<10, using: &random) {
        case 0, 1:
            .createTicket(CreateTicket(
                id: pick("k", 40), subject: "S", requesterID: pick("c", 3), conversationID: Bool.random(using: &random) ? "v1" : nil,
                priority: Priority.allCases.randomElement(using: &random)!, assigneeID: Bool.random(using: &random) ? pick("a", 3) : nil))
        case 2, 3:
            .updateTicket(UpdateTicket(
                ticketID: pick("k", 40), status: status(),
                priority: Bool.random(using: &random) ? Priority.allCases.randomElement(using: &random) : nil,
                assigneeID: Bool.random(using: &random) ? .set(pick("a", 3)) : nil))
        case 4, 5, 6:
            .addTicketComment(AddTicketComment(ticketID: pick("k", 40), text: pick("text ", 50), internal: Int.random(in: 0..<4, using: &random) == 0))
        case 7:
            .mergeTickets(MergeTickets(sourceID: pick("k", 40), targetID: pick("k", 40)))
        case 8:
            .updateSLAPolicy(UpdateSLAPolicy(policyID: "std", warningMinutes: Int.random(in: 0...60, using: &random)))
        default:
            .updateTicket(UpdateTicket(ticketID: pick("k", 40), slaPolicyID: Bool.random(using: &random) ? .set("std") : .clear))
        }
    }
}
