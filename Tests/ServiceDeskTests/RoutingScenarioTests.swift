import Testing
@testable import ServiceDesk

/// Routing end to end through the desk: rules at creation, the slot owner's due work, and the
/// commands it proposes, applied as the slot worker does.
@Suite struct RoutingScenarioTests {
    @Test func aConversationFromTheEnglishSiteGoesToAnEnglishSpeakingAgent() {
        var harness = Harness.routing()
        harness.addAgent("a-zh", languages: ["zh-CN"])
        harness.addAgent("b-en", languages: ["en-GB"], max: 10)
        harness.addQueue(CreateQueue(id: "english", name: "English", language: "en"))
        harness.ok(Harness.supervisor, .createRoutingRule(CreateRoutingRule(
            id: "english-site", name: "English site", position: 1,
            conditions: RoutingConditions(channels: [.web], languages: ["en"]), queueID: "english")))
        let conversation = harness.open("v-en", language: "en-US", queue: nil)
        #expect(conversation?.queue == "english" && conversation?.queuedAt != nil)
        #expect(harness.runDue() == ["route v-en b-en"])
        #expect(harness.conversation("v-en").assigneeID == "b-en" && harness.load("b-en") == 1)
    }

    @Test func aTechnicalConversationGoesToTheAgentWithTheTechnicalSkill() {
        var harness = Harness.routing()
        harness.addAgent("a-generalist")
        harness.addAgent("b-engineer", skills: ["technical": 3])
        harness.addQueue(CreateQueue(id: "general", name: "General"))
        harness.addQueue(CreateQueue(id: "tech", name: "Technical", requiredSkills: ["technical": 2]))
        harness.ok(Harness.supervisor, .createRoutingRule(CreateRoutingRule(
            id: "technical", name: "Technical", position: 1, conditions: RoutingConditions(tags: ["technical"]), queueID: "tech")))
        harness.ok(Harness.supervisor, .createRoutingRule(CreateRoutingRule(id: "rest", name: "Everything else", position: 9, queueID: "general")))
        #expect(harness.open("v-tech", queue: nil, tags: ["Technical"])?.queue == "tech")
        #expect(harness.open("v-other", queue: nil)?.queue == "general")
        #expect(harness.runDue() == ["route v-tech b-engineer", "route v-other a-generalist"])
    }

    @Test func aVipJumpsTheQueue() {
        var harness = Harness.routing()
        harness.addCustomer("vip", tier: .vip)
        harness.addAgent("r1", max: 1)
        harness.addQueue(CreateQueue(id: "support", name: "Support"))
        harness.open("v-first", customer: "c1", priority: .high)
        harness.open("v-second", customer: "c2")
        harness.open("v-vip", customer: "vip", priority: .low)
        #expect(harness.runDue() == ["route v-vip r1"], "one seat: the VIP who came last takes it")
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-vip", status: .resolved)))
        #expect(harness.runDue() == ["route v-first r1"], "then priority")
    }

    @Test func anAngryCustomerGoesAheadOfAnEarlierOne() {
        var harness = Harness.routing()
        harness.addAgent("r1", max: 1)
        harness.addQueue(CreateQueue(id: "support", name: "Support"))
        harness.open("v-calm")
        harness.open("v-angry", customer: "c2")
        harness.ok(Harness.agent, .setSentiment(SetSentiment(conversationID: "v-angry", sentiment: .angry)))
        #expect(harness.runDue() == ["route v-angry r1"])
    }

    /// Customer c1 was served by b-sticky on v-old; b-sticky is busier than a-free.
    private func stickySetUp(stickyMax: Int) -> Harness {
        var harness = Harness.routing()
        harness.addAgent("a-free")
        harness.addAgent("b-sticky", max: stickyMax)
        harness.addQueue(CreateQueue(id: "support", name: "Support", stickinessWaitSeconds: 60))
        harness.open("v-old")
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-old", assigneeID: .set("b-sticky"))))
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v-old", status: .resolved)))
        harness.open("v-busy", customer: "c2", queue: nil)
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-busy", assigneeID: .set("b-sticky"))))
        harness.open("v-new")
        return harness
    }

    @Test func stickinessWithinTheWaitGoesBackToThePreviousAgent() {
        var harness = stickySetUp(stickyMax: 5)
        #expect(harness.runDue() == ["route v-new b-sticky"])
    }

    @Test func stickinessAfterTheWaitLetsTheStrategyDecide() {
        var harness = stickySetUp(stickyMax: 5)
        harness.wait(seconds: 60)
        #expect(harness.runDue() == ["route v-new a-free"])
    }

    @Test func aBusyPreviousAgentIsWaitedForUntilTheWaitEnds() {
        var harness = stickySetUp(stickyMax: 1)
        #expect(harness.due().isEmpty, "held for b-sticky, who is full")
        harness.wait(seconds: 30)
        #expect(harness.due().isEmpty)
        harness.wait(seconds: 30)
        #expect(harness.runDue() == ["route v-new a-free"])
    }

    @Test func roundRobinRotatesAndKeepsItsCursorInTheState() {
        var harness = Harness.routing()
        for id in ["r1", "r2", "r3"] { harness.addAgent(id, max: 10) }
        harness.addQueue(CreateQueue(id: "support", name: "Support", strategy: .roundRobin))
        for index in 1...4 { harness.open("w\(index)", customer: index.isMultiple(of: 2) ? "c2" : "c1") }
        #expect(harness.runDue() == ["route w1 r1", "route w2 r2", "route w3 r3", "route w4 r1"])
        #expect(harness.desk.queue(id: "support")?.lastRoutedAgentID == "r1")
        harness.open("w5")
        #expect(harness.runDue() == ["route w5 r2"], "the cursor survives between passes")
    }

    @Test func skillsWeightedPrefersTheStrongestAgentAndWeighsLoad() {
        var harness = Harness.routing()
        harness.addAgent("a-junior", skills: ["billing": 2, "technical": 2], max: 10)
        harness.addAgent("b-senior", skills: ["billing": 5, "technical": 5], max: 10)
        harness.addQueue(CreateQueue(id: "support", name: "Support", requiredSkills: ["billing": 1, "technical": 1], strategy: .skillsWeighted))
        for index in 1...8 { harness.open("w\(index)") }
        // b-senior scores 10 − load, a-junior 4 − load: b-senior takes six before a-junior's turn.
        let routes = harness.runDue()
        #expect(routes.prefix(7) == ["route w1 b-senior", "route w2 b-senior", "route w3 b-senior", "route w4 b-senior",
                                     "route w5 b-senior", "route w6 b-senior", "route w7 a-junior"])
        #expect(harness.load("b-senior") == 7 && harness.load("a-junior") == 1)
    }

    @Test func fullAndAwayAgentsAreSkipped() {
        var harness = Harness.routing()
        harness.addAgent("a-full", max: 1)
        harness.addAgent("b-away", status: .away)
        harness.addAgent("c-free", max: 3)
        harness.addQueue(CreateQueue(id: "support", name: "Support"))
        harness.open("v-taken")
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v-taken", assigneeID: .set("a-full"))))
        harness.open("v-new", customer: "c2")
        #expect(harness.runDue() == ["route v-new c-free"])
    }

    @Test func oneDecisionPassNeverOverfillsAnAgent() {
        var harness = Harness.routing()
        harness.addAgent("r1", max: 2)
        harness.addQueue(CreateQueue(id: "support", name: "Support"))
        for index in 1...5 { harness.open("w\(index)") }
        #expect(harness.runDue() == ["route w1 r1", "route w2 r1"])
        #expect(harness.due().isEmpty)
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "w1", status: .resolved)))
        #expect(harness.runDue() == ["route w3 r1"], "resolving frees a seat")
    }

    @Test func aDeclineSendsTheOfferToTheNextAgent() {
        var harness = Harness.routing()
        harness.addAgent("r1")
        harness.addAgent("r2", max: 10)
        harness.addQueue(CreateQueue(id: "support", name: "Support", offerTimeoutSeconds: 30))
        harness.open("v-new")
        #expect(harness.runDue() == ["route v-new r1"])
        let offered = harness.conversation("v-new")
        #expect(offered.offer?.agentID == "r1" && offered.assigneeID == nil && harness.load("r1") == 1)
        #expect(harness.due().isEmpty, "an offer waits for its answer")
        harness.ok(.staff(id: "r1", role: .agent), .declineConversation(DeclineConversation(conversationID: "v-new")))
        #expect(harness.conversation("v-new").declinedBy == ["r1"] && harness.load("r1") == 0)
        #expect(harness.runDue() == ["route v-new r2"])
        let accepted = harness.ok(.staff(id: "r2", role: .agent), .acceptConversation(AcceptConversation(conversationID: "v-new")))
        let conversation = accepted?.conversation
        #expect(conversation?.assigneeID == "r2" && conversation?.offer == nil && conversation?.declinedBy == [])
        #expect(conversation?.queuedAt == nil && conversation?.lastAssigneeID == "r2" && harness.load("r2") == 1)
    }

    @Test func anExpiredOfferIsWithdrawnAndReRouted() {
        var harness = Harness.routing()
        harness.addAgent("r1")
        harness.addAgent("r2", max: 10)
        harness.addQueue(CreateQueue(id: "support", name: "Support", offerTimeoutSeconds: 30))
        harness.open("v-new")
        #expect(harness.runDue() == ["route v-new r1"])
        harness.wait(seconds: 28)
        #expect(harness.due().isEmpty, "not yet")
        harness.wait(seconds: 1)
        #expect(harness.runDue() == ["expire v-new r1"])
        #expect(harness.conversation("v-new").declinedBy == ["r1"])
        #expect(harness.runDue() == ["route v-new r2"])
        harness.rejects(.staff(id: "r1", role: .agent), .acceptConversation(AcceptConversation(conversationID: "v-new")), .forbidden)
    }

    @Test func aConversationOverflowsAfterTheWaitLimit() {
        var harness = Harness.routing()
        harness.addAgent("r1")
        harness.addQueue(CreateQueue(id: "second", name: "Second line"))
        harness.addQueue(CreateQueue(
            id: "first", name: "First line", requiredSkills: ["rare": 5], overflowQueueID: "second", overflowAfterSeconds: 60))
        harness.open("v-new", queue: "first")
        #expect(harness.due().isEmpty, "nobody has the skill")
        harness.wait(seconds: 58)
        #expect(harness.due().isEmpty)
        harness.wait(seconds: 1)
        #expect(harness.runDue() == ["overflow v-new second"])
        let moved = harness.conversation("v-new")
        #expect(moved.queue == "second" && moved.queueEnteredAt! > moved.queuedAt!)
        #expect(harness.runDue() == ["route v-new r1"])
    }

    @Test func workIsLimitedAndOldestFirst() {
        var harness = Harness.routing()
        harness.addAgent("r1", max: 10)
        harness.addQueue(CreateQueue(id: "support", name: "Support", offerTimeoutSeconds: 5))
        for index in 1...3 { harness.open("w\(index)") }
        #expect(harness.runDue(limit: 2) == ["route w1 r1", "route w2 r1"])
        harness.wait(seconds: 10)
        #expect(harness.due(limit: 1).map(Harness.describe) == ["expire w1 r1"])
        #expect(harness.due().map(Harness.describe) == ["expire w1 r1", "expire w2 r1", "route w3 r1"])
    }

    @Test func workIsOnlyForTheSlotsTheNodeOwns() {
        var harness = Harness.routing()
        harness.addAgent("r1", max: 10)
        harness.addQueue(CreateQueue(id: "support", name: "Support"))
        harness.open("w1")
        let slot = SlotMap.slot(of: "w1")
        #expect(harness.desk.dueWork(ownedSlots: Harness.allSlots.subtracting([slot]), owner: 1, now: harness.now, limit: 10).isEmpty)
        #expect(harness.desk.dueWork(ownedSlots: Harness.allSlots, owner: 2, now: harness.now, limit: 10).isEmpty, "node 2 owns nothing")
        #expect(harness.desk.dueWork(ownedSlots: [slot], owner: 1, now: harness.now, limit: 0).isEmpty)
        #expect(harness.desk.dueWork(ownedSlots: [slot], owner: 1, now: harness.now, limit: 10).count == 1)
    }
}
