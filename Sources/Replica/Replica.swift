import Dispatch
import Foundation
import RaftCore
import Storage
import Synchronization

/// One member of a Switchboard cluster: RaftCore driven by a dedicated thread that drains an
/// inbox, persists each Ready into RocksDB (one fsync for everything that arrived meanwhile),
/// sends messages, applies committed commands to the state machine and answers the callers.
///
/// Every public method is safe to call from any thread or task.
public final class Replica: Sendable {
    public let nodeID: NodeID
    private let inbox: Inbox
    private let forwardTable: ForwardTable
    private let network: any PeerNetwork
    private let proposalTimeoutNanoseconds: UInt64
    private let statusBox: Mutex<ReplicaStatus>
    /// Handed to the Raft thread on `start`; nil afterwards.
    private let pendingCore: Mutex<UncheckedBox<ReplicaCore>?>
    private let finished = DispatchSemaphore(value: 0)
    private let stopState = Mutex<LifeState>(.created)

    private enum LifeState { case created, running, stopped }
    private let tickNanoseconds: UInt64
    private let electionTimeoutTicks: Int

    /// How a node begins: as one of the founding members, or empty (to be added by the cluster).
    public enum Bootstrap: Sendable {
        /// The founding members and their addresses; ignored when the data dir holds a cluster.
        case initialCluster([NodeID: MemberAddresses])
        /// Start empty and wait to be added (as a learner) by the cluster's leader.
        case join
    }

    /// Opens (or creates) the node's storage and prepares the replica; `start` runs it.
    public init(
        config: ReplicaConfig, store: RaftLogStore, machine: any ReplicatedStateMachine,
        network: any PeerNetwork, selfAddresses: MemberAddresses, bootstrap: Bootstrap,
        seed: UInt64 = UInt64.random(in: 1...UInt64.max)
    ) throws {
        let directory = try Self.prepare(store: store, machine: machine, bootstrap: bootstrap)
        network.publish(directory)
        let forwardTable = ForwardTable(pendingMax: config.inboxItemsMax)
        forwardTable.publishApplied(store.appliedIndex)
        forwardTable.noteStanding(of: config.nodeID, in: directory)
        let core = ReplicaCore(
            config: config, store: store, machine: machine, network: network, forwardTable: forwardTable,
            directory: directory, selfAddresses: selfAddresses, seed: seed)
        core.refreshStatus()
        nodeID = config.nodeID
        inbox = Inbox(itemsMax: config.inboxItemsMax)
        self.forwardTable = forwardTable
        self.network = network
        proposalTimeoutNanoseconds = UInt64(config.proposalTimeoutMilliseconds) * 1_000_000
        statusBox = Mutex(core.publishedStatus)
        pendingCore = Mutex(UncheckedBox(core))
        tickNanoseconds = UInt64(config.tickMilliseconds) * 1_000_000
        electionTimeoutTicks = config.electionTimeoutTicks
    }

    /// Brings the storage to a consistent start: writes the founding configuration on a fresh
    /// data dir, or restores the state machine after a crash between installing a snapshot and
    /// recording it applied. Returns the member directory.
    private static func prepare(
        store: RaftLogStore, machine: any ReplicatedStateMachine, bootstrap: Bootstrap
    ) throws -> Directory {
        let isFresh = store.hardState.isEmpty && store.lastIndex() == 0 && store.snapshotMetadata.index == 0
        if isFresh, case .initialCluster(let members) = bootstrap {
            try writeFoundingSnapshot(store: store, members: members)
        }
        if store.appliedIndex < store.snapshotMetadata.index {
            // A snapshot was received (or founded) but not yet installed when the process stopped.
            let snapshot = try store.snapshot()
            _ = try StateSnapshot.install(
                StateSnapshot.decode(snapshot.data), metadata: snapshot.metadata, into: store, sync: true)
        }
        try machine.load(from: store.database, appliedIndex: store.appliedIndex)
        guard let bytes = try store.database.get(directoryKey, in: .state) else { return Directory() }
        return try Directory(decoding: bytes)
    }

    /// Every founding member writes the same snapshot at index 1, term 1: the founding
    /// membership and an empty state. A node that joins later receives it (or a newer one)
    /// and so learns the founding membership like everything else.
    private static func writeFoundingSnapshot(store: RaftLogStore, members: [NodeID: MemberAddresses]) throws {
        let confState = ConfState(voters: Array(members.keys))
        let data = StateSnapshot.encode([(key: directoryKey, value: Directory(members: members).encoded())])
        let snapshot = Snapshot(metadata: SnapshotMetadata(index: 1, term: 1, confState: confState), data: data)
        try store.save(hardState: HardState(term: 1, vote: noNode, commit: 1), entries: [], snapshot: snapshot, sync: true)
    }

    /// Starts the Raft thread.
    public func start() {
        guard let box = pendingCore.withLock({ core in defer { core = nil }; return core }) else {
            preconditionFailure("a replica starts once")
        }
        stopState.withLock { $0 = .running }
        let handOver = CoreHandOver(box.value)
        let name = "raft-\(nodeID)"
        let thread = Thread { [self] in
            // Named from inside: only the running thread's own name reaches the kernel, where
            // profilers and `top -H` read it.
            Thread.current.name = name
            self.run(handOver)
        }
        thread.start()
    }

    /// Stops the Raft thread; waiting requests fail with `.stopped`, and so does every request
    /// made afterwards. Calling it again (or before `start`) does nothing.
    public func stop() {
        let running = stopState.withLock { state -> Bool in
            defer { state = .stopped }
            return state == .running
        }
        inbox.close()
        guard running else { return }
        inbox.pushAlways(.stop)
        finished.wait()
    }

    /// Runs the Raft loop, then releases the core — closing the database — before `stop` may
    /// return: a process that exits while RocksDB is still closing on this thread crashes.
    private func run(_ handOver: CoreHandOver) {
        if let core = handOver.take() { loop(core) }
        finished.signal()
    }

    private func loop(_ core: ReplicaCore) {
        var nextTick = DispatchTime.now().uptimeNanoseconds + tickNanoseconds
        var leading = false
        while true {
            let items = inbox.drain()
            if items.contains(where: { if case .stop = $0 { return true } else { return false } }) {
                core.failEverything(with: .stopped)
                core.fail(items + inbox.drain(), with: .stopped)
                core.snapshots.stopAndWait()
                flushForRestart(core)
                break
            }
            core.handle(items)
            nextTick = tickIfDue(core, nextTick: nextTick)
            while core.raft.hasReady { core.processReady() }
            core.refreshStatus()
            publishLeader(core, wasLeading: &leading)
            statusBox.withLock { $0 = core.publishedStatus }
            inbox.wait(until: DispatchTime(uptimeNanoseconds: nextTick))
        }
    }

    /// Tells the forwarding path which leader to use, and moves the retryable proposals that
    /// wait on a former leader to the new one: sent to it, or proposed here when this node
    /// took over.
    private func publishLeader(_ core: ReplicaCore, wasLeading: inout Bool) {
        let previous = forwardTable.leader
        forwardTable.publishLeader(role: core.status.role, leader: core.status.leader, of: nodeID)
        let target = forwardTable.leader
        let refusals = forwardTable.takeRefusals()
        if target != noNode, target != previous || refusals {
            for (requestID, data) in forwardTable.redirect(to: target, changed: target != previous) {
                network.forward(ForwardedProposal(requestID: requestID, origin: nodeID, leader: target, data: data))
            }
        }
        let leading = core.status.role == .leader
        if leading, !wasLeading || refusals {
            let retryable = forwardTable.takeRetryable()
            if !retryable.isEmpty {
                core.propose(retryable.map { ($0.data, $0.completion) }, counted: true)
                while core.raft.hasReady { core.processReady() }
            }
        }
        wasLeading = leading
    }

    /// Writes the memtables to disk on a clean stop. RocksDB keeps them across a close only in
    /// its write-ahead log, which the next start would replay record by record (a large part
    /// of a restart). If the flush fails the node stops all the same: everything is still in
    /// the synced log, and the next start replays it.
    private func flushForRestart(_ core: ReplicaCore) {
        try? core.store.database.flush()
    }

    /// Ticks once if a tick is due. After a long stall (a paused process) it ticks only once,
    /// so that a node resuming does not fire a burst of elections.
    private func tickIfDue(_ core: ReplicaCore, nextTick: UInt64) -> UInt64 {
        let now = DispatchTime.now().uptimeNanoseconds
        guard now >= nextTick else { return nextTick }
        core.raft.tick()
        core.expireDeadlines()
        core.leaderHousekeeping()
        core.announceSelfIfNeeded()
        core.refreshStorageMemory()
        return max(nextTick + tickNanoseconds, now + tickNanoseconds / 2)
    }

    // MARK: - Requests

    /// Proposes an application command (through the leader) and returns the state machine's
    /// answer once the command is applied on this node's leader.
    public func propose(_ command: [UInt8]) async throws(ReplicaError) -> [UInt8] {
        try await proposeForAnswer(command).encodedAnswer()
    }

    /// Like `propose`, with the answer as the state machine gave it when this node applied
    /// the command itself (as the leader), and as bytes when the leader was another node.
    ///
    /// `retryable` says that the state machine applies the command once however often it is
    /// proposed (a desk command with an idempotency key): a forwarded one then goes again to
    /// the next leader when the one it went to changes before answering, and one this node
    /// proposed as leader goes on when its entry is replaced or a handover refuses it.
    public func proposeForAnswer(_ command: [UInt8], retryable: Bool = false) async throws(ReplicaError) -> any StateMachineAnswer {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<any StateMachineAnswer, ReplicaError>, Never>) in
            propose(command, retryable: retryable) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Like `proposeForAnswer`, for callers that do not wait in a task (an event loop, say):
    /// `deliver` gets the outcome exactly once, on the Raft thread or the transport's.
    public func propose(
        _ command: [UInt8], retryable: Bool = false,
        deliver: @escaping @Sendable (Result<any StateMachineAnswer, ReplicaError>) -> Void
    ) {
        let completion = Completion(deliver: deliver, retryable: retryable)
        guard !forwardTable.isRemoved else { return completion.deliver(.failure(.removed)) }
        let leader = forwardTable.leader
        if leader != noNode {
            forward(command, to: leader, completion: completion)
        } else if !inbox.push(.propose(command, completion)) {
            completion.deliver(.failure(inbox.refusal))
        }
    }

    /// Sends the command to `leader` from this thread; the answer comes back on the
    /// transport's thread (see `receive(_:from:)`): the Raft thread, busy persisting and
    /// applying the log, is on neither way unless this node has yet to apply the entry. A
    /// leader that changed meanwhile refuses it (`.notLeader`) or never answers (`.timedOut`),
    /// as a proposal forwarded by the Raft thread would.
    private func forward(_ command: [UInt8], to leader: NodeID, completion: Completion) {
        let data = Envelope.encode(.application(command))
        let deadline = DispatchTime.now().uptimeNanoseconds + proposalTimeoutNanoseconds
        guard let requestID = forwardTable.register(completion, leader: leader, deadline: deadline, data: data) else { return }
        network.forward(ForwardedProposal(requestID: requestID, origin: nodeID, leader: leader, data: data))
    }

    /// Runs `body` against the state machine at a linearizable point: after a ReadIndex round
    /// confirmed leadership and this node applied everything committed before the read began.
    public func read<Value: Sendable>(
        _ body: @escaping @Sendable (any ReplicatedStateMachine) -> Value
    ) async throws(ReplicaError) -> Value {
        guard !forwardTable.isRemoved else { throw .removed }
        return try await withReadWaiter(body) { .read($0) }
    }

    /// A member told this node that it was removed from the cluster (the transport's
    /// authenticated farewell): writes and linearizable reads fail with `.removed` until it is
    /// added again.
    public func learnRemoval(from member: NodeID) {
        forwardTable.markRemoved()
    }

    /// Runs `body` against the state machine as it is on this node now (possibly stale).
    public func staleRead<Value: Sendable>(
        _ body: @escaping @Sendable (any ReplicatedStateMachine) -> Value
    ) async throws(ReplicaError) -> Value {
        try await withReadWaiter(body) { waiter in .run { core in waiter.serve(core) } }
    }

    /// Adds `node` as a learner; the leader promotes it to voter once it has caught up.
    public func addLearner(_ node: NodeID, addresses: MemberAddresses) async throws(ReplicaError) {
        try await changeMembership(ConfChange(kind: .addLearner, nodeID: node, context: addresses.encoded()))
    }

    /// Removes `node` from the cluster. A leader asked to remove itself hands leadership to
    /// the voter with most of its log first and fails with `.notLeader` naming the new leader,
    /// which is where the removal must be asked again: it then removes a follower, and nobody
    /// waits out an election timeout (the members' leases would refuse an early candidate).
    public func removeMember(_ node: NodeID) async throws(ReplicaError) {
        if node == nodeID, status.role == .leader { try await handOverLeadership() }
        try await changeMembership(ConfChange(kind: .remove, nodeID: node))
    }

    /// Proposes `change`. While another change is pending (most often a new leader's first
    /// entry, applied within a round trip) it tries again, for up to an election timeout.
    private func changeMembership(_ change: ConfChange) async throws(ReplicaError) {
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(electionTimeoutTicks) * tickNanoseconds
        while true {
            do throws(ReplicaError) {
                _ = try await request { .confChange(change, $0) }
                return
            } catch .rejected(.confChangePending) where DispatchTime.now().uptimeNanoseconds < deadline {
                try? await Task.sleep(nanoseconds: tickNanoseconds)
            }
        }
    }

    /// Transfers leadership to the most caught-up voter and waits (up to two election
    /// timeouts) for another node to lead, then throws `.notLeader` naming it. Returns if this
    /// node still leads: the removal goes ahead here, and RaftCore hands over when it applies it.
    private func handOverLeadership() async throws(ReplicaError) {
        let successor = status.peers.filter { $0.key != nodeID && !$0.value.isLearner }
            .max { ($0.value.match, $1.key) < ($1.value.match, $0.key) }?.key
        guard let successor else { return }
        try await transferLeader(to: successor)
        let deadline = DispatchTime.now().uptimeNanoseconds + 2 * UInt64(electionTimeoutTicks) * tickNanoseconds
        while DispatchTime.now().uptimeNanoseconds < deadline {
            let leader = status.leader
            if leader != nodeID && leader != noNode { throw .notLeader(leaderHint: leader) }
            try? await Task.sleep(nanoseconds: tickNanoseconds / 5)
        }
        if status.leader != nodeID { throw .notLeader(leaderHint: status.leader) }
    }

    public func transferLeader(to node: NodeID) async throws(ReplicaError) {
        _ = try await request { .transferLeader(node, $0) }
    }

    /// The latest status, without waiting for the Raft thread.
    public var status: ReplicaStatus { statusBox.withLock { $0 } }

    // MARK: - Inputs from the network

    public func receive(_ message: Message) { _ = inbox.push(.message(message)) }
    public func receive(_ proposal: ForwardedProposal) { _ = inbox.push(.forwarded(proposal)) }
    /// An answer from `peer` to a proposal this node forwarded; ignored unless `peer` is the
    /// node the proposal went to. A write is answered here once this node has applied its
    /// entry: at once if it has, else from the Raft thread when it does (or at the proposal
    /// deadline, see `ReplicaCore.answerOnceApplied`).
    public func receive(_ answer: ForwardedAnswer, from peer: NodeID) {
        guard answer.origin == nodeID else { return }
        let completion: Completion
        switch forwardTable.take(answer, from: peer) {
        case .done:
            return
        case .refused:
            // The Raft thread's next turn sends it to the leader it knows, or proposes it.
            _ = inbox.push(.run { _ in })
            return
        case .applied(let taken):
            completion = taken
        }
        guard case .applied(let index, let result) = answer.outcome else { return }
        if index <= forwardTable.applied {
            completion.deliver(.success(result))
        } else if !inbox.push(.run { core in core.answerOnceApplied(index: index, result, completion) }) {
            // A full inbox or a stopped replica: the write is in all the same.
            completion.deliver(.success(result))
        }
    }
    public func reportUnreachable(_ node: NodeID) { _ = inbox.push(.unreachable(node)) }
    public func reportSnapshot(to node: NodeID, failed: Bool) {
        _ = inbox.push(.snapshotStatus(node, failed: failed))
    }

    // MARK: - Plumbing

    private func request(_ make: (Completion) -> InboxItem) async throws(ReplicaError) -> any StateMachineAnswer {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<any StateMachineAnswer, ReplicaError>, Never>) in
            let completion = Completion { continuation.resume(returning: $0) }
            if !inbox.push(make(completion)) { completion.deliver(.failure(inbox.refusal)) }
        }
        return try result.get()
    }

    private func withReadWaiter<Value: Sendable>(
        _ body: @escaping @Sendable (any ReplicatedStateMachine) -> Value,
        _ make: (ReadWaiter) -> InboxItem
    ) async throws(ReplicaError) -> Value {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Value, ReplicaError>, Never>) in
            let waiter = ReadWaiter(
                serve: { core in continuation.resume(returning: .success(body(core.machine))) },
                fail: { continuation.resume(returning: .failure($0)) })
            if !inbox.push(make(waiter)) { waiter.fail(inbox.refusal) }
        }
        return try result.get()
    }
}

/// Moves a value that is not `Sendable` to another thread exactly once. Safe here because the
/// sender gives up every reference: `init` keeps the core only in `pendingCore`, `start` takes
/// it out, and only the Raft thread holds it afterwards.
/// Hands the core to the Raft thread, which takes it out so that it holds the only reference.
final class CoreHandOver: @unchecked Sendable {
    private var core: ReplicaCore?

    init(_ core: ReplicaCore) { self.core = core }

    /// Called once, on the Raft thread.
    func take() -> ReplicaCore? {
        defer { core = nil }
        return core
    }
}

struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
