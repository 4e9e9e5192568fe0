import Foundation
import Testing

/// Where scenario files live: read from the test bundle, rewritten in the source tree.
enum ScenarioLibrary {
    /// The source folder, so that `SCENARIO_REWRITE=1` updates the files under version control
    /// rather than the copies in the build folder.
    static let sourceDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().appendingPathComponent("scenarios")

    static var bundleDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("scenarios")
    }

    /// Every scenario file name, sorted so that test order is stable.
    static let names: [String] = {
        let files = try? FileManager.default.contentsOfDirectory(atPath: bundleDirectory.path)
        return (files ?? []).filter { $0.hasSuffix(".txt") }.sorted()
    }()

    static var isRewriting: Bool {
        ProcessInfo.processInfo.environment["SCENARIO_REWRITE"] == "1"
    }

    static func text(of name: String) throws -> String {
        try String(contentsOf: bundleDirectory.appendingPathComponent(name), encoding: .utf8)
    }

    /// Where a failing block is, so that a failure links to the scenario file itself.
    static func location(of name: String, line: Int) -> SourceLocation {
        SourceLocation(
            fileID: "RaftCoreTests/\(name)", filePath: sourceDirectory.appendingPathComponent(name).path,
            line: line, column: 1)
    }

    static func rewrite(_ name: String, text: String) throws {
        try text.write(to: sourceDirectory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
}

@Suite("Raft interaction scenarios")
struct ScenarioTests {
    @Test("the scenario folder is bundled")
    func scenariosExist() {
        #expect(ScenarioLibrary.names.count > 0)
    }

    @Test("scenario", arguments: ScenarioLibrary.names)
    func run(_ name: String) throws {
        let file = try ScenarioFile(text: ScenarioLibrary.text(of: name))
        var harness = InteractionHarness()
        var outputs: [[String]] = []
        for block in file.blocks {
            let actual = Self.run(block, in: &harness, file: name)
            outputs.append(actual)
            if actual != block.expected && !ScenarioLibrary.isRewriting {
                let diff = TextDiff.lines(expected: block.expected, actual: actual)
                Issue.record(
                    Comment(rawValue: """
                        scenarios/\(name):\(block.separatorLine): output differs (- expected, + actual)
                        \(diff.joined(separator: "\n"))
                        """),
                    sourceLocation: ScenarioLibrary.location(of: name, line: block.separatorLine))
            }
        }
        if ScenarioLibrary.isRewriting {
            try ScenarioLibrary.rewrite(name, text: file.rendered(outputs: outputs))
        }
    }

    /// A malformed command fails the test even when rewriting, so a typo is never recorded as
    /// expected behaviour.
    private static func run(_ block: ScenarioBlock, in harness: inout InteractionHarness, file: String)
        -> [String]
    {
        do {
            return try harness.run(block)
        } catch {
            Issue.record(Comment(rawValue: "scenarios/\(file): \(error)"))
            return ["harness error: \(error)"]
        }
    }
}
