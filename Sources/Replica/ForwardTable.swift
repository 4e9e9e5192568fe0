import RaftCore
import Synchronization

/// Proposals this node forwarded to its leader, waiting for the leader's answer, and
/// retryable ones it proposed as leader that must be proposed again (`requeue`). Shared by the
/// request path, which forwards from the caller's thread, the transport, which delivers the
/// answers from its own thread, and the Raft thread, which expires what the leader never
/// answered and fails everything when the replica stops. A follower's Raft thread spends most
/// of its time persisting and applying the log; a post forwarded through it waited for that
/// once on the way out and once more on the way back.
///
/// The leader answers with the index of the proposal's entry. The table also holds the index
/// this node has applied (published by the Raft thread), so that an answer whose entry is
/// applied here goes straight to its caller, and any other waits on the Raft thread until it
/// is: the caller's next request to this node then sees its own write.
final class ForwardTable: Sendable {
    private struct Pending {
        var completion: Completion
        var leader: NodeID
        /// The framed command of a proposal that may be sent again (see `redirect(to:changed:)`).
        var retryData: [UInt8]?
        /// The node that refused this retryable proposal as not (or no longer) the leader; it
        /// then waits (`leader` is `noNode`) to be sent to another one (see `take`).
        var refusedBy = noNode
    }

    /// What an answer from a leader did to the proposal it is for.
    enum Taken {
        /// Applied: deliver to the caller once this node has applied the entry too.
        case applied(Completion)
        /// Failed and delivered, or nothing waits for it any more.
        case done
        /// Refused by a node no longer leading; the proposal may be sent again and waits for
        /// the Raft thread to send it to the leader it knows (`redirect(to:changed:)`).
        case refused
    }

    private struct State {
        var pending: [UInt64: Pending] = [:]
        /// Deadlines in registration order: they all use the same timeout, so it is sorted.
        var expiries: [(deadline: UInt64, requestID: UInt64)] = []
        var expiriesHead = 0
        var nextRequestID: UInt64
        var closedWith: ReplicaError?
        var forwardedTotal: UInt64 = 0
        var failedTotal: UInt64 = 0
        /// Some retryable proposal was refused, or requeued, since the Raft thread last looked.
        var refusals = false
    }

    private let state: Mutex<State>
    private let appliedIndex = Atomic<UInt64>(0)
    private let leaderToForwardTo = Atomic<UInt64>(noNode)
    private let removedFromCluster = Atomic<Bool>(false)
    /// At most this many forwarded proposals wait at once; more are refused as overloaded.
    let pendingMax: Int

    init(pendingMax: Int) {
        precondition(pendingMax > 0, "pendingMax must be positive")
        self.pendingMax = pendingMax
        // A random start, so that ids of a restarted process never match requests a peer
        // still holds from before the restart.
        state = Mutex(State(nextRequestID: UInt64.random(in: 1...(UInt64.max >> 1))))
    }

    /// Registers a proposal about to be sent to `leader` (`noNode`: to the next leader known,
    /// for a retryable one); returns its request id, or nil after failing `completion` (the
    /// table is closed, or full). `data`, the framed command, is kept for a retryable one.
    func register(_ completion: Completion, leader: NodeID, deadline: UInt64, data: [UInt8]) -> UInt64? {
        add(Pending(completion: completion, leader: leader, retryData: completion.retryable ? data : nil), deadline: deadline) {
            $0.forwardedTotal += 1
        }
    }

    /// Adds `pending` unless the table is closed or full (then fails its completion and
    /// returns nil); `update` changes the state in the same lock.
    private func add(_ pending: Pending, deadline: UInt64, _ update: (inout State) -> Void) -> UInt64? {
        let outcome = state.withLock { state -> Result<UInt64, ReplicaError> in
            if let error = state.closedWith { return .failure(error) }
            guard state.pending.count < pendingMax else { return .failure(.overloaded) }
            let requestID = state.nextRequestID
            state.nextRequestID += 1
            state.pending[requestID] = pending
            state.expiries.append((deadline, requestID))
            update(&state)
            return .success(requestID)
        }
        switch outcome {
        case .success(let requestID):
            return requestID
        case .failure(let error):
            fail([pending.completion], with: error)
            return nil
        }
    }

    /// Takes a retryable proposal that this node proposed as leader and that is known not to
    /// be in the log (see `ReplicaCore.requeue`): it waits, like one refused by a former
    /// leader, for the Raft thread's next turn to send it to the leader it knows, or to
    /// propose it here when this node leads (`Replica.publishLeader`). Not counted as a
    /// forwarded proposal. Returns false after failing `completion` (table closed or full).
    func requeue(_ completion: Completion, deadline: UInt64, data: [UInt8]) -> Bool {
        precondition(completion.retryable, "only a retryable proposal may be proposed again")
        return add(Pending(completion: completion, leader: noNode, retryData: data), deadline: deadline) {
            $0.refusals = true
        } != nil
    }

    /// The highest index this node has applied, as the Raft thread last published it.
    var applied: LogIndex { appliedIndex.load(ordering: .acquiring) }

    /// Called by the Raft thread once the state machine has applied `index`.
    func publishApplied(_ index: LogIndex) {
        appliedIndex.store(index, ordering: .releasing)
    }

    /// The leader a proposal made on this node goes to: `noNode` while this node leads or
    /// knows no leader (the proposal then goes through the Raft thread). Read on every
    /// proposal, so it is one atomic load rather than a copy of the whole status.
    var leader: NodeID { leaderToForwardTo.load(ordering: .acquiring) }

    /// Whether this node was removed from the cluster (see `Replica.learnRemoval(from:)`).
    var isRemoved: Bool { removedFromCluster.load(ordering: .acquiring) }

    func markRemoved() {
        removedFromCluster.store(true, ordering: .releasing)
    }

    /// This node was added to the cluster again (under its old id).
    func clearRemoved() {
        removedFromCluster.store(false, ordering: .releasing)
    }

    /// Takes what `directory` says of `node`: removed, a member again, or neither (then the
    /// flag stays as it is: a farewell may have set it).
    func noteStanding(of node: NodeID, in directory: Directory) {
        if directory.removed.contains(node) {
            markRemoved()
        } else if directory.members[node] != nil {
            clearRemoved()
        }
    }

    /// Called by the Raft thread after each turn of its loop.
    func publishLeader(role: Role, leader: NodeID, of node: NodeID) {
        let target = role == .leader || leader == node ? noNode : leader
        leaderToForwardTo.store(target, ordering: .releasing)
    }

    /// Points the proposals that may be sent again and wait on another leader at `leader`, and
    /// returns them for the caller to send: a leader that died, or lost its leadership, before
    /// answering would otherwise leave them waiting until their deadline. The old leader's
    /// answer, should one still come, is ignored (see `take`). Only commands the state machine
    /// applies once however often they are proposed (a desk command with an idempotency key)
    /// are registered as such: the old leader may have committed its copy too. Unless the
    /// leader `changed`, a proposal that `leader` itself refused stays: this node's view of
    /// the leader is behind, and the next change sends it on.
    func redirect(to leader: NodeID, changed: Bool) -> [(requestID: UInt64, data: [UInt8])] {
        state.withLock { state in
            var redirected: [(requestID: UInt64, data: [UInt8])] = []
            for (requestID, pending) in state.pending where pending.leader != leader {
                guard let data = pending.retryData, changed || pending.refusedBy != leader else { continue }
                state.pending[requestID]?.leader = leader
                state.pending[requestID]?.refusedBy = noNode
                redirected.append((requestID, data))
            }
            return redirected.sorted { $0.requestID < $1.requestID }
        }
    }

    /// Whether a retryable proposal was refused (see `take`) or requeued since the last call.
    func takeRefusals() -> Bool {
        state.withLock { state in
            defer { state.refusals = false }
            return state.refusals
        }
    }

    /// Takes out the proposals that may be sent again, for this node, now the leader, to
    /// propose itself (see `redirect(to:changed:)`).
    func takeRetryable() -> [(data: [UInt8], completion: Completion)] {
        state.withLock { state in
            let retryable = state.pending
                .compactMap { requestID, pending in pending.retryData.map { (requestID, $0, pending.completion) } }
                .sorted { $0.0 < $1.0 }
            for (requestID, _, _) in retryable { state.pending[requestID] = nil }
            return retryable.map { ($0.1, $0.2) }
        }
    }

    /// Takes the proposal that `answer` is for out of the table, and delivers a failure at
    /// once, except a refusal of a retryable proposal by a node that no longer leads, which
    /// stays to be sent again: a node that has just become leader, or learned of a new one,
    /// may still have sent it to the old leader. Answers from a node the proposal did not go
    /// to are ignored.
    func take(_ answer: ForwardedAnswer, from peer: NodeID) -> Taken {
        let taken = state.withLock { state -> (completion: Completion, refused: Bool)? in
            guard var pending = state.pending[answer.requestID], pending.leader == peer else { return nil }
            if case .failed(let error) = answer.outcome {
                if pending.retryData != nil && Self.refusesAsNotLeading(error) {
                    pending.leader = noNode
                    pending.refusedBy = peer
                    state.pending[answer.requestID] = pending
                    state.refusals = true
                    return (pending.completion, true)
                }
                state.failedTotal += 1
            }
            state.pending[answer.requestID] = nil
            return (pending.completion, false)
        }
        guard let taken else { return .done }
        if taken.refused { return .refused }
        if case .failed(let error) = answer.outcome {
            taken.completion.deliver(.failure(error))
            return .done
        }
        return .applied(taken.completion)
    }

    /// The failures a node answers with when it does not lead, or stopped leading before the
    /// proposal's entry committed: another leader may take the proposal.
    private static func refusesAsNotLeading(_ error: ReplicaError) -> Bool {
        switch error {
        case .notLeader, .dropped, .stopped: true
        default: false
        }
    }

    /// Fails, as timed out, every proposal whose deadline is at or before `now`.
    func expire(now: UInt64) {
        let expired = state.withLock { state -> [Completion] in
            var expired: [Completion] = []
            while state.expiriesHead < state.expiries.count, state.expiries[state.expiriesHead].deadline <= now {
                if let pending = state.pending.removeValue(forKey: state.expiries[state.expiriesHead].requestID) {
                    expired.append(pending.completion)
                }
                state.expiriesHead += 1
            }
            if state.expiriesHead > 1_024 && state.expiriesHead * 2 > state.expiries.count {
                state.expiries.removeFirst(state.expiriesHead)
                state.expiriesHead = 0
            }
            return expired
        }
        fail(expired, with: .timedOut)
    }

    /// Fails everything waiting with `error`, and every later registration too.
    func close(failingWith error: ReplicaError) {
        let waiting = state.withLock { state -> [Completion] in
            state.closedWith = error
            defer { state.pending = [:] }
            return state.pending.values.map(\.completion)
        }
        fail(waiting, with: error)
    }

    /// Proposals forwarded so far, and how many of them failed.
    var totals: (forwarded: UInt64, failed: UInt64) {
        state.withLock { ($0.forwardedTotal, $0.failedTotal) }
    }

    private func fail(_ completions: [Completion], with error: ReplicaError) {
        guard !completions.isEmpty else { return }
        state.withLock { $0.failedTotal += UInt64(completions.count) }
        for completion in completions { completion.deliver(.failure(error)) }
    }
}
