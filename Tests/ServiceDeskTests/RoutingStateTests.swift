import Foundation
import Testing
@testable import ServiceDesk

/// Encodings, snapshots and restarts of routing state, determinism, and the cost of a pass.
@Suite struct RoutingStateTests {
    private func sample(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Samples"))
        return Array(try Data(contentsOf: url))
    }

    private let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    // MARK: Encodings

    @Test func everyRoutingActionRoundTrips() throws {
        let fence = SlotFence(slot: 3, epoch: 9, owner: 2)
        let actions: [Command.Action] = [
            .createQueue(CreateQueue(
                id: "q", name: "Q", teamID: "t", requiredSkills: ["s": 2], language: "en", strategy: .roundRobin,
                offerTimeoutSeconds: 20, overflowQueueID: "o", overflowAfterSeconds: 60, stickinessWaitSeconds: 30)),
            .updateQueue(UpdateQueue(queueID: "q", teamID: .clear, language: .set("zh"), overflowQueueID: .clear)),
            .createRoutingRule(CreateRoutingRule(
                id: "r", name: "R", position: 2, enabled: false,
                conditions: RoutingConditions(channels: [.email], languages: ["en"], tags: ["x"], tier: .vip, sentiments: [.angry], returningCustomer: true),
                queueID: "q", raisePriorityTo: .urgent)),
            .updateRoutingRule(UpdateRoutingRule(ruleID: "r", position: 1, conditions: RoutingConditions(), raisePriorityTo: .clear)),
            .deleteRoutingRule(DeleteRoutingRule(ruleID: "r")),
            .routeConversation(RouteConversation(conversationID: "v", agentID: "a", fence: fence)),
            .expireOffer(ExpireOffer(conversationID: "v", agentID: "a", fence: fence)),
            .overflowConversation(OverflowConversation(conversationID: "v", queueID: "o", fence: fence)),
            .acceptConversation(AcceptConversation(conversationID: "v")),
            .declineConversation(DeclineConversation(conversationID: "v")),
            .transferConversation(TransferConversation(conversationID: "v", target: .agent(id: "a"), note: "n", noteMessageID: "m")),
            .transferConversation(TransferConversation(conversationID: "v", target: .queue(id: "q"), noteMessageID: "m")),
            .rerouteConversation(RerouteConversation(conversationID: "v")),
            .setSentiment(SetSentiment(conversationID: "v", sentiment: .negative)),
            .setSentiment(SetSentiment(conversationID: "v", sentiment: nil)),
            .rateConversation(RateConversation(conversationID: "v", score: 5, comment: "great")),
        ]
        for action in actions {
            let command = Command(time: time, actor: .system, idempotencyKey: "k", action: action)
            let bytes = command.encoded()
            #expect(try Command.decode(bytes) == command)
            #expect(try Command.decode(bytes).encoded() == bytes, "encoding is canonical")
        }
    }

    @Test func versionOneRoutingSamplesDecode() throws {
        let route = try Command.decode(try sample("v1-route-conversation"))
        #expect(route.action == .routeConversation(RouteConversation(
            conversationID: "conv-01HX", agentID: "agent-9", fence: SlotFence(slot: 17, epoch: 3, owner: 2))))
        let queue = try Command.decode(try sample("v1-create-queue"))
        #expect(queue.action == .createQueue(CreateQueue(
            id: "orders", name: "Orders", teamID: "t-orders", requiredSkills: ["mandarin": 3], language: "zh-CN",
            strategy: .skillsWeighted, offerTimeoutSeconds: 20, overflowQueueID: "general", overflowAfterSeconds: 300,
            stickinessWaitSeconds: 120)))
        let transfer = try Command.decode(try sample("v1-transfer-conversation"))
        #expect(transfer.action == .transferConversation(TransferConversation(
            conversationID: "conv-01HX", target: .queue(id: "refunds"), note: "Customer wants a refund for order 1234.",
            noteMessageID: "msg-01HZ")))
    }

    @Test func aConversationRecordFromBeforeRoutingDecodesAndWaits() throws {
        let bytes = try sample("v1-conversation-record-before-routing")
        guard case .conversation(let conversation) = try StoredRecord.decode(bytes) else {
            Issue.record("not a conversation record")
            return
        }
        #expect(conversation.declinedBy == [] && conversation.offer == nil && conversation.rating == nil && conversation.sentiment == nil)
        let updated = Timestamp(millisecondsSinceEpoch: 1_700_000_124_000)
        #expect(conversation.queuedAt == updated && conversation.queueEnteredAt == updated, "waiting since its last update")
        #expect(conversation.routingIsConsistent)
        let customer = Customer(id: "cust-01HX", name: "微信用户", createdAt: time, updatedAt: time)
        let records = [
            (key: RecordKey.customer(customer.id), value: StoredRecord.customer(customer).encoded()),
            (key: RecordKey.conversation(conversation.id), value: bytes),
        ]
        let desk = try Desk(records: records)
        #expect(desk.routing.awaiting == ["conv-01HX"] && desk.routing.conversationCount(ofCustomer: "cust-01HX") == 1)
    }

    // MARK: Snapshots and restarts

    /// Queues, a rule, an offer, an assignment, a decline, a rating and a sticky customer.
    private func busyDesk() -> Harness {
        var harness = Harness.routing()
        harness.addAgent("r1", max: 2)
        harness.addAgent("r2", max: 3)
        harness.addQueue(CreateQueue(id: "second", name: "Second"))
        harness.addQueue(CreateQueue(
            id: "support", name: "Support", strategy: .roundRobin, offerTimeoutSeconds: 30, overflowQueueID: "second",
            overflowAfterSeconds: 600, stickinessWaitSeconds: 60))
        harness.ok(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "all", name: "All", position: 0, queueID: "support")))
        for index in 1...4 { harness.open("w\(index)", customer: index.isMultiple(of: 2) ? "c2" : "c1", queue: nil) }
        harness.runDue()
        harness.ok(.staff(id: "r1", role: .agent), .acceptConversation(AcceptConversation(conversationID: "w1")))
        harness.ok(.staff(id: "r2", role: .agent), .declineConversation(DeclineConversation(conversationID: "w2")))
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "w1", status: .resolved)))
        harness.ok(Harness.customer, .rateConversation(RateConversation(conversationID: "w1", score: 5)))
        return harness
    }

    @Test func snapshotsAndRecordsRebuildTheRoutingIndex() throws {
        let harness = busyDesk()
        let desk = harness.desk
        #expect(desk.load(ofAgent: "r1") == 1 && desk.load(ofAgent: "r2") == 1, "the offers of v3 and v4; v1 is resolved")
        #expect(!desk.routing.awaiting.isEmpty && desk.routing.lastVisit(ofCustomer: "c1")?.agentID == "r1")
        let fromRecords = try Desk(records: desk.records())
        let fromSnapshot = try Desk(snapshot: desk.snapshotData())
        #expect(fromRecords.routing == desk.routing && fromSnapshot.routing == desk.routing)
        #expect(fromRecords == desk && fromSnapshot == desk)
        #expect(fromSnapshot.dueWork(ownedSlots: Harness.allSlots, owner: 1, now: harness.now, limit: 100)
            == desk.dueWork(ownedSlots: Harness.allSlots, owner: 1, now: harness.now, limit: 100))
    }

    @Test func corruptRoutingRecordsAreRejected() throws {
        let desk = busyDesk().desk
        func without(_ prefix: String) -> [(key: [UInt8], value: [UInt8])] {
            desk.records().filter { !String(decoding: $0.key, as: UTF8.self).hasPrefix(prefix) }
        }
        #expect(throws: DeskDecodingError.self) { try Desk(records: without("sd/queue/support")) }
        #expect(throws: DeskDecodingError.self) { try Desk(records: without("sd/queue/second")) }
        var resolved = desk.conversation(id: "w1")!
        resolved.declinedBy = ["r2"]
        let key = RecordKey.conversation("w1")
        let records = desk.records().map { $0.key == key ? (key: key, value: StoredRecord.conversation(resolved).encoded()) : $0 }
        #expect(throws: DeskDecodingError.self) { try Desk(records: records) }
    }

    // MARK: Determinism

    /// Two replicas fed the same encoded commands, and a record store fed their changes.
    private struct Replicas {
        var first: Desk
        var second: Desk
        var store = RecordStore()
        var index: UInt64
        var time: Int64
        var accepted: [String: Int] = [:]

        init(_ harness: Harness) {
            first = harness.desk
            second = harness.desk
            index = harness.index
            time = harness.time
            store.write(harness.desk.records().map { RecordChange(key: $0.key, value: $0.value) })
        }

        var now: Timestamp { Timestamp(millisecondsSinceEpoch: time + 1_000) }

        mutating func apply(_ actor: Actor, _ action: Command.Action) {
            index += 1
            time += 1_000
            let bytes = Command(time: Timestamp(millisecondsSinceEpoch: time), actor: actor, action: action).encoded()
            let outcome = first.apply(encodedCommand: bytes, index: index)
            #expect(second.apply(encodedCommand: bytes, index: index) == outcome)
            store.write(outcome.changes)
            if case .success = outcome.result { accepted[action.typeName, default: 0] += 1 }
        }

        func due() -> [Command.Action] {
            let work = first.dueWork(ownedSlots: Harness.allSlots, owner: 1, now: now, limit: 20)
            #expect(second.dueWork(ownedSlots: Harness.allSlots, owner: 1, now: now, limit: 20) == work)
            return work
        }
    }

    @Test(arguments: [1, 7, 2_024] as [UInt64])
    func replicasRoutingTheSameCommandsAgree(seed: UInt64) throws {
        var random = SeededRandom(state: seed)
        var harness = Harness.routing()
        let agents = (1...6).map { "r\($0)" }
        for (offset, id) in agents.enumerated() {
            harness.addAgent(id, skills: ["technical": offset % 5 + 1], languages: offset.isMultiple(of: 2) ? ["en"] : ["zh", "en"], max: offset % 3 + 1)
        }
        harness.addQueue(CreateQueue(id: "second", name: "Second", requiredSkills: ["technical": 2], strategy: .skillsWeighted))
        harness.addQueue(CreateQueue(
            id: "support", name: "Support", strategy: .roundRobin, offerTimeoutSeconds: 20, overflowQueueID: "second",
            overflowAfterSeconds: 90, stickinessWaitSeconds: 30))
        harness.ok(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "all", name: "All", position: 0, queueID: "support")))
        harness.addCustomer("vip", tier: .vip)
        var replicas = Replicas(harness)
        let customers = ["c1", "c2", "vip"]
        for step in 0..<500 {
            let conversation = "x\(Int.random(in: 0..<(step / 4 + 1), using: &random))"
            let agent = agents.randomElement(using: &random)!
            switch Int.random(in: 0..<10, using: &random) {
            case 0, 1:
                replicas.apply(.system, .createConversation(CreateConversation(
                    id: "x\(step / 4)", customer: .existing(id: customers.randomElement(using: &random)!), channel: .web,
                    language: ["en", "zh", "und"].randomElement(using: &random)!, priority: Priority.allCases.randomElement(using: &random)!)))
            case 2, 3:
                for action in replicas.due() { replicas.apply(.system, action) }
            case 4, 5:
                // Mostly the offered agent answers; sometimes someone else, who is refused.
                let offers = replicas.first.routing.awaiting.sorted().compactMap { id in
                    replicas.first.conversation(id: id)?.offer.map { (id, $0.agentID) }
                }
                let (id, answering) = offers.randomElement(using: &random) ?? (conversation, agent)
                let accept = Bool.random(using: &random)
                let actor = Actor.staff(id: Int.random(in: 0..<5, using: &random) == 0 ? agent : answering, role: .agent)
                replicas.apply(actor, accept
                    ? .acceptConversation(AcceptConversation(conversationID: id))
                    : .declineConversation(DeclineConversation(conversationID: id)))
            case 6:
                replicas.apply(.system, .updateConversation(UpdateConversation(
                    conversationID: conversation, status: [.resolved, .open, .pending].randomElement(using: &random)!)))
            case 7:
                replicas.apply(.system, .setStaffStatus(SetStaffStatus(staffID: agent, status: PresenceStatus.allCases.randomElement(using: &random)!)))
            case 8:
                let target: TransferTarget = Bool.random(using: &random) ? .agent(id: agent) : .queue(id: "support")
                replicas.apply(Harness.supervisor, .transferConversation(TransferConversation(
                    conversationID: conversation, target: target, noteMessageID: "note-\(step)")))
            default:
                replicas.time += Int64.random(in: 1...40, using: &random) * 1_000
            }
        }
        #expect(replicas.first.snapshotData() == replicas.second.snapshotData())
        for type in ["routeConversation", "acceptConversation", "declineConversation", "expireOffer", "transferConversation"] {
            #expect(replicas.accepted[type, default: 0] > 0, "the workload must exercise \(type)")
        }
        let reloaded = try Desk(records: replicas.store.sorted)
        #expect(reloaded == replicas.first, "the record changes describe the state, routing index included")
        #expect(reloaded.dueWork(ownedSlots: Harness.allSlots, owner: 1, now: replicas.now, limit: 50) == replicas.due())
    }

    // MARK: Cost of a pass

    @Test func aPassOverAThousandWaitingConversationsAndTwoHundredAgentsIsSound() throws {
        var harness = Harness.routing()
        for index in 0..<200 {
            harness.addAgent(
                "agent-\(index)", skills: ["technical": index % 5 + 1], languages: index.isMultiple(of: 2) ? ["en"] : ["zh-CN"], max: 4)
        }
        harness.addQueue(CreateQueue(id: "support", name: "Support"))
        harness.addQueue(CreateQueue(id: "tech", name: "Technical", requiredSkills: ["technical": 3], strategy: .skillsWeighted))
        harness.addQueue(CreateQueue(id: "rotation", name: "Rotation", strategy: .roundRobin))
        for index in 0..<100 { harness.addCustomer("customer-\(index)", tier: index < 10 ? .vip : .standard) }
        let queues = ["support", "tech", "rotation"], languages = ["en", "zh-CN", "und"]
        for index in 0..<1_000 {
            harness.open(
                "w-\(index)", customer: "customer-\(index % 100)", language: languages[index % 3], queue: queues[index % 7 % 3],
                priority: Priority.allCases[index % 4])
        }
        #expect(harness.desk.routing.awaiting.count == 1_000)
        let work = harness.due(limit: 5_000)
        let routes = work.compactMap { action -> RouteConversation? in
            if case .routeConversation(let body) = action { return body }
            return nil
        }
        #expect(routes.count == work.count, "only routing is due")
        #expect(Set(routes.map(\.conversationID)).count == routes.count, "each conversation at most once")
        let perAgent = Dictionary(grouping: routes, by: \.agentID).mapValues(\.count)
        #expect(perAgent.values.allSatisfy { $0 <= 4 }, "nobody beyond their maximum")
        #expect(routes.count > 700 && routes.count <= 800)
        let vipConversations = (0..<1_000).filter { $0 % 100 < 10 }.map { "w-\($0)" }
        #expect(Set(vipConversations).isSubset(of: Set(routes.map(\.conversationID))), "VIPs are served first")
        for action in work { harness.ok(.system, action) }
        #expect(harness.due().isEmpty, "what is left has no eligible agent with room")
    }
}
