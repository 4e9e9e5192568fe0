import Testing
@testable import ServiceDesk

@Suite struct ConversationTests {
    @Test func createConversationForExistingCustomer() throws {
        var harness = Harness.populated()
        let outcome = harness.run(
            Harness.customer,
            .createConversation(CreateConversation(id: "v2", customer: .existing(id: "c1"), channel: .web, subject: "Refund", tags: [" VIP", "refund", "vip"])))
        let conversation = try #require(try outcome.result.get().conversation)
        #expect(conversation.status == .open && conversation.tags == ["refund", "vip"] && conversation.language == "und")
        #expect(outcome.events.map(\.type) == [.conversationCreated] && outcome.events[0].conversationID == "v2")
        #expect(harness.desk.conversation(id: "v2") == conversation)
    }

    @Test func createConversationUpsertsCustomerByExternalID() throws {
        var harness = Harness.populated()
        let first = harness.run(
            .system,
            .createConversation(CreateConversation(id: "v2", customer: .external(channel: .messenger, externalID: "psid-9", newCustomerID: "c9", name: "Pat"), channel: .messenger)))
        #expect(first.events.map(\.type) == [.customerCreated, .conversationCreated])
        #expect(try first.result.get().customer?.id == "c9")
        let second = harness.run(
            .system,
            .createConversation(CreateConversation(id: "v3", customer: .external(channel: .messenger, externalID: "psid-9", newCustomerID: "c10", name: "Pat"), channel: .messenger)))
        #expect(second.events.map(\.type) == [.conversationCreated])
        #expect(try second.result.get().conversation?.customerID == "c9")
        #expect(harness.desk.customer(id: "c10") == nil)
    }

    @Test func createConversationRejections() {
        var harness = Harness.populated()
        harness.rejects(.system, .createConversation(CreateConversation(id: "v1", customer: .existing(id: "c1"), channel: .web)), .conflict)
        harness.rejects(.system, .createConversation(CreateConversation(id: "v9", customer: .existing(id: "nobody"), channel: .web)), .notFound)
        harness.rejects(Harness.customer, .createConversation(CreateConversation(id: "v9", customer: .existing(id: "c2"), channel: .web)), .forbidden)
        harness.rejects(.system, .createConversation(CreateConversation(id: "v9", customer: .existing(id: "c1"), channel: .web, teamID: "nope")), .notFound)
        harness.rejects(.system, .createConversation(CreateConversation(id: "v9", customer: .existing(id: "c1"), channel: .web, tags: (0...20).map { "t\($0)" })), .invalid)
        harness.rejects(
            .system,
            .createConversation(CreateConversation(id: "v9", customer: .external(channel: .web, externalID: "w", newCustomerID: "c1", name: "Dup"), channel: .web)),
            .conflict)
    }

    @Test func statusTransitionsFollowTheLifecycle() throws {
        var harness = Harness.populated()
        let resolved = try #require(harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v1", status: .resolved)))?.conversation)
        #expect(resolved.resolvedAt != nil)
        let reopened = try #require(harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v1", status: .open)))?.conversation)
        #expect(reopened.resolvedAt == nil)
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v1", status: .pending)))
        harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v1", status: .closed)))
        harness.rejects(.system, .updateConversation(UpdateConversation(conversationID: "v1", status: .open)), .conflict)
        #expect(!ConversationStatus.resolved.canMove(to: .pending))
    }

    @Test func agentsWorkOnOwnOrUnassignedConversations() throws {
        var harness = Harness.populated()
        harness.rejects(Harness.agent, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("a2"))), .forbidden)
        let taken = harness.ok(Harness.agent, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("a1"), priority: .high)))
        #expect(taken?.conversation?.assigneeID == "a1")
        harness.rejects(Harness.otherAgent, .updateConversation(UpdateConversation(conversationID: "v1", priority: .low)), .forbidden)
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("a2"))))
        harness.ok(Harness.otherAgent, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .clear)))
        #expect(harness.desk.conversation(id: "v1")?.assigneeID == nil)
        let audit = harness.desk.auditLog(limit: 100).filter { $0.target == "v1" }.map(\.details)
        #expect(audit == ["assignee=a1 priority=high", "assignee=a2", "assignee=none"])
    }

    @Test func updateConversationRejections() {
        var harness = Harness.populated()
        harness.rejects(Harness.customer, .updateConversation(UpdateConversation(conversationID: "v1", status: .resolved)), .forbidden)
        harness.rejects(.system, .updateConversation(UpdateConversation(conversationID: "nope", status: .resolved)), .notFound)
        harness.rejects(.system, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("ghost"))), .notFound)
        harness.rejects(.system, .updateConversation(UpdateConversation(conversationID: "v1", teamID: .set("ghost"))), .notFound)
        harness.rejects(.system, .updateConversation(UpdateConversation(conversationID: "v1", queue: .set(""))), .invalid)
        harness.ok(.adminToken, .updateStaff(UpdateStaff(staffID: "a2", active: false)))
        harness.rejects(.system, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("a2"))), .conflict)
        harness.rejects(Harness.otherAgent, .updateConversation(UpdateConversation(conversationID: "v1", priority: .low)), .forbidden)
    }

    @Test func updateConversationSetsAndClearsRouting() throws {
        var harness = Harness.populated()
        let routed = try #require(
            harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v1", queue: .set("Billing"), teamID: .set("t1"), tags: ["A"])))?.conversation)
        #expect(routed.queue == "billing" && routed.teamID == "t1" && routed.tags == ["a"])
        let cleared = try #require(
            harness.ok(.system, .updateConversation(UpdateConversation(conversationID: "v1", queue: .clear, teamID: .clear)))?.conversation)
        #expect(cleared.queue == nil && cleared.teamID == nil && cleared.tags == ["a"])
    }
}
