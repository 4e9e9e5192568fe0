import Testing
@testable import ServiceDesk

@Suite struct QueryTests {
    /// Ten conversations: even ones on the web and assigned to a1, odd ones on email and unassigned.
    private func deskWithConversations() -> Harness {
        var harness = Harness.populated()
        for number in 0..<10 {
            let customer = number < 5 ? "c1" : "c2"
            harness.ok(.system, .createConversation(CreateConversation(
                id: "q\(number)", customer: .existing(id: customer), channel: number.isMultiple(of: 2) ? .web : .email, queue: "sales")))
            if number.isMultiple(of: 2) {
                harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "q\(number)", assigneeID: .set("a1"))))
            }
        }
        return harness
    }

    @Test func filtersAndNewestFirstOrder() {
        let desk = deskWithConversations().desk
        let web = desk.conversations(matching: ConversationFilter(channel: .web), limit: 50).items.map(\.id)
        #expect(web == ["q8", "q6", "q4", "q2", "q0"])
        let mine = desk.conversations(matching: ConversationFilter(assignee: .staff(id: "a1"), customerID: "c2"), limit: 50)
        #expect(mine.items.map(\.id) == ["q8", "q6"] && mine.nextCursor == nil)
        let unassigned = desk.conversations(matching: ConversationFilter(status: .open, assignee: .unassigned, queue: "sales"), limit: 50)
        #expect(unassigned.items.map(\.id) == ["q9", "q7", "q5", "q3", "q1"])
        #expect(desk.conversations(matching: ConversationFilter(status: .closed), limit: 50).items.isEmpty)
        #expect(desk.conversations(matching: ConversationFilter(teamID: "t1"), limit: 50).items.isEmpty)
    }

    @Test func pagingVisitsEveryConversationOnce() {
        let desk = deskWithConversations().desk
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = desk.conversations(matching: ConversationFilter(), limit: 3, after: cursor)
            seen += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == ["q9", "q8", "q7", "q6", "q5", "q4", "q3", "q2", "q1", "q0", "v1"])
    }

    /// Pages by id come from one pass over the table that keeps only a page: they must be the
    /// pages of filtering and sorting it all, whatever the ids, limits and filter.
    @Test(arguments: 1...8) func pagesByIDMatchSortingEverything(seed: UInt64) {
        var generator = SeededRandom(state: seed)
        var harness = Harness.populated()
        for number in 0..<Int.random(in: 0...80, using: &generator) {
            harness.ok(.system, .createCustomer(CreateCustomer(id: "k\(generator.next() % 500)-\(number)", name: "N\(number % 3)")))
        }
        let include: (Customer) -> Bool = { $0.name != "N1" }
        let table: [String: Customer] = harness.desk.customers
        let all = table.values.filter(include).map(\.id).sorted()
        let limit = Int.random(in: 1...12, using: &generator)
        var cursor: String? = nil
        var listed: [String] = []
        repeat {
            let page = harness.desk.customers(limit: limit, after: cursor, where: include)
            #expect(page.items.count <= limit)
            listed += page.items.map(\.id)
            #expect(page.nextCursor == nil || page.nextCursor == page.items.last?.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(listed == all)
        #expect(harness.desk.customers(limit: limit, after: "k2", where: include).items.map(\.id) == Array(all.filter { $0 > "k2" }.prefix(limit)))
    }

    @Test func customerAndAuditPages() {
        var harness = deskWithConversations()
        let first = harness.desk.customers(limit: 1)
        #expect(first.items.map(\.id) == ["c1"] && first.nextCursor == "c1")
        #expect(harness.desk.customers(limit: 5, after: "c1").items.map(\.id) == ["c2"])
        harness.ok(Harness.admin, .createTeam(CreateTeam(id: "t2", name: "T")))
        let audit = harness.desk.auditLog(afterIndex: 3, limit: 2)
        #expect(audit.map(\.index) == [4, 5])
        #expect(harness.desk.auditLog(limit: 1_000).last?.action == "team.create")
    }

    @Test func auditLogIsBounded() {
        var limits = DeskLimits()
        limits.auditEntriesMax = 3
        var harness = Harness.populated(limits: limits)
        #expect(harness.desk.auditLog(limit: 100).map(\.target) == ["sup", "a1", "a2"])
        let outcome = harness.run(Harness.admin, .createTeam(CreateTeam(id: "t2", name: "T")))
        #expect(outcome.changes.contains(RecordChange(key: Array("sd/audit/00000000000000000003".utf8), value: nil)))
        #expect(harness.desk.auditLog(limit: 100).map(\.target) == ["a1", "a2", "t2"])
    }

    @Test func pageSizeIsClamped() throws {
        var limits = DeskLimits()
        limits.pageSizeMax = 4
        var harness = Harness.populated(limits: limits)
        for number in 1...6 { harness.ok(Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m\(number)", text: "x"))) }
        #expect(try harness.messages("v1", limit: 100).count == 4)
        #expect(try harness.messages("v1", limit: 0).count == 1)
        #expect(harness.desk.messagePage(conversationID: "nope", limit: 10) == nil)
    }
}

@Suite struct LiveStatsTests {
    @Test func queuesAgentsChannelsAndTimes() {
        var harness = Harness.populated()
        harness.ok(.system, .createConversation(CreateConversation(id: "v2", customer: .existing(id: "c2"), channel: .email, queue: "billing")))
        harness.ok(.system, .createConversation(CreateConversation(id: "v3", customer: .existing(id: "c2"), channel: .email, queue: "billing")))
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("a1"))))
        harness.ok(Harness.agent, .postMessage(PostMessage(conversationID: "v1", messageID: "m1", text: "hi")))
        harness.ok(Harness.agent, .updateConversation(UpdateConversation(conversationID: "v1", status: .resolved)))
        harness.ok(Harness.agent, .setStaffStatus(SetStaffStatus(staffID: "a1", status: .online)))
        let createdV2 = harness.desk.conversation(id: "v2")!.createdAt.millisecondsSinceEpoch
        let stats = harness.desk.liveStats(now: Timestamp(millisecondsSinceEpoch: createdV2 + 60_000))
        #expect(stats.queues == [LiveStats.QueueStats(queue: "billing", waiting: 2, longestWaitSeconds: 60)])
        #expect(stats.openConversations == 2)
        #expect(stats.agents.first { $0.id == "a1" }?.status == .online)
        #expect(stats.agents.first { $0.id == "a1" }?.load == 0, "a resolved conversation is no load")
        #expect(stats.channels.map(\.channel) == [.email, .wechat])
        #expect(stats.channels.first { $0.channel == .wechat }?.resolved == 1)
        #expect(stats.firstResponseSecondsAverage != nil && stats.handleSecondsAverage != nil)
    }
}
