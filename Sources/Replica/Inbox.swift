import Dispatch
import RaftCore
import Synchronization

/// Work handed to the Raft thread from other threads.
enum InboxItem: Sendable {
    case message(Message)
    case propose([UInt8], Completion)
    case forwarded(ForwardedProposal)
    case read(ReadWaiter)
    case confChange(ConfChange, Completion)
    case transferLeader(NodeID, Completion)
    case unreachable(NodeID)
    case snapshotStatus(NodeID, failed: Bool)
    /// Runs on the Raft thread with exclusive access to the replica's state.
    case run(@Sendable (ReplicaCore) -> Void)
    case stop
}

/// Delivers a result exactly once to whoever waits for it, on any thread.
struct Completion: Sendable {
    let deliver: @Sendable (Result<any StateMachineAnswer, ReplicaError>) -> Void
    /// Set for a proposal a follower forwarded: takes the applied entry's index with the
    /// answer (instead of `deliver`), which the follower needs to know when it may answer.
    var deliverApplied: (@Sendable (LogIndex, any StateMachineAnswer) -> Void)? = nil
    /// The state machine applies the command once however often it is proposed: while no
    /// leader is known, when the leader it went to changes before answering, or when this node
    /// proposed it as leader and its entry was replaced or a handover refused it, it waits for
    /// the next leader rather than failing (see `ForwardTable.redirect(to:changed:)`,
    /// `ReplicaCore.requeue`).
    var retryable = false
}

/// A bounded multi-producer queue that the Raft thread drains in batches. Draining everything
/// that arrived while the last Ready was being persisted is what turns many concurrent
/// proposals into one fsync (group commit).
final class Inbox: Sendable {
    private let items = Mutex<[InboxItem]>([])
    private let closed = Mutex(false)
    private let wakeup = DispatchSemaphore(value: 0)
    let itemsMax: Int

    init(itemsMax: Int) {
        self.itemsMax = itemsMax
    }

    /// Adds an item; returns false if the inbox is full (Raft messages are dropped then, as a
    /// lossy network would; requests are refused with `.overloaded`).
    func push(_ item: InboxItem) -> Bool {
        guard !closed.withLock({ $0 }) else { return false }
        let (accepted, wasEmpty) = items.withLock { queue -> (Bool, Bool) in
            guard queue.count < itemsMax else { return (false, false) }
            queue.append(item)
            return (true, queue.count == 1)
        }
        // The Raft thread drains everything at each wakeup, so one signal per batch suffices.
        if wasEmpty { wakeup.signal() }
        return accepted
    }

    /// Why a `push` was refused: the replica stopped, or the inbox is full.
    var refusal: ReplicaError { closed.withLock { $0 } ? .stopped : .overloaded }

    /// Refuses every later `push`, so nothing waits on a Raft thread that has stopped.
    func close() {
        closed.withLock { $0 = true }
    }

    /// Pushes control items even when full (stop must always get through).
    func pushAlways(_ item: InboxItem) {
        items.withLock { $0.append(item) }
        wakeup.signal()
    }

    func drain() -> [InboxItem] {
        items.withLock { queue in
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
    }

    /// Waits until something arrives or `deadline` passes.
    func wait(until deadline: DispatchTime) {
        _ = wakeup.wait(timeout: deadline)
    }
}
