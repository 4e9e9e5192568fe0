#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RaftCore
import Simulator

/// Command line: replay one seed with an optional trace, or run a swarm of seeds.
struct Options {
    var seed: UInt64?
    var seeds: ClosedRange<UInt64>?
    var nodeCount: Int?
    var chaosSteps: Int?
    var profile = FaultProfile.mixed
    var trace = false
    var plantedFault: PlantedFault?
}

let usage = """
    usage: switchboard-sim --seed N [--nodes 3|5|7] [--steps K] [--trace] [--profile P] [--planted-fault NAME]
           switchboard-sim --seeds A..B [--nodes 3|5|7] [--steps K] [--profile P] [--planted-fault NAME]
    --seed replays one run (--trace prints one line per event); --seeds runs a swarm and ends
    with "seeds=<count> steps=<total> violations=<count>". Each seed draws its own faults and
    cluster size; --nodes fixes the size, --steps the fault-phase steps (default \(SimulationSettings(seed: 0).chaosSteps)).
    profiles: \(FaultProfile.allCases.map(\.rawValue).joined(separator: ", ")) (default mixed)
    planted faults: \(PlantedFault.allCases.map(\.rawValue).joined(separator: ", "))
    """

func fail(_ message: String) -> Never {
    print(message)
    print(usage)
    exit(2)
}

func parseOptions(_ arguments: [String]) -> Options {
    var options = Options()
    var remaining = arguments[...]
    while let flag = remaining.popFirst() {
        if flag == "--trace" {
            options.trace = true
            continue
        }
        guard ["--seed", "--seeds", "--nodes", "--steps", "--profile", "--planted-fault"].contains(flag) else {
            fail("unknown option \(flag)")
        }
        guard let value = remaining.popFirst() else { fail("\(flag) needs a value") }
        switch flag {
        case "--seed":
            guard let seed = UInt64(value) else { fail("bad seed \(value)") }
            options.seed = seed
        case "--seeds": options.seeds = parseRange(value)
        case "--nodes":
            guard let count = Int(value), [3, 5, 7].contains(count) else { fail("--nodes must be 3, 5 or 7") }
            options.nodeCount = count
        case "--steps":
            guard let steps = Int(value), steps >= 0 else { fail("bad step count \(value)") }
            options.chaosSteps = steps
        case "--profile":
            guard let profile = FaultProfile(rawValue: value) else { fail("unknown profile \(value)") }
            options.profile = profile
        case "--planted-fault":
            guard let fault = PlantedFault(rawValue: value) else { fail("unknown planted fault \(value)") }
            options.plantedFault = fault
        default: preconditionFailure("every flag above is handled")
        }
    }
    if (options.seed == nil) == (options.seeds == nil) { fail("give exactly one of --seed and --seeds") }
    return options
}

func parseRange(_ text: String) -> ClosedRange<UInt64> {
    let bounds = text.split(separator: ".", omittingEmptySubsequences: true)
    guard text.contains(".."), bounds.count == 2, let low = UInt64(bounds[0]), let high = UInt64(bounds[1]),
        low <= high
    else { fail("--seeds wants A..B with A <= B") }
    return low...high
}

func replayCommand(seed: UInt64, options: Options) -> String {
    var command = "switchboard-sim --seed \(seed)"
    if options.profile != .mixed { command += " --profile \(options.profile.rawValue)" }
    if let count = options.nodeCount { command += " --nodes \(count)" }
    if let steps = options.chaosSteps { command += " --steps \(steps)" }
    if let fault = options.plantedFault { command += " --planted-fault \(fault.rawValue)" }
    return command + " --trace"
}

func report(_ violation: Violation, seed: UInt64, options: Options) {
    print("VIOLATION seed=\(seed) checker=\(violation.checker.rawValue): \(violation.detail) (tick \(violation.tick), step \(violation.step))")
    print("  replay: \(replayCommand(seed: seed, options: options))")
}

func runOne(seed: UInt64, options: Options) -> Int32 {
    let swarm = Swarm(
        seeds: seed...seed, profile: options.profile, nodeCount: options.nodeCount, chaosSteps: options.chaosSteps,
        plantedFault: options.plantedFault)
    let settings = swarm.settings(seed: seed)
    print("settings: \(settings)")
    var simulation = Simulation(settings: settings, tracer: options.trace ? { print($0) } : nil)
    let result = simulation.run()
    print("stats: \(result.stats)")
    if let violation = result.violation {
        report(violation, seed: seed, options: options)
        return 1
    }
    print("seed=\(seed) steps=\(result.stats.steps) ticks=\(result.stats.ticks) violations=0")
    return 0
}

func runSwarm(seeds: ClosedRange<UInt64>, options: Options) -> Int32 {
    let swarm = Swarm(
        seeds: seeds, profile: options.profile, nodeCount: options.nodeCount, chaosSteps: options.chaosSteps,
        plantedFault: options.plantedFault)
    let clock = ContinuousClock()
    let start = clock.now
    let summary = swarm.run { result in
        if let violation = result.violation {
            report(violation, seed: result.settings.seed, options: options)
        }
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    let rate = seconds > 0 ? Int(Double(summary.steps) / seconds) : 0
    print("totals: \(summary.totals)")
    print("elapsed=\(Int(seconds * 1000))ms steps/s=\(rate)")
    print("seeds=\(summary.seeds) steps=\(summary.steps) violations=\(summary.violations.count)")
    return summary.violations.isEmpty ? 0 : 1
}

let options = parseOptions(Array(CommandLine.arguments.dropFirst()))
if let seed = options.seed {
    exit(runOne(seed: seed, options: options))
} else if let seeds = options.seeds {
    exit(runSwarm(seeds: seeds, options: options))
}
