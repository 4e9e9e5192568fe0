import RaftCore

/// SplitMix64: a small deterministic generator, so every random test replays from its seed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

extension SeededGenerator {
    mutating func bytes(countMax: Int) -> [UInt8] {
        let count = Int.random(in: 0...countMax, using: &self)
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &self) }
    }

    /// Field values drawn to hit zero, small numbers and the extremes, not only the middle.
    mutating func field() -> UInt64 {
        switch Int.random(in: 0..<4, using: &self) {
        case 0: 0
        case 1: UInt64.random(in: 1...1000, using: &self)
        case 2: UInt64.max - UInt64.random(in: 0...3, using: &self)
        default: UInt64.random(in: .min ... .max, using: &self)
        }
    }

    mutating func entry() -> Entry {
        Entry(
            term: field(), index: field(), kind: Bool.random(using: &self) ? .normal : .confChange,
            data: bytes(countMax: 48))
    }

    mutating func snapshot() -> Snapshot {
        let ids = (0..<Int.random(in: 0...6, using: &self)).map { _ in field() }
        let split = Int.random(in: 0...ids.count, using: &self)
        let confState = ConfState(voters: Array(ids[..<split]), learners: Array(ids[split...]))
        return Snapshot(
            metadata: SnapshotMetadata(index: field(), term: field(), confState: confState),
            data: bytes(countMax: 256))
    }

    /// A message of `kind` with every field random, including ones the kind leaves unused,
    /// because the codec must carry whatever it is given.
    mutating func message(kind: MessageKind) -> Message {
        Message(
            kind: kind, from: field(), to: field(), term: field(), logTerm: field(), index: field(),
            entries: (0..<Int.random(in: 0...4, using: &self)).map { _ in entry() }, commit: field(),
            reject: Bool.random(using: &self), rejectHint: field(),
            snapshot: Bool.random(using: &self) ? snapshot() : nil, context: bytes(countMax: 24))
    }

    mutating func message() -> Message {
        message(kind: MessageKind.allCases.randomElement(using: &self)!)
    }
}
