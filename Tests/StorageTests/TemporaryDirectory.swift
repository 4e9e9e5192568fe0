import Foundation

/// Runs `body` with the path of a fresh directory under the system temporary directory and
/// removes the directory afterwards, whatever happens. Databases opened inside `body` must not
/// escape it, so they are closed before the files go.
func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("switchboard-storage-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    try body(url.path)
}

/// A deterministic random number generator (SplitMix64), so a failing seed replays exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of `text`, for readable keys in tests.
    init(text: String) { self = Array(text.utf8) }
}
