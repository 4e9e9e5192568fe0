/// The named ways a Raft call can fail. None of them leaves the node in a changed state.
public enum RaftError: Error, Sendable, Hashable {
    /// This node is not the leader; `leaderHint` is the leader it knows of (`noNode` if none).
    case notLeader(leaderHint: NodeID)
    /// The leader cannot take proposals now (a leadership transfer is under way).
    case proposalDropped
    /// Accepting the proposal would exceed `Config.uncommittedBytesMax`: the cluster is behind.
    case uncommittedBytesExceeded
    /// The proposal is larger than `Config.proposalBytesMax`.
    case proposalTooLarge
    /// Another membership change has not yet been applied.
    case confChangePending
    /// The membership change makes no sense for the current configuration.
    case invalidConfChange(String)
    /// The learner is too far behind the leader to be promoted yet.
    case learnerNotCaughtUp
    /// The requested index is below the first index the storage still has.
    case compacted
    /// The requested index is beyond what the storage has.
    case unavailable
    /// The storage cannot produce a snapshot right now; the leader retries later.
    case snapshotTemporarilyUnavailable
    /// A snapshot older than the one the storage has.
    case snapshotOutOfDate
    /// A leadership transfer target that is not a voter, or is this node itself.
    case invalidTransferTarget
}
