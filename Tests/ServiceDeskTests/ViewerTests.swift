import Testing
@testable import ServiceDesk

@Suite struct ViewerTests {
    private let agent = Viewer(kind: .staff(id: "a1", role: .agent), teamIDs: ["t1"])
    private let otherAgent = Viewer(kind: .staff(id: "a2", role: .agent))
    private let supervisor = Viewer(kind: .staff(id: "sup", role: .supervisor))
    private let customer = Viewer(kind: .customer(id: "c1"))
    private let otherCustomer = Viewer(kind: .customer(id: "c2"))

    @Test(arguments: [
        // (assignee, team, a1 sees, a2 sees)
        (nil as String?, nil as String?, true, true),
        ("a1", nil, true, false),
        ("a2", nil, false, true),
        ("a2", "t1", true, true),
        ("sup", "t2", false, false),
    ])
    func agentsSeeUnassignedOwnAndTeamConversations(assignee: String?, team: String?, firstSees: Bool, secondSees: Bool) {
        #expect(agent.canSee(customerID: "c1", assigneeID: assignee, teamID: team) == firstSees)
        #expect(otherAgent.canSee(customerID: "c1", assigneeID: assignee, teamID: team) == secondSees)
        #expect(supervisor.canSee(customerID: "c1", assigneeID: assignee, teamID: team))
        #expect(Viewer(kind: .admin).canSee(customerID: "c1", assigneeID: assignee, teamID: team))
    }

    @Test func customersSeeOnlyTheirOwnConversations() {
        #expect(customer.canSee(customerID: "c1", assigneeID: "a1", teamID: nil))
        #expect(!otherCustomer.canSee(customerID: "c1", assigneeID: nil, teamID: nil))
    }

    @Test func internalNotesReachStaffOnly() throws {
        var harness = Harness.populated()
        let outcome = harness.run(Harness.otherAgent, .postMessage(PostMessage(conversationID: "v1", messageID: "m1", text: "note", internal: true)))
        let event = try #require(outcome.events.first)
        let audience = harness.desk.audience(of: event)
        #expect(audience.internal && audience.conversationID == "v1" && audience.customerID == "c1")
        #expect(agent.canSee(audience) && otherAgent.canSee(audience))
        #expect(!customer.canSee(audience))
        let reply = harness.run(Harness.agent, .postMessage(PostMessage(conversationID: "v1", messageID: "m2", text: "hi")))
        let replyAudience = harness.desk.audience(of: try #require(reply.events.first))
        #expect(customer.canSee(replyAudience) && !otherCustomer.canSee(replyAudience))
    }

    @Test func agentStillSeesTheConversationTakenFromThem() throws {
        var harness = Harness.populated()
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("a2"))))
        let outcome = harness.run(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("adm"))))
        let event = try #require(outcome.events.first)
        #expect(event.formerAssigneeID == "a2")
        let audience = harness.desk.audience(of: event)
        #expect(otherAgent.canSee(audience), "a2 learns the conversation moved away")
        #expect(!agent.canSee(audience), "a1 never had it and the team does not match")
        let message = harness.run(.system, .postMessage(PostMessage(conversationID: "v1", messageID: "m9", text: "x")))
        #expect(!otherAgent.canSee(harness.desk.audience(of: try #require(message.events.first))), "later messages are not a2's")
    }

    @Test func staffRecordsAreStaffOnly() throws {
        var harness = Harness.populated()
        let outcome = harness.run(Harness.agent, .setStaffStatus(SetStaffStatus(staffID: "a1", status: .online)))
        let audience = harness.desk.audience(of: try #require(outcome.events.first))
        #expect(audience.staffOnly && agent.canSee(audience) && !customer.canSee(audience))
    }

    @Test func customerProfileEventsReachThatCustomer() throws {
        var harness = Harness.populated()
        let outcome = harness.run(Harness.customer, .updateCustomer(UpdateCustomer(customerID: "c1", name: "Wei")))
        let audience = harness.desk.audience(of: try #require(outcome.events.first))
        #expect(customer.canSee(audience) && !otherCustomer.canSee(audience) && agent.canSee(audience))
    }

    @Test func internalNotesReachOnlyTheStaffWhoSeeTheConversation() throws {
        var harness = Harness.populated()
        harness.ok(Harness.supervisor, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("a2"))))
        let note = harness.run(Harness.otherAgent, .postMessage(PostMessage(conversationID: "v1", messageID: "m1", text: "note", internal: true)))
        let audience = harness.desk.audience(of: try #require(note.events.first))
        #expect(otherAgent.canSee(audience) && supervisor.canSee(audience))
        #expect(!agent.canSee(audience), "a1 may not see a2's conversation, so neither its notes")
        #expect(!customer.canSee(audience))
    }
}
