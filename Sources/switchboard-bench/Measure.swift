import Foundation

/// What one benchmark measured: how many operations ran in how long.
struct Result {
    var operations: Int
    var elapsed: Duration

    var nanoseconds: Double {
        Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    }

    func line(name: String) -> String {
        let perOperation = nanoseconds / Double(operations)
        let perSecond = Double(operations) / (nanoseconds / 1e9)
        return "bench \(name) ops_per_s=\(Int(perSecond.rounded())) ns_per_op=\(Int(perOperation.rounded())) ops=\(operations)"
    }
}

enum Measure {
    /// How long each benchmark runs after its warm-up (`BENCH_SECONDS`, default 1).
    static let seconds: Double = ProcessInfo.processInfo.environment["BENCH_SECONDS"].flatMap(Double.init) ?? 1

    /// Runs `round` once to warm up, then again until `seconds` have passed, and adds up what
    /// the rounds measured. A round times only its own measured part (see `timed`), so that
    /// preparing its inputs is not counted.
    static func repeatedly(_ round: () throws -> Result) rethrows -> Result {
        _ = try round()
        let clock = ContinuousClock()
        let budget = Duration.milliseconds(Int64(seconds * 1000))
        var total = Result(operations: 0, elapsed: .zero)
        let started = clock.now
        while clock.now - started < budget {
            let result = try round()
            total.operations += result.operations
            total.elapsed += result.elapsed
        }
        return total
    }

    /// Times `operations` operations done by `body`.
    static func timed(_ operations: Int, _ body: () throws -> Void) rethrows -> Result {
        let clock = ContinuousClock()
        let started = clock.now
        try body()
        return Result(operations: operations, elapsed: clock.now - started)
    }
}

/// Keeps a value alive so the optimizer cannot drop the work that made it.
@inline(never)
func consume<Value>(_ value: Value) {
    withExtendedLifetime(value) {}
}
