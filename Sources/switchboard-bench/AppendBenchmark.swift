import Foundation
import RaftCore
import Storage

/// The leader's own log write: `RaftLogStore.save` of a batch of ~150-byte entries with the
/// hard state, synced, in a fresh RocksDB in a temporary directory. An op is one entry; with a
/// batch of 64, one fsync serves 64 entries (group commit).
enum AppendBenchmark {
    static let roundBatches = 64
    /// The log is compacted behind this many entries, as the replica does after a snapshot.
    static let retainedEntries: LogIndex = 5_000

    static func run(batch: Int) throws -> Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try RaftLogStore(path: directory)
        let payload = [UInt8](repeating: 0x61, count: 150)
        var next: LogIndex = 1
        return try Measure.repeatedly {
            let batches = (0..<roundBatches).map { _ -> [Entry] in
                defer { next += LogIndex(batch) }
                return (0..<batch).map { Entry(term: 1, index: next + LogIndex($0), data: payload) }
            }
            let result = try Measure.timed(roundBatches * batch) {
                for entries in batches {
                    try store.save(
                        hardState: HardState(term: 1, vote: 1, commit: entries.last!.index), entries: entries,
                        snapshot: nil, sync: true)
                }
            }
            if next > retainedEntries + 1, next - 1 - retainedEntries >= store.firstIndex() {
                try store.compact(to: next - 1 - retainedEntries)
            }
            return result
        }
    }
}
