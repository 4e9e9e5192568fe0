import RaftCore
import Testing

@testable import Simulator

/// Each planted protocol bug must be caught, by the checker its damage first reaches.
@Suite struct PlantedFaultTests {
    struct Hunt: Sendable, CustomStringConvertible {
        var fault: PlantedFault
        /// Checkers that may legitimately see the damage first.
        var expected: Set<CheckerName>
        var profile: FaultProfile
        var nodeCount: Int
        var seedsMax: UInt64

        var description: String { fault.rawValue }
    }

    static let hunts: [Hunt] = [
        Hunt(
            fault: .commitPriorTermByCounting, expected: [.leaderCompleteness, .stateMachineSafety],
            profile: .storm, nodeCount: 3, seedsMax: 300),
        Hunt(
            fault: .acknowledgeBeforePersist,
            expected: [.leaderCompleteness, .stateMachineSafety, .exactlyOnce],
            profile: .storm, nodeCount: 3, seedsMax: 200),
        Hunt(
            fault: .voteIgnoringLog, expected: [.leaderCompleteness, .stateMachineSafety],
            profile: .storm, nodeCount: 3, seedsMax: 50),
        Hunt(
            fault: .voteTwice, expected: [.electionSafety], profile: .storm, nodeCount: 3,
            seedsMax: 50),
        Hunt(
            fault: .readIndexWithoutQuorum, expected: [.linearizableRead], profile: .mixed,
            nodeCount: 3, seedsMax: 300),
    ]

    /// Fixed so that the hunt does not change with the default run length.
    static let chaosSteps = 10_000

    @Test(arguments: hunts)
    func plantedFaultIsCaught(_ hunt: Hunt) {
        let swarm = Swarm(
            seeds: 1...hunt.seedsMax, profile: hunt.profile, nodeCount: hunt.nodeCount,
            chaosSteps: Self.chaosSteps, plantedFault: hunt.fault)
        var found: (seed: UInt64, violation: Violation)?
        for seed in swarm.seeds {
            var simulation = Simulation(settings: swarm.settings(seed: seed))
            // Other checkers may trip on the wreckage first in some seeds; keep hunting.
            if let violation = simulation.run().violation, hunt.expected.contains(violation.checker) {
                found = (seed, violation)
                break
            }
        }
        #expect(found != nil, "no \(hunt.expected) violation in \(hunt.seedsMax) seeds")
    }

    /// The same runs without the fault are clean: the violations above come from the fault.
    @Test func huntingRunsAreCleanWithoutTheFault() {
        let storms = Swarm(seeds: 1...30, profile: .storm, nodeCount: 3, chaosSteps: Self.chaosSteps).run()
        #expect(storms.violations == [], "\(storms.violations)")
    }
}
