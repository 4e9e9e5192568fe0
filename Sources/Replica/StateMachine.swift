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
    /// applied index.
    func apply(_ data: [UInt8], index: LogIndex, changes: inout WriteBatch) -> [UInt8]
    /// The whole state as bytes, to install on another node.
    func snapshotData() throws -> [UInt8]
    /// Replaces the whole state with the snapshot's taken at `index`; the writes go into
    /// `changes`.
    func restore(fromSnapshot data: [UInt8], index: LogIndex, changes: inout WriteBatch) throws
    /// Loads the state that is already on disk (after a restart), applied up to `appliedIndex`.
    func load(from database: Database, appliedIndex: LogIndex) throws
}
