/// Delays between reconnect attempts: exponential, capped, with jitter.
///
/// The jitter ("equal jitter": a random point in the upper half of the window) keeps nodes that
/// lost a peer at the same moment from all dialing it again in lockstep.
struct ReconnectBackoff: Sendable {
    let delayMillisecondsMin: Int
    let delayMillisecondsMax: Int
    private(set) var failures = 0

    /// Doubling stops long before this, so the shift below can never overflow.
    private static let doublingsMax = 30

    init(delayMillisecondsMin: Int, delayMillisecondsMax: Int) {
        precondition(delayMillisecondsMin > 0 && delayMillisecondsMax >= delayMillisecondsMin)
        self.delayMillisecondsMin = delayMillisecondsMin
        self.delayMillisecondsMax = delayMillisecondsMax
    }

    /// The delay before the next attempt; each call counts one more failure.
    mutating func nextDelayMilliseconds<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Int {
        let doublings = min(failures, Self.doublingsMax)
        failures += 1
        let window = min(delayMillisecondsMax, delayMillisecondsMin << doublings)
        return Int.random(in: (window + 1) / 2...window, using: &generator)
    }

    /// Forgets the failures after a connection succeeded.
    mutating func reset() {
        failures = 0
    }
}
