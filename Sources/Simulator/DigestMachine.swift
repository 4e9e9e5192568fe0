import RaftCore

/// The replicated application of the simulation. It folds every applied entry into a running
/// digest, so two nodes whose digests agree at an index applied the same entries up to it —
/// which lets a node that installed a snapshot be checked as strictly as one that applied
/// every entry.
public struct DigestMachine: Sendable, Hashable {
    /// The index of the last entry applied (or restored from a snapshot).
    public private(set) var applied: LogIndex = 0
    /// A hash of every entry applied so far, in order.
    public private(set) var digest: UInt64 = 0

    /// An empty machine at index 0.
    public init() {}

    /// Applies the entry at `applied + 1`; the caller checks the order.
    public mutating func apply(_ entry: Entry) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ entry.term ^ (UInt64(entry.kind.rawValue) << 56)
        for byte in entry.data {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        digest = mix(digest ^ mix(hash ^ entry.index))
        applied = entry.index
    }

    /// Applied index then digest, both big-endian: the snapshot payload.
    public var encoded: [UInt8] {
        bigEndianBytes(applied) + bigEndianBytes(digest)
    }

    /// Decodes `encoded`; nil for bytes that are not a machine image.
    public init?(encoded bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        applied = readBigEndian(bytes[0..<8])
        digest = readBigEndian(bytes[8..<16])
    }
}

/// The SplitMix64 finaliser: a cheap mixing function with good avalanche.
func mix(_ value: UInt64) -> UInt64 {
    var mixed = value
    mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
    mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
    return mixed ^ (mixed >> 31)
}

func bigEndianBytes(_ value: UInt64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }
}

func readBigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    bytes.reduce(0) { $0 << 8 | UInt64($1) }
}

/// Client proposals are unique numbers, so that an entry applied twice can be recognised.
public enum ClientValue {
    /// The entry payload of value `value`.
    public static func encode(_ value: UInt64) -> [UInt8] {
        bigEndianBytes(value)
    }

    /// The client value an entry carries, if it is a client proposal.
    public static func decode(_ entry: Entry) -> UInt64? {
        guard entry.kind == .normal, entry.data.count == 8 else { return nil }
        return readBigEndian(entry.data[...])
    }
}
