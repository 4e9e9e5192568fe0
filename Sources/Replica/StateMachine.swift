import RaftCore
import Storage

/// The application that the replica keeps identical on every node. `apply` must be a pure
/// function of the state and the command (DESIGN.md §3): no clock, no randomness, no I/O
/// other than the writes it adds to `changes`.
///
/// Every method is called on the replica's one Raft thread, so an implementation needs no
/// locking of its own for state that only these methods and `Replica.read` touch.
public protocol ReplicatedStateMachine: AnyObject {
    /// Applies the committed command `data` at `index` and returns the answer for its proposer.
    /// The state changes go into `changes`, which the replica writes atomically with the
    /// applied index. `answerWanted` is false when nobody on this node waits for the answer
    /// (a follower applying the leader's entries): the machine may then skip building it, and
    /// must change its state exactly as it would otherwise.
    func apply(_ data: [UInt8], index: LogIndex, answerWanted: Bool, changes: inout WriteBatch) -> any StateMachineAnswer
    /// Loads the whole state from the `state` column family, applied up to `appliedIndex`: after
    /// a restart, and after a snapshot replaced the column family. Snapshots are that column
    /// family (see `StateSnapshot`), so everything the machine keeps must be in it, under keys
    /// that do not start with byte 0 (the replica's own).
    func load(from database: Database, appliedIndex: LogIndex) throws
}

/// A state machine's answer to a command. A proposer waiting on the node that applied the
/// command receives the value as it is; one waiting on another node receives
/// `encodedAnswer()`, sent with the forwarded answer. The local proposer, the common case at
/// the leader, so skips an encoding and a decoding per command.
public protocol StateMachineAnswer: Sendable {
    func encodedAnswer() -> [UInt8]
}

extension Array: StateMachineAnswer where Element == UInt8 {
    public func encodedAnswer() -> [UInt8] { self }
}
