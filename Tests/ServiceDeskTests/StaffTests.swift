import Testing
@testable import ServiceDesk

@Suite struct StaffTests {
    @Test func adminCreatesStaffWithoutLeakingTheHash() throws {
        var harness = Harness.populated()
        let outcome = harness.run(
            Harness.admin,
            .createStaff(CreateStaff(id: "a3", email: " New@Example.com", name: "Nia", role: .agent, passwordHash: "secret-hash", skills: ["Billing": 4], languages: ["zh-CN", "en", "en"], teamIDs: ["t1", "t1"])))
        let user = try #require(try outcome.result.get().staff)
        #expect(user.email == "new@example.com" && user.passwordHash.isEmpty && user.skills == ["billing": 4])
        #expect(user.languages == ["en", "zh-CN"] && user.teamIDs == ["t1"] && user.status == .offline)
        #expect(outcome.events.map(\.type) == [.staffCreated] && outcome.events[0].payload == .staff(user))
        #expect(harness.desk.staffUser(email: "NEW@example.com")?.passwordHash == "secret-hash")
        #expect(harness.desk.staffUser(email: "new@example.com", passwordHash: "secret-hash")?.id == "a3")
        #expect(harness.desk.staffUser(email: "new@example.com", passwordHash: "wrong") == nil)
        #expect(harness.desk.auditLog(afterIndex: 8, limit: 5).map(\.details) == ["role=agent email=new@example.com"])
    }

    @Test func createStaffRejections() {
        var harness = Harness.populated()
        let body = CreateStaff(id: "a3", email: "n@example.com", name: "N", role: .agent, passwordHash: "h")
        harness.rejects(Harness.supervisor, .createStaff(body), .forbidden)
        harness.rejects(.system, .createStaff(body), .forbidden)
        harness.rejects(Harness.customer, .createStaff(body), .forbidden)
        var duplicate = body
        duplicate.email = "A1@EXAMPLE.COM"
        harness.rejects(Harness.admin, .createStaff(duplicate), .conflict)
        duplicate = body
        duplicate.id = "a1"
        harness.rejects(Harness.admin, .createStaff(duplicate), .conflict)
        var invalid = body
        invalid.skills = ["billing": 6]
        harness.rejects(Harness.admin, .createStaff(invalid), .invalid)
        invalid = body
        invalid.passwordHash = ""
        harness.rejects(Harness.admin, .createStaff(invalid), .invalid)
        invalid = body
        invalid.teamIDs = ["ghost"]
        harness.rejects(Harness.admin, .createStaff(invalid), .notFound)
    }

    @Test func usersEditOwnProfileOnly() throws {
        var harness = Harness.populated()
        let renamed = try #require(harness.ok(Harness.agent, .updateStaff(UpdateStaff(staffID: "a1", name: "Alexandra", passwordHash: "h2")))?.staff)
        #expect(renamed.name == "Alexandra")
        #expect(harness.desk.staffUser(id: "a1")?.passwordHash == "h2")
        harness.rejects(Harness.agent, .updateStaff(UpdateStaff(staffID: "a1", role: .admin)), .forbidden)
        harness.rejects(Harness.agent, .updateStaff(UpdateStaff(staffID: "a2", name: "X")), .forbidden)
        harness.rejects(Harness.supervisor, .updateStaff(UpdateStaff(staffID: "a1", skills: ["x": 1])), .forbidden)
        harness.rejects(Harness.admin, .updateStaff(UpdateStaff(staffID: "ghost", name: "X")), .notFound)
        harness.rejects(Harness.admin, .updateStaff(UpdateStaff(staffID: "a1", email: "a2@example.com")), .conflict)
        harness.rejects(Harness.admin, .updateStaff(UpdateStaff(staffID: "a1", concurrentConversationsMax: 1_000)), .invalid)
    }

    @Test func adminChangesEmailAndDeactivates() {
        var harness = Harness.populated()
        harness.ok(Harness.agent, .setStaffStatus(SetStaffStatus(staffID: "a1", status: .online)))
        harness.ok(Harness.admin, .updateStaff(UpdateStaff(staffID: "a1", email: "alex@example.com", role: .supervisor, active: false)))
        #expect(harness.desk.staffUser(email: "a1@example.com") == nil)
        let user = harness.desk.staffUser(email: "alex@example.com")
        #expect(user?.role == .supervisor && user?.active == false && user?.status == .offline)
        harness.rejects(Harness.agent, .setStaffStatus(SetStaffStatus(staffID: "a1", status: .online)), .forbidden)
        harness.rejects(.system, .setStaffStatus(SetStaffStatus(staffID: "a1", status: .online)), .conflict)
        #expect(harness.desk.staffUser(email: "alex@example.com", passwordHash: "h-a1") == nil, "inactive users cannot sign in")
        harness.ok(Harness.admin, .updateStaff(UpdateStaff(staffID: "a2", email: "a1@example.com")))
    }

    @Test func presenceBySelfSupervisorOrSystem() throws {
        var harness = Harness.populated()
        let outcome = harness.run(Harness.agent, .setStaffStatus(SetStaffStatus(staffID: "a1", status: .online)))
        #expect(outcome.events.map(\.type) == [.agentStatus])
        #expect(try outcome.result.get().staff?.status == .online)
        harness.rejects(Harness.otherAgent, .setStaffStatus(SetStaffStatus(staffID: "a1", status: .away)), .forbidden)
        harness.ok(Harness.supervisor, .setStaffStatus(SetStaffStatus(staffID: "a1", status: .away)))
        harness.ok(.system, .setStaffStatus(SetStaffStatus(staffID: "a1", status: .offline)))
        harness.rejects(.system, .setStaffStatus(SetStaffStatus(staffID: "ghost", status: .offline)), .notFound)
        #expect(harness.desk.staffUsers(limit: 10).items.map(\.id) == ["a1", "a2", "adm", "sup"])
        #expect(harness.desk.staffUsers(limit: 10).items.allSatisfy { $0.passwordHash.isEmpty })
    }

    @Test func unknownStaffActorsMayNotAct() {
        var harness = Harness.populated()
        harness.rejects(.staff(id: "ghost", role: .admin), .createTeam(CreateTeam(id: "t2", name: "X")), .forbidden)
        harness.ok(Harness.admin, .updateStaff(UpdateStaff(staffID: "sup", role: .agent)))
        harness.rejects(Harness.supervisor, .createCannedResponse(CreateCannedResponse(id: "r1", title: "T", text: "x", shortcut: "/x")), .forbidden)
    }
}
