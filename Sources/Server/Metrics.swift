import Foundation
import RaftCore
import Replica

/// Renders a replica's status in the Prometheus text exposition format.
enum MetricsText {
    static func render(_ status: ReplicaStatus, reachable: [NodeID: Bool], residentBytes: Int?) -> String {
        var lines: [String] = []
        func gauge(_ name: String, _ help: String, _ value: CustomStringConvertible) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            lines.append("\(name) \(value)")
        }
        func counter(_ name: String, _ help: String, _ value: UInt64) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) counter")
            lines.append("\(name) \(value)")
        }
        gauge("switchboard_raft_term", "Current Raft term.", status.term)
        gauge("switchboard_raft_commit_index", "Highest log index known committed.", status.commit)
        gauge("switchboard_raft_applied_index", "Highest log index applied to the state machine.", status.applied)
        gauge("switchboard_raft_last_index", "Index of the last log entry.", status.lastIndex)
        gauge("switchboard_raft_leader", "Node id of the known leader (0 if none).", status.leader)
        gauge("switchboard_raft_is_leader", "1 if this node leads.", status.role == .leader ? 1 : 0)
        gauge("switchboard_raft_voters", "Number of voting members.", status.confState.voters.count)
        gauge("switchboard_raft_learners", "Number of learners.", status.confState.learners.count)
        counter("switchboard_proposals_total", "Commands proposed through this node.", status.proposalsTotal)
        counter("switchboard_proposals_failed_total", "Commands that failed or timed out.", status.proposalsFailedTotal)
        counter(
            "switchboard_proposals_requeued_total",
            "Writes proposed here as leader and proposed again: another leader replaced their entry, or a handover moved the leadership.",
            status.proposalsRequeuedTotal)
        counter(
            "switchboard_proposals_held_total",
            "Writes held while this leader handed over, then proposed or sent on.", status.proposalsHeldTotal)
        counter("switchboard_reads_total", "Linearizable reads started on this node.", status.readsTotal)
        counter(
            "switchboard_reads_by_lease_total",
            "Linearizable reads, its own and its followers', this leader answered under its lease (--read-leases).",
            status.readsByLeaseTotal)
        counter(
            "switchboard_forwarded_answers_awaiting_apply_total",
            "Forwarded writes whose answer waited for this node to apply their entry.", status.answersAwaitingApplyTotal)
        counter(
            "switchboard_entries_applied_before_persist_total",
            "Committed entries applied before the fsync of the Ready that committed them.", status.entriesAppliedBeforePersistTotal)
        counter("switchboard_readies_total", "Raft Ready batches processed.", status.readiesTotal)
        counter("switchboard_snapshots_taken_total", "State machine snapshots taken.", status.snapshotsTakenTotal)
        counter("switchboard_snapshots_installed_total", "Snapshots received and installed.", status.snapshotsInstalledTotal)
        histogram("switchboard_fsync_seconds", "Latency of synced log writes.", status.fsyncSeconds, into: &lines)
        gauge("switchboard_rocksdb_memtable_bytes", "Memtables not yet flushed, all column families.", status.storageMemory.memtableBytes)
        gauge("switchboard_rocksdb_block_cache_bytes", "Blocks held in RocksDB's block cache.", status.storageMemory.blockCacheBytes)
        gauge(
            "switchboard_rocksdb_table_readers_bytes", "Index and filter blocks of open table files.", status.storageMemory.tableReaderBytes)
        if let residentBytes {
            gauge("process_resident_memory_bytes", "Resident memory size in bytes.", residentBytes)
        }
        lines.append("# HELP switchboard_allocator_info The shared library whose malloc serves the process.")
        lines.append("# TYPE switchboard_allocator_info gauge")
        lines.append("switchboard_allocator_info{library=\"\(allocatorLibrary)\"} 1")
        lines.append("# HELP switchboard_peer_reachable 1 if the peer was heard from recently.")
        lines.append("# TYPE switchboard_peer_reachable gauge")
        for peer in reachable.keys.sorted() {
            lines.append("switchboard_peer_reachable{peer=\"\(peer)\"} \(reachable[peer]! ? 1 : 0)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func histogram(_ name: String, _ help: String, _ histogram: Histogram, into lines: inout [String]) {
        lines.append("# HELP \(name) \(help)")
        lines.append("# TYPE \(name) histogram")
        for (bound, count) in zip(histogram.upperBounds, histogram.cumulativeCounts) {
            lines.append("\(name)_bucket{le=\"\(bound)\"} \(count)")
        }
        lines.append("\(name)_bucket{le=\"+Inf\"} \(histogram.count)")
        lines.append("\(name)_sum \(histogram.sum)")
        lines.append("\(name)_count \(histogram.count)")
    }

    /// The file name of the library that defines the `malloc` every allocation goes through:
    /// a node links jemalloc ahead of libc, and this shows that it took effect.
    static let allocatorLibrary: String = {
        guard let malloc = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc"), let maps = procFile("/proc/self/maps") else {
            return "unknown"
        }
        return library(containing: UInt(bitPattern: malloc), maps: maps) ?? "unknown"
    }()

    /// The file name of the mapping in `maps` (the text of `/proc/PID/maps`) that holds `address`.
    static func library(containing address: UInt, maps: String) -> String? {
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let bounds = fields.first?.split(separator: "-") ?? []
            guard fields.count >= 6, bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
                (start..<end).contains(address)
            else { continue }
            return fields[5].split(separator: "/").last.map(String.init)
        }
        return nil
    }

    /// The process's resident size from `/proc/self/statm` (its second field, in pages), or
    /// nil where there is no such file.
    static func residentBytes() -> Int? {
        guard let statm = procFile("/proc/self/statm") else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The whole text of a /proc file, read to the end through a handle: `String(contentsOfFile:)`
    /// stops after the first 4 KB of one, whose size reads as zero.
    static func procFile(_ path: String) -> String? {
        guard let bytes = try? FileHandle(forReadingFrom: URL(fileURLWithPath: path)).readToEnd() else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
