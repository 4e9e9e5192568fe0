// Micro-benchmarks of the write path's parts, each in isolation, in one release executable:
//
//   swift build -c release --product switchboard-bench && .build/release/switchboard-bench [NAME…]
//
// Every benchmark prints one line `bench NAME ops_per_s=… ns_per_op=… ops=…`. An "op" is one
// command, entry or batch as the name says. Numbers are wall-clock on whatever machine runs it:
// compare them with each other and across commits on the same machine, not across machines.
// Names: codec, desk-apply, desk-apply-encoded, desk-apply-stored, desk-snapshot-100k, desk-list, desk-live-stats, raft-commit-1, raft-commit-64, rocksdb-append-1,
// rocksdb-append-64, and desk-memory (resident bytes a desk grows by per message applied, printed as
// `rss_bytes_per_message`) (all by default).
import Foundation

let benchmarks: [(name: String, run: () throws -> Result)] = [
    ("codec", CodecBenchmark.run),
    ("desk-apply", { try DeskBenchmark.run(encoded: false) }),
    ("desk-apply-encoded", { try DeskBenchmark.run(encoded: true) }),
    ("desk-apply-stored", StoredApplyBenchmark.run),
    ("desk-snapshot-100k", { try DeskBenchmark.snapshot(messages: 100_000) }),
    ("desk-list", DeskBenchmark.list),
    ("desk-live-stats", DeskBenchmark.liveStats),
    ("raft-commit-1", { RaftBenchmark.run(batch: 1) }),
    ("raft-commit-64", { RaftBenchmark.run(batch: 64) }),
    ("rocksdb-append-1", { try AppendBenchmark.run(batch: 1) }),
    ("rocksdb-append-64", { try AppendBenchmark.run(batch: 64) }),
]

let requested = Set(CommandLine.arguments.dropFirst())
let unknown = requested.subtracting(benchmarks.map(\.name) + ["desk-memory"])
guard unknown.isEmpty else {
    print("unknown benchmark(s): \(unknown.sorted().joined(separator: " ")); known: \(benchmarks.map(\.name).joined(separator: " "))")
    exit(2)
}
// First, while the heap is fresh: the others leave freed memory that this one would reuse.
if requested.isEmpty || requested.contains("desk-memory") {
    print(try MemoryBenchmark.run(messages: 200_000))
}
for benchmark in benchmarks where requested.isEmpty || requested.contains(benchmark.name) {
    let result = try benchmark.run()
    print(result.line(name: benchmark.name))
}
