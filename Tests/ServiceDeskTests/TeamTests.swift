import Testing
@testable import ServiceDesk

@Suite struct TeamTests {
    @Test func teamsAreManagedByAdmins() {
        var harness = Harness.populated()
        harness.ok(Harness.admin, .createTeam(CreateTeam(id: "t2", name: "VIP", description: "Top customers")))
        harness.ok(.adminToken, .updateTeam(UpdateTeam(teamID: "t2", name: "VIP desk")))
        #expect(harness.desk.team(id: "t2")?.name == "VIP desk")
        #expect(harness.desk.team(id: "t2")?.description == "Top customers")
        #expect(harness.desk.allTeams().map(\.id) == ["t1", "t2"])
        harness.rejects(Harness.supervisor, .createTeam(CreateTeam(id: "t3", name: "X")), .forbidden)
        harness.rejects(Harness.admin, .createTeam(CreateTeam(id: "t1", name: "X")), .conflict)
        harness.rejects(Harness.admin, .createTeam(CreateTeam(id: "t3", name: "")), .invalid)
        harness.rejects(Harness.admin, .updateTeam(UpdateTeam(teamID: "ghost", name: "X")), .notFound)
        harness.rejects(Harness.agent, .updateTeam(UpdateTeam(teamID: "t1", name: "X")), .forbidden)
    }

    @Test func cannedResponseLifecycle() throws {
        var harness = Harness.populated()
        let created = try #require(
            harness.ok(Harness.supervisor, .createCannedResponse(CreateCannedResponse(id: "r1", title: "Refund", text: "We refunded you.", shortcut: "/Refund", teamID: "t1")))?.cannedResponse)
        #expect(created.shortcut == "/refund")
        harness.ok(Harness.admin, .createCannedResponse(CreateCannedResponse(id: "r2", title: "Hello", text: "Hi!", shortcut: "/hi")))
        #expect(harness.desk.cannedResponses(teamID: "t1").map(\.id) == ["r2", "r1"])
        #expect(harness.desk.cannedResponses(teamID: "other").map(\.id) == ["r2"])
        let updated = harness.ok(Harness.supervisor, .updateCannedResponse(UpdateCannedResponse(cannedResponseID: "r1", text: "Refunded.", teamID: .clear)))
        #expect(updated?.cannedResponse?.teamID == nil && updated?.cannedResponse?.text == "Refunded.")
        let deleted = harness.run(Harness.supervisor, .deleteCannedResponse(DeleteCannedResponse(cannedResponseID: "r1")))
        #expect(deleted.result == .success(.cannedResponseDeleted(id: "r1")))
        #expect(deleted.changes.contains(RecordChange(key: Array("sd/canned_response/r1".utf8), value: nil)))
        #expect(deleted.events.map(\.type) == [.cannedResponseDeleted])
        #expect(harness.desk.cannedResponse(id: "r1") == nil)
    }

    @Test func cannedResponseRejections() {
        var harness = Harness.populated()
        harness.ok(Harness.supervisor, .createCannedResponse(CreateCannedResponse(id: "r1", title: "Refund", text: "x", shortcut: "/refund")))
        harness.rejects(Harness.agent, .createCannedResponse(CreateCannedResponse(id: "r2", title: "T", text: "x", shortcut: "/t")), .forbidden)
        harness.rejects(Harness.supervisor, .createCannedResponse(CreateCannedResponse(id: "r2", title: "T", text: "x", shortcut: "/REFUND")), .conflict)
        harness.rejects(Harness.supervisor, .createCannedResponse(CreateCannedResponse(id: "r1", title: "T", text: "x", shortcut: "/t")), .conflict)
        harness.rejects(Harness.supervisor, .createCannedResponse(CreateCannedResponse(id: "r2", title: "T", text: " ", shortcut: "/t")), .invalid)
        harness.rejects(Harness.supervisor, .createCannedResponse(CreateCannedResponse(id: "r2", title: "T", text: "x", shortcut: "/t", teamID: "ghost")), .notFound)
        harness.rejects(Harness.supervisor, .updateCannedResponse(UpdateCannedResponse(cannedResponseID: "ghost", title: "X")), .notFound)
        harness.rejects(Harness.agent, .updateCannedResponse(UpdateCannedResponse(cannedResponseID: "r1", title: "X")), .forbidden)
        harness.rejects(Harness.supervisor, .deleteCannedResponse(DeleteCannedResponse(cannedResponseID: "ghost")), .notFound)
        harness.rejects(Harness.agent, .deleteCannedResponse(DeleteCannedResponse(cannedResponseID: "r1")), .forbidden)
        harness.ok(Harness.supervisor, .updateCannedResponse(UpdateCannedResponse(cannedResponseID: "r1", shortcut: "/refund")))
    }
}
