// What every fuzz target shares, compiled into each by fuzz/run.
import Foundation

/// The input split into its first byte, which picks the decoder (so one corpus covers all of
/// a target's decoders), and the bytes for it; nil for an empty input.
func selectedInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> (selector: UInt8, bytes: [UInt8])? {
    guard size > 0 else { return nil }
    return (data[0], Array(UnsafeBufferPointer(start: data + 1, count: size - 1)))
}

/// Writes seed inputs into the corpus folder named by `FUZZ_CORPUS` (fuzz/run sets it).
func writeSeeds(_ seeds: [(name: String, bytes: [UInt8])]) {
    guard let corpus = ProcessInfo.processInfo.environment["FUZZ_CORPUS"] else { return }
    for seed in seeds {
        _ = FileManager.default.createFile(atPath: corpus + "/seed-" + seed.name, contents: Data(seed.bytes))
    }
}
