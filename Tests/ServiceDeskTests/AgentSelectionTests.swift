import Testing
@testable import ServiceDesk

/// The routing engine as a pure function: one row per rule of agent selection.
@Suite struct AgentSelectionTests {
    private static let time = Timestamp(millisecondsSinceEpoch: 1_700_000_000_000)

    private static func agent(
        _ id: String, skills: [String: Int] = [:], languages: [String] = ["en"], load: Int = 0, max: Int = 5,
        status: PresenceStatus = .online, teams: [String] = [], active: Bool = true
    ) -> AgentCandidate {
        let user = StaffUser(
            id: id, email: "\(id)@example.com", name: id, role: .agent, passwordHash: "", skills: skills,
            languages: languages, concurrentConversationsMax: max, status: status, teamIDs: teams, active: active,
            createdAt: time, updatedAt: time)
        return AgentCandidate(user: user, load: load)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var candidates: [AgentCandidate]
        var needs = RoutingNeeds()
        var strategy = RoutingStrategy.leastLoaded
        var cursor: String?
        var previous: AgentCandidate?
        var stickinessApplies = false
        var expected: AgentChoice

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "an English conversation goes to the English speaker",
            candidates: [agent("a1", languages: ["zh-CN"]), agent("a2", languages: ["en"])],
            needs: RoutingNeeds(language: "en-GB"), expected: .agent("a2")),
        Case(
            name: "an unknown language matches everyone",
            candidates: [agent("a1", languages: ["zh-CN"]), agent("a2", languages: [])],
            needs: RoutingNeeds(language: "und"), expected: .agent("a1")),
        Case(
            name: "a technical conversation goes to the agent with the technical skill",
            candidates: [agent("a1"), agent("a2", skills: ["technical": 2], load: 3)],
            needs: RoutingNeeds(requiredSkills: ["technical": 1]), expected: .agent("a2")),
        Case(
            name: "a skill below the minimum level does not count",
            candidates: [agent("a1", skills: ["technical": 2]), agent("a2", skills: ["technical": 4], load: 4)],
            needs: RoutingNeeds(requiredSkills: ["technical": 3]), expected: .agent("a2")),
        Case(
            name: "least loaded compares load against each agent's maximum",
            candidates: [agent("a1", load: 2, max: 4), agent("a2", load: 2, max: 8)], expected: .agent("a2")),
        Case(
            name: "least loaded breaks ties by id",
            candidates: [agent("a1", load: 1), agent("a2", load: 1)], expected: .agent("a1")),
        Case(
            name: "an agent at capacity is skipped",
            candidates: [agent("a1", load: 5, max: 5), agent("a2", load: 4, max: 5)], expected: .agent("a2")),
        Case(
            name: "away, offline and inactive agents are skipped",
            candidates: [agent("a1", status: .away), agent("a2", status: .offline), agent("a3", active: false), agent("a4", load: 4)],
            expected: .agent("a4")),
        Case(
            name: "agents who declined are skipped",
            candidates: [agent("a1"), agent("a2", load: 2)], needs: RoutingNeeds(excludedAgentIDs: ["a1"]), expected: .agent("a2")),
        Case(
            name: "a queue's team limits who takes its conversations",
            candidates: [agent("a1"), agent("a2", load: 3, teams: ["t1"])], needs: RoutingNeeds(teamID: "t1"), expected: .agent("a2")),
        Case(
            name: "round robin takes the next agent after the cursor",
            candidates: [agent("a1"), agent("a2", load: 4), agent("a3")], strategy: .roundRobin, cursor: "a1", expected: .agent("a2")),
        Case(
            name: "round robin wraps around",
            candidates: [agent("a1", load: 3), agent("a2"), agent("a3")], strategy: .roundRobin, cursor: "a3", expected: .agent("a1")),
        Case(
            name: "round robin skips ineligible agents",
            candidates: [agent("a1"), agent("a2", status: .away), agent("a3", load: 5, max: 5)], strategy: .roundRobin, cursor: "a1",
            expected: .agent("a1")),
        Case(
            name: "round robin starts at the lowest id",
            candidates: [agent("b"), agent("a")], strategy: .roundRobin, expected: .agent("a")),
        Case(
            name: "skills weighted prefers the higher sum of required levels",
            candidates: [agent("a1", skills: ["billing": 3, "technical": 3]), agent("a2", skills: ["billing": 5, "technical": 4], load: 2)],
            needs: RoutingNeeds(requiredSkills: ["billing": 1, "technical": 1]), strategy: .skillsWeighted, expected: .agent("a2")),
        Case(
            name: "skills weighted subtracts load",
            candidates: [agent("a1", skills: ["billing": 3, "technical": 3]), agent("a2", skills: ["billing": 5, "technical": 4], load: 4)],
            needs: RoutingNeeds(requiredSkills: ["billing": 1, "technical": 1]), strategy: .skillsWeighted, expected: .agent("a1")),
        Case(
            name: "skills weighted breaks ties by id",
            candidates: [agent("a2", skills: ["billing": 4]), agent("a1", skills: ["billing": 5], load: 1)],
            needs: RoutingNeeds(requiredSkills: ["billing": 1]), strategy: .skillsWeighted, expected: .agent("a1")),
        Case(
            name: "stickiness: the previous agent within the wait, though busier",
            candidates: [agent("a1"), agent("a2", load: 3)], previous: agent("a2", load: 3), stickinessApplies: true,
            expected: .agent("a2")),
        Case(
            name: "stickiness: after the wait the strategy decides",
            candidates: [agent("a1"), agent("a2", load: 3)], previous: agent("a2", load: 3), stickinessApplies: false,
            expected: .agent("a1")),
        Case(
            name: "stickiness: a busy previous agent is waited for within the wait",
            candidates: [agent("a1"), agent("a2", load: 5, max: 5)], previous: agent("a2", load: 5, max: 5), stickinessApplies: true,
            expected: .waitForPreviousAgent),
        Case(
            name: "stickiness: an away previous agent is not waited for",
            candidates: [agent("a1")], previous: agent("a2", status: .away), stickinessApplies: true, expected: .agent("a1")),
        Case(
            name: "stickiness: a previous agent who cannot serve the queue is not waited for",
            candidates: [agent("a1", skills: ["vip": 1])], needs: RoutingNeeds(requiredSkills: ["vip": 1]),
            previous: agent("a2", load: 5, max: 5), stickinessApplies: true, expected: .agent("a1")),
        Case(
            name: "nobody eligible",
            candidates: [agent("a1", load: 5, max: 5), agent("a2", max: 0), agent("a3", status: .offline)], expected: .nobody),
    ]

    @Test(arguments: cases)
    func choosesTheRightAgent(_ row: Case) {
        let sorted = row.candidates.sorted { $0.id < $1.id }
        let choice = AgentSelection.choose(
            from: sorted, for: row.needs, strategy: row.strategy, cursor: row.cursor, previousAgent: row.previous,
            stickinessApplies: row.stickinessApplies)
        #expect(choice == row.expected)
    }

    @Test func theQueuesLanguageWinsOverTheConversations() {
        let conversation = Conversation(
            id: "v", customerID: "c", channel: .web, language: "fr", subject: "", createdAt: Self.time, updatedAt: Self.time,
            declinedBy: ["a9"])
        let english = Queue(id: "english", name: "English", language: "en", createdAt: Self.time, updatedAt: Self.time)
        let any = Queue(id: "any", name: "Any", requiredSkills: ["billing": 2], createdAt: Self.time, updatedAt: Self.time)
        #expect(RoutingNeeds(conversation: conversation, queue: english).language == "en")
        let needs = RoutingNeeds(conversation: conversation, queue: any)
        #expect(needs.language == "fr" && needs.requiredSkills == ["billing": 2] && needs.excludedAgentIDs == ["a9"])
    }

    @Test(arguments: [
        ("en", "en", true), ("en", "EN-us", true), ("en-US", "en", true), ("zh-CN", "zh-TW", false),
        ("zh", "zh-Hans-CN", true), ("en", "eng", false), ("und", "und", false), ("en", "und", false),
    ])
    func languagesMatchBySubtag(left: String, right: String, matches: Bool) {
        #expect(Languages.match(left, right) == matches)
        #expect(Languages.match(right, left) == matches)
    }

    @Test func queueOrderIsVipThenPriorityThenAngerThenWaitThenID() {
        func position(_ id: String, vip: Bool = false, _ priority: Priority = .normal, angry: Bool = false, waitedSince: Int64 = 100) -> QueuePosition {
            QueuePosition(vip: vip, priority: priority, angry: angry, queuedAt: Timestamp(millisecondsSinceEpoch: waitedSince), conversationID: id)
        }
        let positions = [
            position("late", waitedSince: 300), position("early", waitedSince: 50), position("tie-b"), position("tie-a"),
            position("angry", angry: true, waitedSince: 900), position("urgent", .urgent, waitedSince: 999),
            position("low", .low, waitedSince: 1), position("vip", vip: true, .low, waitedSince: 999),
            position("high-angry", .high, angry: true), position("high", .high, waitedSince: 1),
        ]
        #expect(positions.sorted().map(\.conversationID) == [
            "vip", "urgent", "high-angry", "high", "angry", "early", "tie-a", "tie-b", "late", "low",
        ])
    }
}
