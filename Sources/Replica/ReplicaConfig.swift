import RaftCore

/// The settings of one replica. Raft's own settings are derived from these.
public struct ReplicaConfig: Sendable {
    public var nodeID: NodeID
    /// The length of one Raft tick. Elections take 10–20 ticks of silence, heartbeats go out
    /// every `heartbeatTicks`.
    public var tickMilliseconds: Int = 50
    public var electionTimeoutTicks: Int = 10
    public var heartbeatTicks: Int = 2
    /// Take a snapshot of the state machine after this many applied entries.
    public var snapshotEntriesInterval: LogIndex = 10_000
    /// Entries kept in the log behind a snapshot, so slightly slow followers catch up by
    /// appends rather than by a whole snapshot.
    public var compactionLagEntries: LogIndex = 5_000
    /// A proposal that has not been applied after this long fails with `.timedOut`.
    public var proposalTimeoutMilliseconds: Int = 5_000
    /// Proposals and reads waiting in the inbox; more are refused with `.overloaded`.
    public var inboxItemsMax: Int = 100_000
    /// A learner is promoted when its log is at most this many entries behind.
    public var promotionLagEntriesMax: LogIndex = 1_000
    /// Lease reads: after a heartbeat round confirmed its leadership, the leader answers
    /// linearizable reads from its own state, without another round, for `leaseMilliseconds`
    /// from when the round's read arrived. Safe only while no node's clock runs more than
    /// 10 % fast against the leader's over an election timeout. A stopped leader process or a
    /// sleeping machine is safe (the lease is kept on `CLOCK_BOOTTIME`, not in ticks); a
    /// virtual machine paused by its host is safe only if its clock jumps ahead on resume, as
    /// the usual paravirtual clocks do. Every node must have the same setting.
    public var leaseReads = false

    /// How long a lease lasts: two ticks short of an election timeout (a follower's timer may
    /// count its first tick at once), less 10 % for the clocks.
    public var leaseMilliseconds: Double {
        Double(max(0, electionTimeoutTicks - 2) * tickMilliseconds) * 0.9
    }

    var leaseDuration: Duration { .microseconds(Int64(leaseMilliseconds * 1_000)) }

    public init(nodeID: NodeID) {
        self.nodeID = nodeID
    }

    func raftConfig(applied: LogIndex, seed: UInt64) -> Config {
        var config = Config(id: nodeID)
        config.electionTimeoutTicks = electionTimeoutTicks
        config.heartbeatTimeoutTicks = heartbeatTicks
        config.applied = applied
        config.randomSeed = seed
        config.promotionLagEntriesMax = promotionLagEntriesMax
        config.leaseReads = leaseReads
        return config
    }
}

/// Why a replica request failed.
public enum ReplicaError: Error, Sendable, Hashable {
    /// This node does not lead; `leaderHint` is the leader it knows (`noNode` if none).
    case notLeader(leaderHint: NodeID)
    /// Raft refused the request (see the wrapped error).
    case rejected(RaftError)
    /// The entry was replaced by a new leader before it committed: it was not applied.
    case dropped
    /// No answer within the time limit: the outcome is unknown (it may still apply).
    case timedOut
    /// Too many requests are waiting.
    case overloaded
    /// The replica is shutting down.
    case stopped
    /// This node was removed from the cluster: it takes no writes and no linearizable reads.
    case removed
}
