import Testing

/// The scenario harness is test code too: its parsing and diffing must be right for the
/// scenarios to mean anything.
@Suite("Scenario harness")
struct HarnessTests {
    @Test("a file round-trips through parsing and rendering")
    func roundTrip() throws {
        let text = """
            # comment
            cluster voters=1

            campaign 1
            ----
            line one
            line two

            # trailing comment

            """
        let file = try ScenarioFile(text: text)
        #expect(file.blocks.count == 1)
        #expect(file.blocks[0].commands.map(\.text) == ["cluster voters=1", "campaign 1"])
        #expect(file.blocks[0].expected == ["line one", "line two"])
        #expect(file.blocks[0].separatorLine == 5)
        #expect(file.rendered(outputs: [["line one", "line two"]]) == text)
    }

    @Test("rendering replaces expected outputs and keeps everything else")
    func rewrite() throws {
        let file = try ScenarioFile(text: "# a\nstatus 1\n----\nold\n\nlog 1\n----\nok\n")
        #expect(file.rendered(outputs: [["new"], ["ok"]]) == "# a\nstatus 1\n----\nnew\n\nlog 1\n----\nok\n")
    }

    @Test("malformed files are refused", arguments: ["----\nok\n", "# only a comment\n----\n", "status 1\n"])
    func malformed(_ text: String) {
        #expect(throws: ScenarioError.self) { try ScenarioFile(text: text) }
    }

    @Test("commands split into arguments and options")
    func command() throws {
        let command = try ScenarioCommand(text: "deliver  from=1 to=2 extra")
        #expect(command.name == "deliver")
        #expect(command.arguments == ["extra"])
        #expect(command.options == ["from": "1", "to": "2"])
        #expect(throws: ScenarioError.self) { try command.check(options: ["from"], argumentsMax: 1) }
        #expect(throws: ScenarioError.self) { try ScenarioCommand(text: "tick a=1 a=2") }
        #expect(throws: ScenarioError.self) { try ScenarioCommand(text: "campaign 0").node() }
    }

    @Test("the diff marks lines only expected with - and lines only produced with +")
    func diff() {
        let lines = TextDiff.lines(expected: ["a", "b", "c"], actual: ["a", "x", "c", "d"])
        #expect(lines == ["  a", "+ x", "- b", "  c", "+ d"])
    }
}
