import RaftCore
import Storage

/// A consistent picture of one replica, refreshed by the Raft thread after every batch of work
/// and readable from any thread without waiting for it.
public struct ReplicaStatus: Sendable, Hashable {
    public var nodeID: NodeID
    public var term: Term = 0
    public var role: Role = .follower
    public var leader: NodeID = noNode
    public var commit: LogIndex = 0
    public var applied: LogIndex = 0
    public var lastIndex: LogIndex = 0
    public var firstIndex: LogIndex = 0
    public var confState = ConfState()
    public var directory = Directory()
    /// This node was removed from the cluster (it applied its removal, or a member said so).
    public var isRemoved = false
    /// The leader's replication view of each member (empty on followers).
    public var peers: [NodeID: PeerStatus] = [:]
    public var proposalsTotal: UInt64 = 0
    public var proposalsFailedTotal: UInt64 = 0
    public var readsTotal: UInt64 = 0
    /// Linearizable reads this leader answered under its lease, without a heartbeat round: its
    /// own, and the read indexes followers asked it for.
    public var readsByLeaseTotal: UInt64 = 0
    /// Retryable proposals this node made as leader that were proposed again, never having
    /// been applied: another leader's entry replaced theirs, or a handover that moved the
    /// leadership held them.
    public var proposalsRequeuedTotal: UInt64 = 0
    /// Proposals held while this node, leading, handed over (see
    /// `ReplicaCore.releaseHeldProposals`).
    public var proposalsHeldTotal: UInt64 = 0
    /// Answers to forwarded writes that waited for this node to apply their entry.
    public var answersAwaitingApplyTotal: UInt64 = 0
    /// Committed entries applied before the save of the Ready that committed them (they were
    /// stored by an earlier one), so their answers did not wait for its fsync.
    public var entriesAppliedBeforePersistTotal: UInt64 = 0
    public var snapshotsTakenTotal: UInt64 = 0
    public var snapshotsInstalledTotal: UInt64 = 0
    public var readiesTotal: UInt64 = 0
    public var fsyncSeconds = Histogram.latency()
    /// RocksDB's memory, read about once a second (`ReplicaCore.refreshStorageMemory`).
    public var storageMemory = StorageMemoryUsage()

    public init(nodeID: NodeID) {
        self.nodeID = nodeID
    }

    /// Whether the node is a member that knows a leader and has applied what it knows committed.
    public var isReady: Bool {
        !isRemoved && leader != noNode && confState.contains(nodeID) && applied >= commit
    }
}

/// A cumulative histogram with fixed upper bounds, in the Prometheus style.
public struct Histogram: Sendable, Hashable {
    public let upperBounds: [Double]
    public private(set) var counts: [UInt64]
    public private(set) var sum: Double = 0
    public private(set) var count: UInt64 = 0

    public init(upperBounds: [Double]) {
        precondition(upperBounds == upperBounds.sorted(), "histogram bounds must ascend")
        self.upperBounds = upperBounds
        counts = Array(repeating: 0, count: upperBounds.count)
    }

    /// Bounds from 50 µs to 1 s, for disk and request latencies.
    public static func latency() -> Histogram {
        Histogram(upperBounds: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1])
    }

    public mutating func record(_ value: Double) {
        sum += value
        count += 1
        if let bucket = upperBounds.firstIndex(where: { value <= $0 }) {
            counts[bucket] += 1
        }
    }

    /// Counts of observations at or below each bound (what Prometheus calls `le` buckets).
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return counts.map { running += $0; return running }
    }
}
