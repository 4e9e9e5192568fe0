import Testing
@testable import ServiceDesk

/// Every routing command, accepted and refused; refusals must change nothing.
@Suite struct RoutingCommandTests {
    // MARK: Queues and rules

    @Test func queuesAreCreatedNormalizedAndUpdated() throws {
        var harness = Harness.routing()
        harness.addQueue(CreateQueue(id: "second", name: "Second"))
        let queue = try #require(harness.ok(Harness.supervisor, .createQueue(CreateQueue(
            id: " Billing ", name: " Billing desk ", teamID: "t1", requiredSkills: ["Billing": 2], language: "en",
            strategy: .roundRobin, offerTimeoutSeconds: 20, overflowQueueID: "second", overflowAfterSeconds: 300,
            stickinessWaitSeconds: 60)))?.queue)
        #expect(queue.id == "billing" && queue.name == "Billing desk" && queue.requiredSkills == ["billing": 2])
        let updated = try #require(harness.ok(Harness.supervisor, .updateQueue(UpdateQueue(
            queueID: "billing", teamID: .clear, language: .clear, strategy: .skillsWeighted, overflowQueueID: .clear,
            overflowAfterSeconds: 0)))?.queue)
        #expect(updated.teamID == nil && updated.language == nil && updated.strategy == .skillsWeighted && updated.overflowQueueID == nil)
        #expect(updated.createdAt == queue.createdAt && updated.updatedAt > queue.updatedAt)
        #expect(harness.desk.allQueues().map(\.id) == ["billing", "second"])
        let audit = harness.desk.auditLog(limit: 100).map(\.action)
        #expect(audit.suffix(2) == ["queue.create", "queue.update"])
    }

    @Test func queueRejections() {
        var limits = DeskLimits()
        limits.queuesMax = 3
        var harness = Harness.routing(limits: limits)
        harness.addQueue(CreateQueue(id: "a", name: "A"))
        harness.addQueue(CreateQueue(id: "b", name: "B", overflowQueueID: "a", overflowAfterSeconds: 10))
        harness.rejects(Harness.agent, .createQueue(CreateQueue(id: "x", name: "X")), .forbidden)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "A", name: "Again")), .conflict)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "no/slash", name: "X")), .invalid)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "x", name: " ")), .invalid)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "x", name: "X", teamID: "ghost")), .notFound)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "x", name: "X", requiredSkills: ["s": 6])), .invalid)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "x", name: "X", language: "e n")), .invalid)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "x", name: "X", offerTimeoutSeconds: -1)), .invalid)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "x", name: "X", offerTimeoutSeconds: 3_601)), .invalid)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "x", name: "X", overflowAfterSeconds: 10)), .invalid)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "x", name: "X", overflowQueueID: "ghost")), .notFound)
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "x", name: "X", stickinessWaitSeconds: 604_801)), .invalid)
        harness.rejects(Harness.supervisor, .updateQueue(UpdateQueue(queueID: "a", overflowQueueID: .set("b"))), .invalid)  // a cycle
        harness.rejects(Harness.supervisor, .updateQueue(UpdateQueue(queueID: "a", overflowQueueID: .set("a"))), .invalid)  // itself
        harness.rejects(Harness.supervisor, .updateQueue(UpdateQueue(queueID: "b", overflowQueueID: .clear)), .invalid)
        harness.rejects(Harness.supervisor, .updateQueue(UpdateQueue(queueID: "ghost", name: "X")), .notFound)
        harness.rejects(Harness.agent, .updateQueue(UpdateQueue(queueID: "a", name: "X")), .forbidden)
        harness.addQueue(CreateQueue(id: "c", name: "C"))
        harness.rejects(Harness.supervisor, .createQueue(CreateQueue(id: "d", name: "D")), .conflict)  // queuesMax
    }

    @Test func rulesAreOrderedByPositionThenID() throws {
        var harness = Harness.routing()
        harness.addQueue(CreateQueue(id: "first", name: "First"))
        harness.addQueue(CreateQueue(id: "second", name: "Second"))
        harness.ok(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "b-web", name: "Web", position: 5,
            conditions: RoutingConditions(channels: [.web, .web, .app]), queueID: "second")))
        harness.ok(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "a-web", name: "Web too", position: 5,
            conditions: RoutingConditions(channels: [.web]), queueID: "first")))
        #expect(harness.desk.orderedRoutingRules().map(\.id) == ["a-web", "b-web"])
        #expect(harness.desk.routingRule(id: "b-web")?.conditions.channels == [.app, .web])
        #expect(harness.open("v-web", queue: nil)?.queue == "first")
        harness.ok(Harness.supervisor, .updateRoutingRule(UpdateRoutingRule(ruleID: "a-web", enabled: false)))
        #expect(harness.open("v-web-2", queue: nil)?.queue == "second")
        harness.ok(Harness.supervisor, .updateRoutingRule(UpdateRoutingRule(ruleID: "a-web", position: 1, enabled: true)))
        #expect(harness.open("v-web-3", queue: nil)?.queue == "first")
        harness.ok(Harness.supervisor, .deleteRoutingRule(DeleteRoutingRule(ruleID: "a-web")))
        #expect(harness.open("v-web-4", queue: nil)?.queue == "second")
        #expect(harness.open("v-app", channel: .email, queue: nil)?.queue == nil, "no rule matches email")
        #expect(harness.open("v-named", queue: "first")?.queue == "first", "a named queue skips the rules")
    }

    @Test(arguments: [
        (RoutingConditions(tier: .vip), "vip", true),
        (RoutingConditions(tier: .vip), "c1", false),
        (RoutingConditions(languages: ["zh"]), "c1", true),
        (RoutingConditions(languages: ["en"]), "c1", false),
        (RoutingConditions(tags: ["refund", "angry"]), "c1", true),
        (RoutingConditions(sentiments: [.angry]), "c1", true),
        (RoutingConditions(sentiments: [.negative]), "c1", false),
        (RoutingConditions(returningCustomer: true), "c1", true),
        (RoutingConditions(returningCustomer: false), "c1", false),
        (RoutingConditions(returningCustomer: false), "new", true),
        (RoutingConditions(channels: [.wechat], tier: .standard, returningCustomer: true), "c1", true),
    ])
    func ruleConditionsMatchTheConversationAndItsCustomer(conditions: RoutingConditions, customer: String, matches: Bool) {
        var harness = Harness.routing()
        harness.addCustomer("vip", tier: .vip)
        harness.addCustomer("new")
        harness.addQueue(CreateQueue(id: "target", name: "Target"))
        harness.ok(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "r", name: "R", position: 0, conditions: conditions, queueID: "target")))
        // c1 already has v1, so c1 returns; the tag `angry` flags the sentiment.
        let conversation = harness.open("v-new", customer: customer, channel: .wechat, language: "zh-CN", queue: nil, tags: ["angry"])
        #expect((conversation?.queue == "target") == matches)
    }

    @Test func aRuleMayRaiseButNeverLowerPriority() {
        var harness = Harness.routing()
        harness.addQueue(CreateQueue(id: "vip", name: "VIP"))
        harness.ok(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "r", name: "R", position: 0, queueID: "vip", raisePriorityTo: .high)))
        #expect(harness.open("v-low", queue: nil, priority: .low)?.priority == .high)
        #expect(harness.open("v-urgent", queue: nil, priority: .urgent)?.priority == .urgent)
    }

    @Test func ruleRejections() {
        var limits = DeskLimits()
        limits.routingRulesMax = 1
        var harness = Harness.routing(limits: limits)
        harness.addQueue(CreateQueue(id: "q", name: "Q"))
        let rule = CreateRoutingRule(id: "r", name: "R", position: 0, queueID: "q")
        harness.rejects(Harness.agent, .createRoutingRule(rule), .forbidden)
        harness.rejects(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "r", name: "R", position: 0, queueID: "ghost")), .notFound)
        harness.rejects(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "r", name: "R", position: -1, queueID: "q")), .invalid)
        harness.rejects(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "r", name: "R", position: 1_000_001, queueID: "q")), .invalid)
        harness.rejects(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "bad id", name: "R", position: 0, queueID: "q")), .invalid)
        let tooMany = RoutingConditions(languages: (0...20).map { "l\($0)" })
        harness.rejects(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "r", name: "R", position: 0, conditions: tooMany, queueID: "q")), .invalid)
        harness.ok(Harness.supervisor, .createRoutingRule(rule))
        harness.rejects(Harness.supervisor, .createRoutingRule(rule), .conflict)
        harness.rejects(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "r2", name: "R", position: 0, queueID: "q")), .conflict)  // routingRulesMax
        harness.rejects(Harness.supervisor, .updateRoutingRule(UpdateRoutingRule(ruleID: "r", queueID: "ghost")), .notFound)
        harness.rejects(Harness.supervisor, .updateRoutingRule(UpdateRoutingRule(ruleID: "ghost", name: "X")), .notFound)
        harness.rejects(Harness.agent, .deleteRoutingRule(DeleteRoutingRule(ruleID: "r")), .forbidden)
        harness.rejects(Harness.supervisor, .deleteRoutingRule(DeleteRoutingRule(ruleID: "ghost")), .notFound)
    }

    // MARK: Decisions by the slot owner

    /// A desk where `v-wait` waits in `support` (offers, 30 s) and agents r1 and r2 are online.
    private func waiting() -> Harness {
        var harness = Harness.routing()
        harness.addAgent("r1", max: 1)
        harness.addAgent("r2")
        harness.addQueue(CreateQueue(id: "support", name: "Support", offerTimeoutSeconds: 30))
        harness.open("v-wait")
        return harness
    }

    private func fence(_ harness: Harness, _ id: String = "v-wait") -> SlotFence {
        harness.desk.slotMap.fence(for: SlotMap.slot(of: id))
    }

    @Test func routeRejections() {
        var harness = waiting()
        let route = Command.Action.routeConversation(RouteConversation(conversationID: "v-wait", agentID: "r1", fence: fence(harness)))
        harness.rejects(Harness.supervisor, route, .forbidden)
        harness.rejects(.adminToken, route, .forbidden)
        var wrongSlot = fence(harness)
        wrongSlot.slot = (wrongSlot.slot + 1) % SlotMap.slotCount
        harness.rejects(.system, .routeConversation(RouteConversation(conversationID: "v-wait", agentID: "r1", fence: wrongSlot)), .invalid)
        harness.rejects(.system, .routeConversation(RouteConversation(conversationID: "v-wait", agentID: "ghost", fence: fence(harness))), .notFound)
        harness.rejects(.system, .routeConversation(RouteConversation(conversationID: "v-wait", agentID: "a1", fence: fence(harness))), .conflict)  // a1 is offline
        harness.open("v-none", queue: nil)
        harness.rejects(.system, .routeConversation(RouteConversation(conversationID: "v-none", agentID: "r1", fence: fence(harness, "v-none"))), .conflict)
        harness.open("v-unconfigured", queue: "nowhere")
        harness.rejects(.system, .routeConversation(RouteConversation(conversationID: "v-unconfigured", agentID: "r1", fence: fence(harness, "v-unconfigured"))), .conflict)
        harness.ok(.system, route)
        harness.rejects(.system, route, .conflict)  // a duplicate changes nothing
        harness.open("v-more")
        harness.rejects(.system, .routeConversation(RouteConversation(conversationID: "v-more", agentID: "r1", fence: fence(harness, "v-more"))), .conflict)  // r1 is full
        harness.ok(.system, .setStaffStatus(SetStaffStatus(staffID: "r2", status: .away)))
        harness.rejects(.system, .routeConversation(RouteConversation(conversationID: "v-more", agentID: "r2", fence: fence(harness, "v-more"))), .conflict)  // r2 went away
    }

    @Test func aStaleFenceIsRefusedAndTheNewOwnerDecidesAgain() {
        var harness = waiting()
        let work = harness.due()
        #expect(work.map(Harness.describe) == ["route v-wait r1"])
        let slot = SlotMap.slot(of: "v-wait")
        harness.ok(.system, .assignSlots(AssignSlots(moves: [SlotMove(slot: slot, owner: 2)])))
        harness.rejects(.system, work[0], .conflict)
        #expect(harness.due().isEmpty, "node 1 no longer owns the slot")
        let fresh = harness.desk.dueWork(ownedSlots: [slot], owner: 2, now: harness.now, limit: 10)
        #expect(fresh.map(Harness.describe) == ["route v-wait r1"])
        harness.ok(.system, fresh[0])
    }

    @Test func applyingTheDueWorkLeavesNoDuplicateWork() {
        var harness = waiting()
        harness.open("v-2", customer: "c2")
        harness.open("v-3")
        let first = harness.due()
        for action in first { harness.ok(.system, action) }
        #expect(first.map(Harness.describe) == ["route v-wait r1", "route v-2 r2", "route v-3 r2"])
        #expect(harness.due().isEmpty)
        for action in first { harness.rejects(.system, action, .conflict) }
        harness.wait(seconds: 40)
        let expiries = harness.due()
        #expect(expiries.map(Harness.describe) == ["expire v-wait r1", "expire v-2 r2", "expire v-3 r2"])
        for action in expiries { harness.ok(.system, action) }
        for action in expiries { harness.rejects(.system, action, .conflict) }
        // Each goes to an agent who has not let it expire; r1 has one seat, so v-3 waits.
        #expect(harness.due().map(Harness.describe) == ["route v-wait r2", "route v-2 r1"])
    }

    @Test func expireAndOverflowRejections() {
        var harness = waiting()
        harness.ok(.system, .routeConversation(RouteConversation(conversationID: "v-wait", agentID: "r1", fence: fence(harness))))
        let expire = Command.Action.expireOffer(ExpireOffer(conversationID: "v-wait", agentID: "r1", fence: fence(harness)))
        harness.rejects(.system, expire, .conflict)  // not expired yet
        harness.rejects(.system, .expireOffer(ExpireOffer(conversationID: "v-wait", agentID: "r2", fence: fence(harness))), .conflict)
        harness.rejects(Harness.supervisor, expire, .forbidden)
        harness.rejects(.system, .expireOffer(ExpireOffer(conversationID: "ghost", agentID: "r1", fence: fence(harness, "ghost"))), .notFound)
        harness.addQueue(CreateQueue(id: "second", name: "Second"))
        harness.addQueue(CreateQueue(id: "first", name: "First", overflowQueueID: "second", overflowAfterSeconds: 60))
        harness.open("v-first", queue: "first")
        let overflow = Command.Action.overflowConversation(OverflowConversation(conversationID: "v-first", queueID: "second", fence: fence(harness, "v-first")))
        harness.rejects(.system, overflow, .conflict)  // not due yet
        harness.wait(seconds: 60)
        harness.rejects(.system, .overflowConversation(OverflowConversation(conversationID: "v-first", queueID: "support", fence: fence(harness, "v-first"))), .conflict)
        harness.rejects(.system, .overflowConversation(OverflowConversation(conversationID: "v-wait", queueID: "second", fence: fence(harness))), .conflict)  // offered
        harness.ok(.system, overflow)
        harness.rejects(.system, overflow, .conflict)  // a duplicate changes nothing
    }

    // MARK: Agents' answers

    @Test func acceptAndDeclineRejections() {
        var harness = waiting()
        let accept = Command.Action.acceptConversation(AcceptConversation(conversationID: "v-wait"))
        let decline = Command.Action.declineConversation(DeclineConversation(conversationID: "v-wait"))
        let r1 = Actor.staff(id: "r1", role: .agent)
        harness.rejects(r1, accept, .conflict)  // nothing offered yet
        harness.rejects(r1, decline, .conflict)
        harness.rejects(r1, .acceptConversation(AcceptConversation(conversationID: "ghost")), .notFound)
        harness.ok(.system, .routeConversation(RouteConversation(conversationID: "v-wait", agentID: "r1", fence: fence(harness))))
        harness.rejects(.staff(id: "r2", role: .agent), accept, .forbidden)
        harness.rejects(.adminToken, accept, .forbidden)
        harness.rejects(Harness.supervisor, decline, .forbidden)
        harness.wait(seconds: 30)
        harness.rejects(r1, accept, .conflict)  // expired, though not withdrawn yet
        harness.ok(r1, decline)
        harness.rejects(r1, decline, .conflict)
    }

    @Test func offerAndAssignmentEventsReachTheRightPeople() throws {
        var harness = waiting()
        let outcome = harness.run(.system, .routeConversation(RouteConversation(conversationID: "v-wait", agentID: "r1", fence: fence(harness))))
        #expect(outcome.events.map(\.type) == [.conversationOffered])
        let audience = harness.desk.audience(of: try #require(outcome.events.first))
        #expect(Viewer(kind: .staff(id: "r1", role: .agent)).canSee(audience) && Viewer(kind: .customer(id: "c1")).canSee(audience))
        let accepted = harness.run(.staff(id: "r1", role: .agent), .acceptConversation(AcceptConversation(conversationID: "v-wait")))
        #expect(accepted.events.map(\.type) == [.conversationAccepted])
        let acceptedAudience = harness.desk.audience(of: try #require(accepted.events.first))
        #expect(!Viewer(kind: .staff(id: "r2", role: .agent)).canSee(acceptedAudience))
        #expect(harness.desk.auditLog(limit: 100).last?.action == "conversation.accept")
    }

    // MARK: Transfers

    @Test func anAgentTransfersTheirConversationToAnotherAgentWithANote() throws {
        var harness = waiting()
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-wait", assigneeID: .set("r1"))))
        let outcome = harness.run(.staff(id: "r1", role: .agent), .transferConversation(TransferConversation(
            conversationID: "v-wait", target: .agent(id: "r2"), note: " Refund approved; please confirm. ", noteMessageID: "m-note")))
        let conversation = try #require(try outcome.result.get().conversation)
        #expect(conversation.assigneeID == nil && conversation.offer?.agentID == "r2")
        #expect(conversation.offer?.expiresAt == conversation.updatedAt.adding(seconds: 30), "the queue's offer timeout")
        #expect(outcome.events.map(\.type) == [.messageCreated, .conversationTransferred])
        #expect(outcome.events[1].formerAssigneeID == "r1")
        let note = try #require(try harness.message(id: "m-note"))
        #expect(note.internal && note.author == MessageAuthor(type: .agent, id: "r1"))
        #expect(note.text == "Transferred to agent r2.\nRefund approved; please confirm.")
        #expect(harness.load("r1") == 0 && harness.load("r2") == 1)
        harness.ok(.staff(id: "r2", role: .agent), .acceptConversation(AcceptConversation(conversationID: "v-wait")))
        #expect(harness.conversation("v-wait").assigneeID == "r2")
    }

    @Test func aTransferToAQueueGoesBackIntoRouting() throws {
        var harness = waiting()
        harness.addQueue(CreateQueue(id: "billing", name: "Billing", stickinessWaitSeconds: 600))
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-wait", assigneeID: .set("r1"))))
        let result = harness.ok(Harness.supervisor, .transferConversation(TransferConversation(
            conversationID: "v-wait", target: .queue(id: "billing"), noteMessageID: "m-note")))
        let conversation = try #require(result?.conversation)
        #expect(conversation.queue == "billing" && conversation.assigneeID == nil && conversation.queuedAt == conversation.updatedAt)
        #expect(try harness.message(id: "m-note")?.text == "Transferred to queue billing.")
        #expect(try harness.message(id: "m-note")?.author == MessageAuthor(type: .agent, id: "sup"))
        // r1 last served c1 but is now full: stickiness would hold the conversation for r1,
        // yet it does not apply to the conversation r1 handed off.
        harness.open("v-other", customer: "c2", queue: nil)
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-other", assigneeID: .set("r1"))))
        #expect(harness.runDue() == ["route v-wait r2"])
    }

    @Test func transferRejections() {
        var harness = waiting()
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-wait", assigneeID: .set("r1"))))
        let toR2 = TransferConversation(conversationID: "v-wait", target: .agent(id: "r2"), noteMessageID: "m-note")
        harness.rejects(.staff(id: "r2", role: .agent), .transferConversation(toR2), .forbidden)  // not theirs
        harness.rejects(Harness.customer, .transferConversation(toR2), .forbidden)
        harness.rejects(Harness.supervisor, .transferConversation(TransferConversation(conversationID: "ghost", target: .agent(id: "r2"), noteMessageID: "m")), .notFound)
        harness.rejects(Harness.supervisor, .transferConversation(TransferConversation(conversationID: "v-wait", target: .agent(id: "ghost"), noteMessageID: "m")), .notFound)
        harness.rejects(Harness.supervisor, .transferConversation(TransferConversation(conversationID: "v-wait", target: .agent(id: "a1"), noteMessageID: "m")), .conflict)  // offline
        harness.rejects(Harness.supervisor, .transferConversation(TransferConversation(conversationID: "v-wait", target: .agent(id: "r1"), noteMessageID: "m")), .conflict)  // already theirs
        harness.rejects(Harness.supervisor, .transferConversation(TransferConversation(conversationID: "v-wait", target: .queue(id: "ghost"), noteMessageID: "m")), .notFound)
        harness.rejects(Harness.supervisor, .transferConversation(TransferConversation(conversationID: "v-wait", target: .queue(id: "support"), noteMessageID: "bad id")), .invalid)
        let long = String(repeating: "x", count: 64 * 1_024)
        harness.rejects(Harness.supervisor, .transferConversation(TransferConversation(conversationID: "v-wait", target: .queue(id: "support"), note: long, noteMessageID: "m")), .invalid)
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-wait", status: .pending)))
        harness.rejects(Harness.supervisor, .transferConversation(toR2), .conflict)  // only open ones
    }

    // MARK: Re-route and sentiment

    @Test func reRoutingRunsTheRulesAgain() throws {
        var harness = waiting()
        harness.addQueue(CreateQueue(id: "angry", name: "Escalations"))
        harness.ok(Harness.supervisor, .createRoutingRule(CreateRoutingRule(
            id: "angry", name: "Angry", position: 0, conditions: RoutingConditions(sentiments: [.angry]), queueID: "angry",
            raisePriorityTo: .urgent)))
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-wait", assigneeID: .set("r1"))))
        harness.ok(.staff(id: "r1", role: .agent), .setSentiment(SetSentiment(conversationID: "v-wait", sentiment: .angry)))
        let outcome = harness.run(.staff(id: "r1", role: .agent), .rerouteConversation(RerouteConversation(conversationID: "v-wait")))
        let conversation = try #require(try outcome.result.get().conversation)
        #expect(conversation.queue == "angry" && conversation.priority == .urgent && conversation.assigneeID == nil)
        #expect(outcome.events.map(\.type) == [.conversationRerouted] && outcome.events[0].formerAssigneeID == "r1")
        harness.ok(.system, .setSentiment(SetSentiment(conversationID: "v-wait", sentiment: nil)))
        harness.ok(Harness.supervisor, .rerouteConversation(RerouteConversation(conversationID: "v-wait")))
        #expect(harness.conversation("v-wait").queue == "angry", "no rule matches: it stays where it is")
    }

    @Test func reRouteAndSentimentRejections() {
        var harness = waiting()
        harness.open("v-loose", queue: nil)
        harness.rejects(Harness.supervisor, .rerouteConversation(RerouteConversation(conversationID: "v-loose")), .conflict)
        harness.rejects(Harness.customer, .rerouteConversation(RerouteConversation(conversationID: "v-wait")), .forbidden)
        harness.rejects(Harness.supervisor, .rerouteConversation(RerouteConversation(conversationID: "ghost")), .notFound)
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-wait", status: .resolved)))
        harness.rejects(Harness.supervisor, .rerouteConversation(RerouteConversation(conversationID: "v-wait")), .conflict)
        harness.rejects(Harness.customer, .setSentiment(SetSentiment(conversationID: "v-wait", sentiment: .angry)), .forbidden)
        harness.rejects(Harness.supervisor, .setSentiment(SetSentiment(conversationID: "ghost", sentiment: .angry)), .notFound)
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-wait", assigneeID: .set("r2"))))
        harness.rejects(.staff(id: "r1", role: .agent), .setSentiment(SetSentiment(conversationID: "v-wait", sentiment: .angry)), .forbidden)
    }

    // MARK: Rating

    @Test func theCustomerRatesAResolvedConversationOnce() throws {
        var harness = waiting()
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-wait", status: .resolved)))
        let outcome = harness.run(Harness.customer, .rateConversation(RateConversation(conversationID: "v-wait", score: 4, comment: "  Quick, thanks ")))
        let conversation = try #require(try outcome.result.get().conversation)
        #expect(conversation.rating == ConversationRating(score: 4, comment: "Quick, thanks", ratedAt: conversation.updatedAt))
        #expect(outcome.events.map(\.type) == [.conversationRated])
        harness.rejects(Harness.customer, .rateConversation(RateConversation(conversationID: "v-wait", score: 5)), .conflict)
        harness.open("v-closed", customer: "c2")
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-closed", status: .closed)))
        let byAdmin = harness.ok(.adminToken, .rateConversation(RateConversation(conversationID: "v-closed", score: 1, comment: " ")))
        #expect(byAdmin?.conversation?.rating?.score == 1 && byAdmin?.conversation?.rating?.comment == nil)
    }

    @Test func ratingRejections() {
        var harness = waiting()
        let rate = Command.Action.rateConversation(RateConversation(conversationID: "v-wait", score: 5))
        harness.rejects(Harness.customer, rate, .conflict)  // still open
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-wait", status: .resolved)))
        harness.rejects(Harness.otherCustomer, rate, .forbidden)
        harness.rejects(Harness.agent, rate, .forbidden)
        harness.rejects(Harness.supervisor, rate, .forbidden)
        harness.rejects(Harness.customer, .rateConversation(RateConversation(conversationID: "v-wait", score: 0)), .invalid)
        harness.rejects(Harness.customer, .rateConversation(RateConversation(conversationID: "v-wait", score: 6)), .invalid)
        let long = String(repeating: "é", count: 1_001)
        harness.rejects(Harness.customer, .rateConversation(RateConversation(conversationID: "v-wait", score: 3, comment: long)), .invalid)
        harness.rejects(Harness.customer, .rateConversation(RateConversation(conversationID: "ghost", score: 3)), .notFound)
    }

    // MARK: The routing state of conversations

    @Test func loadFollowsEveryConversationChange() {
        var harness = waiting()
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-wait", assigneeID: .set("r2"))))
        #expect(harness.load("r2") == 1)
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-wait", status: .pending)))
        #expect(harness.load("r2") == 1, "pending still takes a seat")
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-wait", status: .resolved)))
        #expect(harness.load("r2") == 0)
        harness.ok(Harness.customer, .postMessage(PostMessage(conversationID: "v-wait", messageID: "m1", text: "one more thing")))
        #expect(harness.load("r2") == 1, "the customer reopened it")
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-wait", assigneeID: .clear)))
        #expect(harness.load("r2") == 0 && harness.conversation("v-wait").isAwaitingAgent)
        #expect(harness.conversation("v-wait").lastAssigneeID == "r2")
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-wait", queue: .clear)))
        #expect(!harness.conversation("v-wait").isAwaitingAgent && harness.conversation("v-wait").queuedAt == nil)
        #expect(harness.desk.routing.awaiting.isEmpty)
    }

    @Test func aResolvedUnassignedConversationReopenedByTheCustomerWaitsAgain() {
        var harness = waiting()
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-wait", status: .resolved)))
        #expect(harness.conversation("v-wait").queuedAt == nil)
        harness.ok(Harness.customer, .postMessage(PostMessage(conversationID: "v-wait", messageID: "m1", text: "still broken")))
        #expect(harness.conversation("v-wait").queuedAt == harness.conversation("v-wait").updatedAt)
        #expect(harness.runDue() == ["route v-wait r1"])
    }
}
