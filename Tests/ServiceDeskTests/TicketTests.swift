import Testing
@testable import ServiceDesk

extension DeskResult {
    var ticket: Ticket? {
        if case .ticket(let value) = self { return value }
        return nil
    }

    var ticketComment: TicketComment? {
        if case .ticketComment(let value) = self { return value }
        return nil
    }

    var ticketAlert: TicketAlert? {
        if case .ticketAlert(let value) = self { return value }
        return nil
    }
}

extension Harness {
    /// Opens ticket `id` for customer `c1`, as the supervisor.
    @discardableResult
    mutating func openTicket(
        _ id: String = "k1", sourceLocation: SourceLocation = #_sourceLocation, _ adjust: (inout CreateTicket) -> Void = { _ in }
    ) -> Ticket? {
        var body = CreateTicket(id: id, subject: "Refund", requesterID: "c1")
        adjust(&body)
        return ok(Harness.supervisor, .createTicket(body), sourceLocation: sourceLocation)?.ticket
    }

    func ticket(_ id: String = "k1") -> Ticket { desk.ticket(id: id)! }

    func historyActions(_ id: String = "k1") -> [String] {
        desk.ticketHistory(ticketID: id, limit: 500).map(\.action)
    }

    static func comment(_ text: String, on ticketID: String = "k1", internal: Bool = false) -> Command.Action {
        .addTicketComment(AddTicketComment(ticketID: ticketID, text: text, internal: `internal`))
    }

    static func update(_ ticketID: String = "k1", _ adjust: (inout UpdateTicket) -> Void) -> Command.Action {
        var body = UpdateTicket(ticketID: ticketID)
        adjust(&body)
        return .updateTicket(body)
    }
}

@Suite struct TicketTests {
    @Test func aTicketFromAConversationKeepsTheLink() throws {
        var harness = Harness.populated()
        let outcome = harness.run(Harness.agent, .createTicket(CreateTicket(id: "k1", description: "Card charged twice", conversationID: "v1")))
        let ticket = try #require(try outcome.result.get().ticket)
        #expect(ticket.conversationID == "v1" && ticket.requesterID == "c1" && ticket.channel == .wechat)
        #expect(ticket.subject == "Conversation v1" && ticket.status == .new && ticket.priority == .normal)
        #expect(outcome.events.map(\.type) == [.ticketCreated, .ticketHistoryCreated])
        #expect(harness.historyActions() == ["created"])
        let created = harness.desk.ticketHistory(ticketID: "k1", limit: 10)[0]
        #expect(created.actor == Harness.agent && created.changes.contains(TicketChange(field: "conversation", from: nil, to: "v1")))
        #expect(harness.desk.auditLog(limit: 100).last?.action == "ticket.create")
    }

    @Test func aTicketForACustomerTakesEveryField() throws {
        var harness = Harness.populated()
        let opened = harness.openTicket { body in
            body.requesterID = "c2"
            body.priority = .high
            body.type = .incident
            body.teamID = "t1"
            body.assigneeID = "a1"
            body.tags = [" VIP ", "refund", "vip"]
            body.fields = ["order": "A-17"]
            body.watcherIDs = ["sup", "a2", "sup"]
        }
        let ticket = try #require(opened)
        #expect(ticket.channel == .email && ticket.requesterID == "c2" && ticket.type == .incident)
        #expect(ticket.status == .open, "an assigned ticket is being worked on")
        #expect(ticket.assignedAt?.millisecondsSinceEpoch == harness.time)
        #expect(ticket.tags == ["refund", "vip"] && ticket.watcherIDs == ["a2", "sup"] && ticket.fields == ["order": "A-17"])
    }

    @Test func invalidTicketsAreRefusedAndChangeNothing() {
        var limits = DeskLimits()
        limits.ticketFieldsMax = 1
        var harness = Harness.populated(limits: limits)
        harness.openTicket()
        let cases: [(Actor, CreateTicket, CommandError.Code)] = [
            (Harness.customer, CreateTicket(id: "k2", subject: "S", requesterID: "c1"), .forbidden),
            (Harness.supervisor, CreateTicket(id: "k2", subject: "S"), .invalid),
            (Harness.supervisor, CreateTicket(id: "k2", subject: "S", requesterID: "nobody"), .notFound),
            (Harness.supervisor, CreateTicket(id: "k2", conversationID: "nope"), .notFound),
            (Harness.supervisor, CreateTicket(id: "k2", requesterID: "c2", conversationID: "v1"), .invalid),
            (Harness.supervisor, CreateTicket(id: "k1", subject: "S", requesterID: "c1"), .conflict),
            (Harness.supervisor, CreateTicket(id: "k/2", subject: "S", requesterID: "c1"), .invalid),
            (Harness.supervisor, CreateTicket(id: "k2", subject: "  ", requesterID: "c1"), .invalid),
            (Harness.agent, CreateTicket(id: "k2", subject: "S", requesterID: "c1", assigneeID: "a2"), .forbidden),
            (Harness.supervisor, CreateTicket(id: "k2", subject: "S", requesterID: "c1", assigneeID: "ghost"), .notFound),
            (Harness.supervisor, CreateTicket(id: "k2", subject: "S", requesterID: "c1", teamID: "t9"), .notFound),
            (Harness.supervisor, CreateTicket(id: "k2", subject: "S", requesterID: "c1", watcherIDs: ["ghost"]), .notFound),
            (Harness.supervisor, CreateTicket(id: "k2", subject: "S", requesterID: "c1", fields: ["a": "1", "b": "2"]), .invalid),
            (Harness.supervisor, CreateTicket(id: "k2", subject: "S", requesterID: "c1", fields: [" a": "1"]), .invalid),
            (Harness.supervisor, CreateTicket(id: "k2", subject: "S", requesterID: "c1", slaPolicyID: "p9"), .notFound),
        ]
        for (actor, body, code) in cases {
            harness.rejects(actor, .createTicket(body), code)
        }
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("a2"))))
        harness.rejects(Harness.agent, .createTicket(CreateTicket(id: "k2", conversationID: "v1")), .forbidden)
        harness.time = 253_402_300_800_000
        harness.rejects(Harness.supervisor, .createTicket(CreateTicket(id: "k2", subject: "S", requesterID: "c1")), .invalid)
    }

    /// The documented transition table, row by row: `✓` allowed, `=` staying, `–` refused.
    private static let table: [TicketStatus: String] = [
        .new: "=✓✓✓✓✓", .open: "–=✓✓✓✓", .pending: "–✓=✓✓✓", .onHold: "–✓✓=✓✓", .solved: "–✓––=✓", .closed: "–––––=",
    ]

    @Test(arguments: TicketStatus.allCases)
    func transitionsFollowTheTable(from: TicketStatus) {
        let row = Array(Self.table[from]!)
        for (column, to) in TicketStatus.allCases.enumerated() {
            #expect(from.canMove(to: to) == (row[column] != "–"), "\(from) → \(to)")
            var harness = Harness.populated()
            harness.openTicket()
            if from != .new { harness.ok(Harness.supervisor, Harness.update { $0.status = from }) }
            let move = Harness.update { $0.status = to }
            if from == .closed {
                harness.rejects(Harness.supervisor, move, .conflict)
            } else if row[column] == "–" {
                harness.rejects(Harness.supervisor, move, .conflict)
            } else {
                harness.ok(Harness.supervisor, move)
                #expect(harness.ticket().status == to)
            }
        }
    }

    @Test func updatesAreValidatedAndRecordedInTheHistory() throws {
        var harness = Harness.populated()
        harness.openTicket()
        harness.rejects(Harness.supervisor, Harness.update("k9") { $0.priority = .high }, .notFound)
        harness.rejects(Harness.customer, Harness.update { $0.priority = .high }, .forbidden)
        harness.rejects(Harness.supervisor, Harness.update { $0.teamID = .set("t9") }, .notFound)
        harness.rejects(Harness.supervisor, Harness.update { $0.slaPolicyID = .set("p9") }, .notFound)
        harness.rejects(Harness.supervisor, Harness.update { $0.tags = (0...20).map { "t\($0)" } }, .invalid)
        harness.rejects(Harness.supervisor, Harness.update { $0.watcherIDs = ["ghost"] }, .notFound)
        harness.rejects(Harness.supervisor, Harness.update { $0.subject = "" }, .invalid)
        harness.ok(Harness.supervisor, Harness.update { body in
            body.priority = .urgent
            body.type = .problem
            body.assigneeID = .set("a2")
            body.fields = ["order": "A-1"]
        })
        let entry = try #require(harness.desk.ticketHistory(ticketID: "k1", limit: 10).last)
        #expect(entry.action == "updated" && entry.actor == Harness.supervisor)
        #expect(entry.changes == [
            TicketChange(field: "status", from: "new", to: "open"),
            TicketChange(field: "priority", from: "normal", to: "urgent"),
            TicketChange(field: "type", from: "question", to: "problem"),
            TicketChange(field: "assignee", from: nil, to: "a2"),
            TicketChange(field: "fields.order", from: nil, to: "A-1"),
        ])
        harness.rejects(Harness.agent, Harness.update { $0.priority = .low }, .forbidden)
        let moved = harness.run(Harness.supervisor, Harness.update { $0.assigneeID = .set("a1") })
        #expect(moved.events.first?.formerAssigneeID == "a2")
        harness.rejects(Harness.agent, Harness.update { $0.assigneeID = .set("a2") }, .forbidden)
        harness.ok(Harness.agent, Harness.update { $0.assigneeID = .clear })
        #expect(harness.ticket().assigneeID == nil && harness.ticket().assignedAt == nil)
        #expect(harness.historyActions() == ["created", "updated", "updated", "updated"])
    }

    @Test func commentsFollowWhoMayWriteWhat() throws {
        var harness = Harness.populated()
        harness.openTicket { $0.assigneeID = "a2" }
        harness.rejects(Harness.otherCustomer, Harness.comment("me too"), .forbidden)
        harness.rejects(Harness.customer, Harness.comment("psst", internal: true), .forbidden)
        harness.rejects(Harness.agent, Harness.comment("not yours"), .forbidden)
        harness.rejects(Harness.customer, Harness.comment("   "), .invalid)
        harness.rejects(Harness.customer, Harness.comment("hi", on: "k9"), .notFound)
        let note = try #require(harness.ok(Harness.agent, Harness.comment("I know this customer", internal: true))?.ticketComment)
        #expect(note.author == MessageAuthor(type: .agent, id: "a1") && note.internal && note.seq == 1)
        harness.ok(Harness.customer, Harness.comment("Any news?"))
        let reply = try #require(harness.ok(Harness.otherAgent, Harness.comment("Refund sent."))?.ticketComment)
        #expect(reply.seq == 3 && harness.ticket().firstRespondedAt == reply.createdAt)
        #expect(harness.desk.ticketComments(ticketID: "k1", limit: 10, includeInternal: false).map(\.seq) == [2, 3])
        #expect(harness.historyActions() == ["created", "commented", "commented", "commented"])
        harness.ok(Harness.supervisor, Harness.update { $0.status = .closed })
        harness.rejects(Harness.customer, Harness.comment("reopen?"), .conflict)
    }

    @Test func aCustomerCommentReopensSolvedAndPendingTickets() {
        var harness = Harness.populated()
        harness.openTicket()
        harness.ok(Harness.supervisor, Harness.update { $0.status = .solved })
        #expect(harness.ticket().solvedAt != nil)
        harness.ok(Harness.customer, Harness.comment("Still broken"))
        #expect(harness.ticket().status == .open && harness.ticket().solvedAt == nil)
        harness.ok(Harness.supervisor, Harness.update { $0.status = .pending })
        harness.ok(Harness.customer, Harness.comment("Here is the photo"))
        #expect(harness.ticket().status == .open)
        harness.ok(Harness.supervisor, Harness.update { $0.status = .onHold })
        harness.ok(Harness.customer, Harness.comment("Hello?"))
        #expect(harness.ticket().status == .onHold, "on hold waits on a third party, not on the customer")
    }

    @Test func theCustomerIsNotifiedOfPublicRepliesAndTheSolve() throws {
        var harness = Harness.populated()
        harness.ok(Harness.agent, .createTicket(CreateTicket(id: "k1", subject: "Parcel", conversationID: "v1")))
        harness.ok(Harness.agent, Harness.comment("internal only", internal: true))
        harness.ok(Harness.customer, Harness.comment("where is it"))
        harness.ok(Harness.agent, Harness.comment("On its way"))
        harness.ok(Harness.agent, Harness.update { $0.status = .solved })
        let items = harness.desk.outboxItems(limit: 10)
        #expect(items.map(\.kind) == [.reply, .solved])
        #expect(items.allSatisfy { $0.channel == .wechat && $0.customerID == "c1" && $0.ticketID == "k1" })
        #expect(items[0].text == "On its way" && items[1].text.contains("Parcel"))
        #expect(items[0].id == "\(items[0].index).0")
        #expect(harness.desk.outboxItems(afterID: items[0].id, limit: 10) == [items[1]])
        #expect(harness.desk.outboxItems(ticketID: "k2", limit: 10).isEmpty)
    }

    @Test func theOutboxKeepsTheNewestItems() throws {
        var limits = DeskLimits()
        limits.outboxItemsMax = 2
        var harness = Harness.populated(limits: limits)
        harness.openTicket()
        for number in 1...3 { harness.ok(Harness.supervisor, Harness.comment("reply \(number)")) }
        #expect(harness.desk.outboxItems(limit: 10).map(\.text) == ["reply 2", "reply 3"])
        let outcome = harness.run(Harness.supervisor, Harness.comment("reply 4"))
        #expect(outcome.changes.contains { $0.value == nil && String(decoding: $0.key, as: UTF8.self).hasPrefix("sd/outbox/") })
        #expect(try Desk(records: harness.desk.records(), limits: limits) == harness.desk)
    }

    @Test func mergingClosesTheSourceAndCopiesItsComments() throws {
        var harness = Harness.populated()
        harness.openTicket("k1")
        harness.openTicket("k2")
        harness.ok(Harness.customer, Harness.comment("First complaint", on: "k1"))
        harness.ok(Harness.supervisor, Harness.comment("Known issue", on: "k1", internal: true))
        let outcome = harness.run(Harness.supervisor, .mergeTickets(MergeTickets(sourceID: "k1", targetID: "k2")))
        let target = try #require(try outcome.result.get().ticket)
        #expect(outcome.events.map(\.type) == [.ticketMerged, .ticketCommentCreated, .ticketUpdated, .ticketCommentCreated, .ticketHistoryCreated, .ticketHistoryCreated])
        let source = harness.ticket("k1")
        #expect(source.status == .closed && source.mergedInto == "k2" && source.closedAt != nil)
        #expect(source.sla.resolutionRunningSince == nil)
        let note = try #require(harness.desk.ticketComments(ticketID: "k2", limit: 10).last)
        #expect(note.internal && note.text.contains("First complaint") && note.text.contains("Known issue"))
        #expect(target.lastCommentSeq == 1)
        #expect(harness.desk.ticketComments(ticketID: "k1", limit: 10).last?.text == "Merged into ticket k2.")
        #expect(harness.historyActions("k1").last == "merged_into" && harness.historyActions("k2").last == "merged")
        #expect(harness.desk.ticketHistory(ticketID: "k2", limit: 10).last?.changes.first == TicketChange(field: "merged", from: nil, to: "k1"))
        harness.openTicket("k3")
        harness.rejects(Harness.supervisor, .mergeTickets(MergeTickets(sourceID: "k3", targetID: "k3")), .invalid)
        harness.rejects(Harness.supervisor, .mergeTickets(MergeTickets(sourceID: "k3", targetID: "k1")), .conflict)
        harness.rejects(Harness.supervisor, .mergeTickets(MergeTickets(sourceID: "k1", targetID: "k3")), .conflict)
        harness.rejects(Harness.supervisor, .mergeTickets(MergeTickets(sourceID: "k3", targetID: "k9")), .notFound)
        harness.rejects(Harness.customer, .mergeTickets(MergeTickets(sourceID: "k3", targetID: "k2")), .forbidden)
        harness.ok(Harness.supervisor, Harness.update("k3") { $0.assigneeID = .set("a2") })
        harness.rejects(Harness.agent, .mergeTickets(MergeTickets(sourceID: "k3", targetID: "k2")), .forbidden)
    }

    @Test func aLongMergeNoteIsCutAtTheCommentLimit() throws {
        var limits = DeskLimits()
        limits.textBytesMax = 1_000
        var harness = Harness.populated(limits: limits)
        harness.openTicket("k1")
        harness.openTicket("k2")
        for number in 1...10 { harness.ok(Harness.customer, Harness.comment(String(repeating: "\(number)", count: 150), on: "k1")) }
        harness.ok(Harness.supervisor, .mergeTickets(MergeTickets(sourceID: "k1", targetID: "k2")))
        let note = try #require(harness.desk.ticketComments(ticketID: "k2", limit: 10).last)
        #expect(note.text.utf8.count <= limits.textBytesMax)
        #expect(note.text.hasSuffix("more comments are on ticket k1."))
    }

    @Test func historyAndCommentsAreBounded() {
        var limits = DeskLimits()
        limits.ticketHistoryEntriesMax = 3
        limits.ticketCommentsMax = 1
        var harness = Harness.populated(limits: limits)
        harness.openTicket()
        harness.ok(Harness.customer, Harness.comment("one"))
        harness.rejects(Harness.customer, Harness.comment("two"), .conflict)
        harness.ok(Harness.supervisor, Harness.update { $0.priority = .high })
        harness.rejects(Harness.supervisor, Harness.update { $0.priority = .low }, .conflict)
    }

    /// Anyone who sees a ticket may follow it: an agent of the ticket's team watches (and stops
    /// watching) a ticket held by someone else, but may not change anything else with it.
    @Test func agentsWatchTicketsTheySeeEvenWhenHeldBySomeoneElse() throws {
        var harness = Harness.populated()
        harness.openTicket { $0.assigneeID = "sup"; $0.teamID = "t1" }
        harness.ok(Harness.agent, Harness.update { $0.watcherIDs = ["a1"] })
        #expect(harness.ticket().watcherIDs == ["a1"])
        harness.rejects(Harness.agent, Harness.update { $0.watcherIDs = ["a1", "a2"] }, .forbidden)
        harness.rejects(Harness.agent, Harness.update { $0.watcherIDs = []; $0.priority = .urgent }, .forbidden)
        harness.rejects(Harness.otherAgent, Harness.update { $0.watcherIDs = ["a1", "a2"] }, .forbidden)  // not in the team
        harness.ok(Harness.agent, Harness.update { $0.watcherIDs = [] })
        #expect(harness.ticket().watcherIDs.isEmpty)
    }

    @Test func ticketEventsReachTheStaffWhoMaySeeTheTicketAndTheRequester() throws {
        var harness = Harness.populated()
        let requester = Viewer(kind: .customer(id: "c1"))
        let stranger = Viewer(kind: .customer(id: "c2"))
        let teamAgent = Viewer(kind: .staff(id: "a1", role: .agent), teamIDs: ["t1"])
        let otherAgent = Viewer(kind: .staff(id: "a2", role: .agent))
        let supervisor = Viewer(kind: .staff(id: "sup", role: .supervisor))
        let created = harness.run(Harness.supervisor, .createTicket(CreateTicket(id: "k1", subject: "S", requesterID: "c1", assigneeID: "sup")))
        let audience = harness.desk.audience(of: try #require(created.events.first))
        #expect(audience.ticketID == "k1")
        #expect(requester.canSee(audience) && !stranger.canSee(audience) && supervisor.canSee(audience))
        #expect(!teamAgent.canSee(audience) && !otherAgent.canSee(audience), "assigned to someone else, no team")
        let note = harness.run(Harness.supervisor, Harness.comment("between us", internal: true))
        let noteAudience = harness.desk.audience(of: try #require(note.events.first))
        #expect(!requester.canSee(noteAudience) && !otherAgent.canSee(noteAudience) && supervisor.canSee(noteAudience))
        harness.ok(Harness.supervisor, Harness.update { $0.teamID = .set("t1") })
        let reply = harness.run(Harness.supervisor, Harness.comment("hello"))
        let replyAudience = harness.desk.audience(of: try #require(reply.events.first))
        #expect(requester.canSee(replyAudience) && teamAgent.canSee(replyAudience) && !otherAgent.canSee(replyAudience))
        let hidden = Ticket(id: "x", subject: "S", description: "", requesterID: "c1", assigneeID: "a2", channel: .email,
                            createdAt: Timestamp(millisecondsSinceEpoch: 0), updatedAt: Timestamp(millisecondsSinceEpoch: 0))
        #expect(!teamAgent.canSee(hidden) && otherAgent.canSee(hidden) && requester.canSee(hidden))
    }

    /// Every change that writes a history entry sends it live, after the change's own events,
    /// to the staff who see the ticket and never to its requester (it names internal comments).
    @Test func historyEntriesAreLiveEventsForStaff() throws {
        var harness = Harness.populated()
        let requester = Viewer(kind: .customer(id: "c1"))
        let supervisor = Viewer(kind: .staff(id: "sup", role: .supervisor))
        let created = harness.run(Harness.supervisor, .createTicket(CreateTicket(id: "k1", subject: "S", requesterID: "c1")))
        #expect(created.events.map(\.type) == [.ticketCreated, .ticketHistoryCreated])
        let updated = harness.run(Harness.supervisor, Harness.update { $0.priority = .high })
        #expect(updated.events.map(\.type) == [.ticketUpdated, .ticketHistoryCreated])
        let note = harness.run(Harness.supervisor, Harness.comment("between us", internal: true))
        let event = try #require(note.events.last)
        #expect(event.type == .ticketHistoryCreated && event.conversationID == nil)
        guard case .ticketHistoryEntry(let entry) = event.payload else {
            Issue.record("a history event carries its entry")
            return
        }
        #expect(entry == harness.desk.ticketHistory(ticketID: "k1", limit: 10).last)
        #expect(entry.seq == 3 && entry.action == "commented")
        let audience = harness.desk.audience(of: event)
        #expect(supervisor.canSee(audience) && !requester.canSee(audience))
        let refused = harness.run(Harness.customer, Harness.update { $0.priority = .low })
        #expect(refused.events.isEmpty)
    }

    @Test func listingsFilterAndPage() throws {
        var harness = Harness.populated()
        for number in 1...5 {
            harness.openTicket("k\(number)") { body in
                body.priority = number.isMultiple(of: 2) ? .high : .low
                body.assigneeID = number == 1 ? "a1" : nil
                body.requesterID = number == 5 ? "c2" : "c1"
                if number == 3 { body.subject = "Broken kettle" }
            }
        }
        let desk = harness.desk
        #expect(desk.tickets(matching: TicketFilter(), limit: 10).items.map(\.id) == ["k5", "k4", "k3", "k2", "k1"])
        #expect(desk.tickets(matching: TicketFilter(priority: .high), limit: 10).items.map(\.id) == ["k4", "k2"])
        #expect(desk.tickets(matching: TicketFilter(assignee: .staff(id: "a1")), limit: 10).items.map(\.id) == ["k1"])
        #expect(desk.tickets(matching: TicketFilter(status: .new, assignee: .unassigned), limit: 10).items.count == 4)
        #expect(desk.tickets(matching: TicketFilter(requesterID: "c2"), limit: 10).items.map(\.id) == ["k5"])
        #expect(desk.tickets(matching: TicketFilter(breached: true), limit: 10).items.isEmpty)
        #expect(desk.tickets(matching: TicketFilter(statuses: [.new, .open]), limit: 10).items.count == 5)
        #expect(desk.tickets(matching: TicketFilter(statuses: [.solved]), limit: 10).items.isEmpty)
        #expect(desk.tickets(matching: TicketFilter(search: "KETTLE  broken"), limit: 10).items.map(\.id) == ["k3"])
        #expect(desk.tickets(matching: TicketFilter(search: "kettle toaster"), limit: 10).items.isEmpty, "every word must match")
        let requesterName = try #require(desk.customer(id: "c2")?.name)
        #expect(desk.tickets(matching: TicketFilter(search: requesterName.lowercased()), limit: 10).items.map(\.id).contains("k5"))
        let first = desk.tickets(matching: TicketFilter(), limit: 2)
        let second = desk.tickets(matching: TicketFilter(), limit: 2, after: first.nextCursor)
        #expect(first.items.map(\.id) == ["k5", "k4"] && second.items.map(\.id) == ["k3", "k2"])
        let agent = Viewer(kind: .staff(id: "a2", role: .agent))
        #expect(desk.tickets(matching: TicketFilter(), limit: 10, where: agent.canSee).items.count == 4)
    }
}
