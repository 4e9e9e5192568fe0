/// A line diff (longest common subsequence) for failure messages: ` ` common, `-` expected
/// only, `+` actual only. Scenario outputs are short, so the quadratic table is fine.
enum TextDiff {
    static func lines(expected: [String], actual: [String]) -> [String] {
        let table = commonLengths(expected, actual)
        var result: [String] = []
        var row = 0
        var column = 0
        while row < expected.count || column < actual.count {
            if row < expected.count, column < actual.count, expected[row] == actual[column] {
                result.append("  " + expected[row])
                row += 1
                column += 1
            } else if column < actual.count
                && (row == expected.count || table[row][column + 1] >= table[row + 1][column])
            {
                result.append("+ " + actual[column])
                column += 1
            } else {
                result.append("- " + expected[row])
                row += 1
            }
        }
        return result
    }

    /// `table[i][j]`: length of the longest common subsequence of `a[i...]` and `b[j...]`.
    private static func commonLengths(_ a: [String], _ b: [String]) -> [[Int]] {
        var table = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        return table
    }
}
