import RaftCore

extension SplitMix64 {
    /// A uniformly distributed value in [0, 1), from the top 53 bits so every value is exact.
    mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// True with the given probability.
    mutating func chance(_ probability: Double) -> Bool {
        unit() < probability
    }

    /// A value in `0..<bound`. The modulo bias is below 2^-40 for the small bounds used here,
    /// and a fixed formula keeps runs identical across standard library versions.
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "a random bound must be positive")
        return Int(next() % UInt64(bound))
    }

    /// A value in `range`.
    mutating func value(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + below(range.count)
    }

    /// A value in `[0, maximum)`.
    mutating func fraction(upTo maximum: Double) -> Double {
        unit() * maximum
    }

    /// A random element, or nil for an empty array.
    mutating func element<Element>(of array: [Element]) -> Element? {
        array.isEmpty ? nil : array[below(array.count)]
    }
}
