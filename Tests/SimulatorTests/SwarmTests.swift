import RaftCore
import Testing

@testable import Simulator

@Suite struct SwarmTests {
    @Test func swarmWithoutFaultsFindsNoViolation() {
        let summary = Swarm(seeds: 1...50, chaosSteps: 10_000).run()
        #expect(summary.seeds == 50)
        #expect(summary.steps > 50 * 10_000)
        #expect(summary.violations == [], "\(summary.violations)")
    }

    @Test func stormsWithoutFaultsFindNoViolation() {
        let summary = Swarm(seeds: 1...20, profile: .storm, chaosSteps: 10_000).run()
        #expect(summary.violations == [], "\(summary.violations)")
    }

    @Test func sameSeedGivesTheSameTrace() {
        let first = trace(seed: 7)
        let second = trace(seed: 7)
        #expect(first.count > 1_000)
        #expect(first == second)
    }

    @Test func differentSeedsGiveDifferentTraces() {
        #expect(trace(seed: 7) != trace(seed: 8))
    }

    /// Every kind of event the trace promises shows up in an ordinary run.
    @Test func traceNamesEveryKindOfEvent() {
        let lines = (1...6).flatMap { trace(seed: UInt64($0)) }
        for word in ["tick", "deliver", "drop", "crash", "restart", "partition", "role", "commit"] {
            #expect(lines.contains { $0.contains(" \(word) ") }, "no \(word) event")
        }
    }

    private func trace(seed: UInt64) -> [String] {
        var lines: [String] = []
        var simulation = Simulation(
            settings: .drawn(seed: seed, chaosSteps: 3_000), tracer: { lines.append($0) })
        let result = simulation.run()
        #expect(result.violation == nil)
        return lines
    }
}
