/// A harness failure caused by the scenario text itself (unknown command, bad argument), as
/// opposed to a Raft behaviour that the expected output describes.
struct ScenarioError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}

/// One command line of a scenario, with the line number it came from.
struct ScenarioLine {
    var number: Int
    var text: String
}

/// One step of a scenario: command lines, a `----` line, and the output they must produce.
struct ScenarioBlock {
    /// The lines before `----` exactly as written, comments and blank lines included, so that a
    /// rewrite reproduces them untouched.
    var header: [ScenarioLine]
    var expected: [String]
    /// Line number of the `----` separator, where failures point.
    var separatorLine: Int

    /// The header lines that are commands (not comments, not blank).
    var commands: [ScenarioLine] {
        header.filter { !ScenarioFile.isCommentOrBlank($0.text) }
    }
}

/// A scenario file: blocks of commands with expected output, separated by blank lines. Lines
/// that start with `#` are comments. The expected output of a block ends at the first blank line,
/// so outputs never contain blank lines.
struct ScenarioFile {
    static let separator = "----"

    var blocks: [ScenarioBlock] = []
    /// Comments and blank lines after the last block.
    var trailer: [ScenarioLine] = []

    init(text: String) throws {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        var position = 0
        var header: [ScenarioLine] = []
        while position < lines.count {
            let line = ScenarioLine(number: position + 1, text: lines[position])
            position += 1
            guard line.text == Self.separator else {
                header.append(line)
                continue
            }
            let block = try Self.block(header: header, separator: line, lines: lines, position: &position)
            blocks.append(block)
            header = []
        }
        guard header.allSatisfy({ Self.isCommentOrBlank($0.text) }) else {
            throw ScenarioError("commands after the last `----` at line \(header[0].number)")
        }
        trailer = header
    }

    private static func block(
        header: [ScenarioLine], separator: ScenarioLine, lines: [String], position: inout Int
    ) throws -> ScenarioBlock {
        guard header.contains(where: { !isCommentOrBlank($0.text) }) else {
            throw ScenarioError("`----` without commands at line \(separator.number)")
        }
        var expected: [String] = []
        while position < lines.count, !lines[position].isEmpty {
            expected.append(lines[position])
            position += 1
        }
        position += 1  // the blank line that ends the block
        return ScenarioBlock(header: header, expected: expected, separatorLine: separator.number)
    }

    static func isCommentOrBlank(_ line: String) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return trimmed.isEmpty || trimmed.hasPrefix("#")
    }

    /// The file's text with each block's expected output replaced by `outputs` (one per block).
    func rendered(outputs: [[String]]) -> String {
        precondition(outputs.count == blocks.count, "one output per block")
        var lines: [String] = []
        for (block, output) in zip(blocks, outputs) {
            lines += block.header.map(\.text)
            lines.append(Self.separator)
            lines += output
            lines.append("")
        }
        if trailer.isEmpty, lines.last == "" {
            lines.removeLast()
        }
        lines += trailer.map(\.text)
        return lines.joined(separator: "\n") + "\n"
    }
}
