/// The properties the simulator checks. Each names one checker.
public enum CheckerName: String, Sendable, Hashable, CaseIterable {
    /// At most one leader per term.
    case electionSafety
    /// Two logs that hold an entry with the same index and term hold the same data there and
    /// agree on the term of the entry before it.
    case logMatching
    /// A node that becomes leader holds every entry committed before its election.
    case leaderCompleteness
    /// Every node applies the same entry at each index.
    case stateMachineSafety
    /// No proposal is applied at two indexes, and every acknowledged one is applied everywhere.
    case exactlyOnce
    /// A ReadIndex answer covers every write acknowledged before the read was issued.
    case linearizableRead
    /// After healing, a leader is elected and proposals commit within a bound of ticks.
    case liveness
    /// RaftCore handed out work that a correct runtime cannot carry out (a gap in the entries,
    /// an out-of-date snapshot, committed entries out of order).
    case readyContract
}

/// A broken property, with enough context to find it again in a replayed trace.
public struct Violation: Error, Sendable, Hashable, CustomStringConvertible {
    /// The property that broke.
    public var checker: CheckerName
    /// What was seen, with the nodes, terms and indexes involved.
    public var detail: String
    /// Simulated time at which it was found (0 when found outside a simulation).
    public var tick: Int
    /// Simulation step at which it was found (0 when found outside a simulation).
    public var step: Int

    /// A violation of `checker`'s property, described by `detail`.
    public init(_ checker: CheckerName, _ detail: String, tick: Int = 0, step: Int = 0) {
        self.checker = checker
        self.detail = detail
        self.tick = tick
        self.step = step
    }

    /// One line: checker, detail, and where in the run.
    public var description: String {
        "\(checker.rawValue): \(detail) (tick \(tick), step \(step))"
    }
}
