import RaftCore
import Testing

@testable import Simulator

/// The liveness checker is reached by no planted fault (they all break safety), so it is shown
/// to fire with bounds no cluster can meet.
@Suite struct LivenessCheckerTests {
    @Test func noLeaderWithinTheBoundIsCaught() {
        var settings = SimulationSettings(seed: 1)
        settings.chaosSteps = 0
        // Nobody can even time out within one tick.
        settings.electionTicksMax = 1
        var simulation = Simulation(settings: settings)
        let violation = simulation.run().violation
        #expect(violation?.checker == .liveness)
        #expect(violation?.detail.contains("no leader") == true)
    }

    @Test func proposalsNotAppliedWithinTheBoundAreCaught() {
        var settings = SimulationSettings(seed: 1)
        settings.chaosSteps = 0
        settings.livenessProposals = 1_000_000
        settings.livenessTicksMax = 50
        var simulation = Simulation(settings: settings)
        let violation = simulation.run().violation
        #expect(violation?.checker == .liveness)
        #expect(violation?.detail.contains("fresh proposals acknowledged") == true)
    }

    @Test func healthyClusterMeetsTheBounds() {
        var settings = SimulationSettings(seed: 1)
        settings.chaosSteps = 0
        var simulation = Simulation(settings: settings)
        let result = simulation.run()
        #expect(result.violation == nil)
        #expect(result.stats.acknowledged >= settings.livenessProposals)
    }
}
