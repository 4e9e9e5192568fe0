import Replica
import ServiceDesk
import Storage
import Testing

@testable import Server

/// The request path's view of who a conversation concerns follows every applied command.
@Suite struct ConversationAccessTests {
    /// A node whose store is closed (it is stopping) says so for a message page rather than
    /// calling the conversation missing.
    @Test func messagePagesOfAClosedStoreAreUnavailableNotMissing() throws {
        let node = AppliedNode()
        try node.apply(.system, .createCustomer(CreateCustomer(id: "c1", name: "Li")))
        try node.apply(.system, .createConversation(CreateConversation(id: "v1", customer: .existing(id: "c1"), channel: .web)))
        let admin = Viewer(kind: .admin)
        guard case .storeClosed = node.machine.messagePage(conversationID: "v1", afterSeq: 0, limit: 10, viewer: admin) else {
            Issue.record("a page of an existing conversation without a store must be unavailable")
            return
        }
        guard case .notFound = node.machine.messagePage(conversationID: "v9", afterSeq: 0, limit: 10, viewer: admin) else {
            Issue.record("an unknown conversation must be missing")
            return
        }
    }

    @Test func accessFollowsAssignmentsAndTeams() throws {
        let node = AppliedNode()
        try node.apply(.adminToken, .createTeam(CreateTeam(id: "t1", name: "Billing")))
        try node.apply(.adminToken, .createStaff(CreateStaff(id: "a1", email: "a1@example.com", name: "Alex", role: .agent, passwordHash: "h", teamIDs: ["t1"])))
        try node.apply(.adminToken, .createStaff(CreateStaff(id: "a2", email: "a2@example.com", name: "Bo", role: .agent, passwordHash: "h")))
        try node.apply(.system, .createCustomer(CreateCustomer(id: "c1", name: "Li")))
        try node.apply(.system, .createConversation(CreateConversation(id: "v1", customer: .existing(id: "c1"), channel: .web)))
        let owner = Viewer(kind: .customer(id: "c1"), teamIDs: [])
        let stranger = Viewer(kind: .customer(id: "c2"), teamIDs: [])
        let alex = Viewer(kind: .staff(id: "a1", role: .agent), teamIDs: ["t1"])
        let bo = Viewer(kind: .staff(id: "a2", role: .agent), teamIDs: [])
        #expect(node.access.isVisible("v1", to: owner) && !node.access.isVisible("v1", to: stranger))
        #expect(node.access.entry("v1")?.customerID == "c1")
        #expect(!node.access.isVisible("v2", to: owner), "an unknown conversation is visible to nobody")

        try node.apply(.adminToken, .updateConversation(UpdateConversation(conversationID: "v1", assigneeID: .set("a2"))))
        #expect(node.access.isVisible("v1", to: bo) && !node.access.isVisible("v1", to: alex))
        try node.apply(.adminToken, .updateConversation(UpdateConversation(conversationID: "v1", teamID: .set("t1"))))
        #expect(node.access.isVisible("v1", to: alex))

        // A restart loads the same view from the stored state.
        let reloaded = ConversationAccess()
        reloaded.replaceAll(with: node.machine.desk.allConversations)
        #expect(reloaded.entry("v1") == node.access.entry("v1"))
    }
}
