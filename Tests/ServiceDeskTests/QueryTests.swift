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

    /// The figures come from totals apply keeps and the routing index: they must be those of
    /// reading every conversation and ticket, after every kind of change and after a restart.
    @Test(arguments: [3, 17, 2_024] as [UInt64])
    func figuresMatchReadingEverything(seed: UInt64) throws {
        var generator = CommandGenerator(seed: seed)
        var harness = Harness.populated()
        harness.ok(.system, .createConversation(CreateConversation(id: "w1", customer: .existing(id: "c2"), channel: .email, queue: "billing")))
        for index in 1...600 {
            var command = generator.next()
            command.time = Timestamp(millisecondsSinceEpoch: harness.time + Int64(index) * 1_000)
            let outcome = harness.desk.apply(command, index: harness.index + UInt64(index))
            harness.store.write(outcome.changes)
            guard index.isMultiple(of: 100) else { continue }
            let now = Timestamp(millisecondsSinceEpoch: harness.time + Int64(index) * 1_000 + 5_000)
            #expect(harness.desk.liveStats(now: now) == Self.reference(harness.desk, now: now))
        }
        let now = Timestamp(millisecondsSinceEpoch: harness.time + 700_000)
        let restarted = try Desk(records: harness.store.sorted)
        #expect(restarted.liveStats(now: now) == harness.desk.liveStats(now: now))
        #expect(harness.desk.liveStats(now: now).channels.contains { $0.resolved > 0 || $0.pending > 0 })
    }

    /// The figures as computed before the totals: one pass over every conversation and ticket.
    static func reference(_ desk: Desk, now: Timestamp) -> LiveStats {
        var waiting: [String: (count: Int, oldest: Timestamp)] = [:]
        var load: [String: Int] = [:]
        var channels: [Channel: LiveStats.ChannelStats] = [:]
        var open = 0
        var firstResponse: (Int64, Int) = (0, 0), handle: (Int64, Int) = (0, 0)
        var ratingTotal = 0, rated = 0
        for conversation in desk.allConversations {
            var counts = channels[conversation.channel] ?? LiveStats.ChannelStats(channel: conversation.channel, open: 0, pending: 0, resolved: 0)
            switch conversation.status {
            case .open: counts.open += 1
            case .pending: counts.pending += 1
            case .resolved: counts.resolved += 1
            case .closed: break
            }
            channels[conversation.channel] = counts
            if conversation.status == .open || conversation.status == .pending {
                open += 1
                if let assignee = conversation.assigneeID {
                    load[assignee, default: 0] += 1
                } else if let queue = conversation.queue, conversation.status == .open {
                    let previous = waiting[queue] ?? (0, conversation.createdAt)
                    waiting[queue] = (previous.count + 1, min(previous.oldest, conversation.createdAt))
                }
            }
            let created = conversation.createdAt.millisecondsSinceEpoch
            if let first = conversation.firstResponseAt { firstResponse = (firstResponse.0 + first.millisecondsSinceEpoch - created, firstResponse.1 + 1) }
            if let resolved = conversation.resolvedAt { handle = (handle.0 + resolved.millisecondsSinceEpoch - created, handle.1 + 1) }
            if let rating = conversation.rating {
                ratingTotal += rating.score
                rated += 1
            }
        }
        let withSLA = desk.tickets.values.filter { $0.slaPolicyID != nil }
        let breached = withSLA.filter { !$0.sla.breached.isEmpty }.count
        let average: ((Int64, Int)) -> Double? = { $0.1 == 0 ? nil : Double($0.0) / 1000 / Double($0.1) }
        return LiveStats(
            time: now,
            queues: waiting.keys.sorted().map { queue in
                LiveStats.QueueStats(
                    queue: queue, waiting: waiting[queue]!.count,
                    longestWaitSeconds: max(0, (now.millisecondsSinceEpoch - waiting[queue]!.oldest.millisecondsSinceEpoch) / 1000))
            },
            agents: desk.allStaffUsers().filter(\.active).map { user in
                LiveStats.AgentStats(
                    id: user.id, name: user.name, status: user.status, load: load[user.id] ?? 0,
                    concurrentConversationsMax: user.concurrentConversationsMax)
            },
            channels: channels.keys.sorted { $0.rawValue < $1.rawValue }.map { channels[$0]! },
            openConversations: open, firstResponseSecondsAverage: average(firstResponse), handleSecondsAverage: average(handle),
            csatAverage: rated == 0 ? nil : Double(ratingTotal) / Double(rated), ratedConversations: rated,
            ticketsWithSLA: withSLA.count, ticketsBreached: breached,
            slaCompliance: withSLA.isEmpty ? nil : Double(withSLA.count - breached) / Double(withSLA.count))
    }
}
