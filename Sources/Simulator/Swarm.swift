import RaftCore

/// Many seeded runs, one after another, each with its own fault profile.
public struct Swarm: Sendable {
    /// The seeds to run, each once.
    public var seeds: ClosedRange<UInt64>
    /// How harsh the faults each seed draws are.
    public var profile: FaultProfile
    /// Overrides the cluster size each seed would draw.
    public var nodeCount: Int?
    /// Overrides the default number of fault-phase steps.
    public var chaosSteps: Int?
    /// A protocol bug planted in every run.
    public var plantedFault: PlantedFault?

    /// A swarm over `seeds`; the optional arguments override what every seed would draw.
    public init(
        seeds: ClosedRange<UInt64>, profile: FaultProfile = .mixed, nodeCount: Int? = nil,
        chaosSteps: Int? = nil, plantedFault: PlantedFault? = nil
    ) {
        self.seeds = seeds
        self.profile = profile
        self.nodeCount = nodeCount
        self.chaosSteps = chaosSteps
        self.plantedFault = plantedFault
    }

    /// The settings seed `seed` runs with.
    public func settings(seed: UInt64) -> SimulationSettings {
        SimulationSettings.drawn(
            seed: seed, profile: profile, nodeCount: nodeCount, chaosSteps: chaosSteps,
            plantedFault: plantedFault)
    }

    /// Runs every seed; `onResult` sees each result as it completes.
    public func run(onResult: (SimulationResult) -> Void = { _ in }) -> SwarmSummary {
        var summary = SwarmSummary()
        for seed in seeds {
            var simulation = Simulation(settings: settings(seed: seed))
            let result = simulation.run()
            summary.seeds += 1
            summary.steps += result.stats.steps
            summary.totals.add(result.stats)
            if let violation = result.violation {
                summary.violations.append(SeededViolation(seed: seed, violation: violation))
            }
            onResult(result)
        }
        return summary
    }
}

/// A violation with the seed that replays it.
public struct SeededViolation: Sendable, Hashable {
    /// Replays the run: `switchboard-sim --seed <seed>` with the same options.
    public var seed: UInt64
    /// What the run broke.
    public var violation: Violation
}

/// What a swarm found.
public struct SwarmSummary: Sendable {
    /// Seeds run.
    public var seeds = 0
    /// Steps taken over all runs.
    public var steps = 0
    /// Every violating seed, in seed order.
    public var violations: [SeededViolation] = []
    /// Every run's counts added up: shows what the swarm exercised.
    public var totals = SimulationStats()
}
