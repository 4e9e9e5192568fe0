import Foundation
import RaftCore
import ServiceDesk
import Storage

/// A replica's apply step for customer messages: decode and apply each command, then write the
/// records it changed with the applied index into RocksDB (`RaftLogStore.setApplied`), 32
/// commands per write as a Raft batch brings them (the entries are stored first, untimed). The
/// desk holds 10,000 conversations and the memtable fills as it does on a node, so the cost of
/// RocksDB's inserts is in the figure. An op is one command.
enum StoredApplyBenchmark {
    static let batchCommands = 32
    static let roundBatches = 32

    static func run() throws -> Result {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("switchboard-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try RaftLogStore(path: directory)
        var desk = try DeskBenchmark.populated()
        var index = UInt64(DeskBenchmark.conversationCount)
        // The log starts where the populated desk stands, as after a snapshot.
        let base = SnapshotMetadata(index: index, term: 1, confState: ConfState(voters: [1]))
        try store.save(hardState: nil, entries: [], snapshot: Snapshot(metadata: base, data: []), sync: false)
        var generator = SplitMix(seed: 42)
        var posted = 0
        return try Measure.repeatedly {
            let inputs = (0..<roundBatches * batchCommands).map { _ -> [UInt8] in
                posted += 1
                let conversation = Int(generator.next() % UInt64(DeskBenchmark.conversationCount))
                return DeskBenchmark.message(
                    number: posted, conversation: conversation, time: DeskBenchmark.startTime + Int64(posted)
                ).encoded()
            }
            // The entries are in the log before they are applied, as on a node (untimed).
            let entries = inputs.enumerated().map { Entry(term: 1, index: index + 1 + UInt64($0.offset), data: $0.element) }
            try store.save(hardState: nil, entries: entries, snapshot: nil, sync: false)
            return try Measure.timed(inputs.count) {
                for batch in stride(from: 0, to: inputs.count, by: batchCommands) {
                    var changes = WriteBatch()
                    for input in inputs[batch..<batch + batchCommands] {
                        index += 1
                        let outcome = desk.apply(encodedCommand: input, index: index)
                        guard case .success = outcome.result else { throw BenchmarkError("a message was rejected: \(outcome.result)") }
                        for record in outcome.changes {
                            if let value = record.value { changes.put(record.key, value, in: .state) } else { changes.delete(record.key, in: .state) }
                        }
                    }
                    try store.setApplied(index, confState: ConfState(voters: [1]), stateChanges: changes)
                }
            }
        }
    }
}
