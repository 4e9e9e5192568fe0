import Dispatch
import Foundation
import Logging
import RaftCore
import Replica
import ServiceDesk
import Synchronization

/// Runs the live work of session slots on this node (DESIGN.md §6).
///
/// Every node runs the *worker*: it asks the desk which work is due in the slots this node owns
/// (routing decisions, timers) and proposes it, fenced by the slot epoch. It also runs the
/// *courier*, which posts the outbox items of its slots to their channels' webhooks and
/// records each attempt, fenced the same way. The *balancer* acts
/// only on the leader: it gives the slots of dead, removed or draining nodes to healthy voters
/// and evens out the rest, moving as few as possible.
final class SlotSupervisor: Sendable {
    struct Settings: Sendable {
        /// A voter not heard from for this long loses its slots.
        var failoverMilliseconds: Int = 3_000
        var balanceIntervalMilliseconds: Int = 250
        var workIntervalMilliseconds: Int = 200
        /// Commands proposed per worker round, so one round cannot flood the log.
        var workPerRoundMax: Int = 256
        var deliveryIntervalMilliseconds: Int = 500
        /// Outbox items posted at once per courier round; a full round is followed by the
        /// next at once, so a backlog drains at the gateway's pace, not the interval's.
        var deliveriesPerRoundMax: Int = 32
        var delivery = OutboxDeliverer.Settings()
    }

    private let node: ClusterNode
    private let settings: Settings
    /// Work proposed and not yet answered, by its encoded bytes: never proposed twice at once.
    private let inFlight = Mutex<Set<[UInt8]>>([])
    /// Outbox items whose last attempt here could not be recorded (refused as stale, or lost
    /// with a leader), by id, and when they may be posted again: the gateway is not hit again
    /// sooner than a recorded failure would allow.
    private let courierHolds = Mutex<[String: Timestamp]>([:])
    /// The term this node last led in and when it noticed, in uptime nanoseconds.
    private let leadership = Mutex<(term: UInt64, since: UInt64)>((0, 0))
    /// A new leader has heard only from the voters that answered its election; it waits for
    /// a round of heartbeats before judging who is alive.
    static let leaderGraceNanoseconds: UInt64 = 1_000_000_000

    init(node: ClusterNode, settings: Settings) {
        self.node = node
        self.settings = settings
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.loop(every: self.settings.balanceIntervalMilliseconds) { await self.balance() } }
            group.addTask { await self.loop(every: self.settings.workIntervalMilliseconds) { await self.work() } }
            group.addTask { await self.courierLoop() }
        }
    }

    private func loop(every milliseconds: Int, _ body: @Sendable () async -> Void) async {
        while !Task.isCancelled {
            await body()
            try? await Task.sleep(nanoseconds: UInt64(milliseconds) * 1_000_000)
        }
    }

    // MARK: - Balancer

    private func balance() async {
        let status = node.replica.status
        guard status.role == .leader, status.isReady, ledLongEnough(term: status.term) else { return }
        guard let map = try? await node.replica.staleRead({ ($0 as? NodeStateMachine)?.desk.slotMap }) else { return }
        let eligible = eligibleNodes(status, draining: Set(map.draining))
        let moves = SlotPlanner.plan(owners: map.owners, eligible: eligible)
        guard !moves.isEmpty else { return }
        node.logger.info("slots: moving \(moves.count) slots; eligible nodes \(eligible.sorted())")
        await propose(.assignSlots(AssignSlots(moves: moves)))
    }

    private func ledLongEnough(term: UInt64) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        let since = leadership.withLock { leadership -> UInt64 in
            if leadership.term != term { leadership = (term, now) }
            return leadership.since
        }
        return now - since >= Self.leaderGraceNanoseconds
    }

    /// Voters this leader has heard from recently, itself included, minus draining nodes.
    private func eligibleNodes(_ status: ReplicaStatus, draining: Set<UInt64>) -> Set<UInt64> {
        var eligible: Set<UInt64> = []
        for member in status.confState.voters where !draining.contains(member) {
            if member == status.nodeID || node.liveness.heardWithin(member, milliseconds: settings.failoverMilliseconds) {
                eligible.insert(member)
            }
        }
        return eligible
    }

    // MARK: - Worker

    private func work() async {
        let me = node.options.nodeID
        let now = Timestamp.now
        let limit = settings.workPerRoundMax
        let due = try? await node.replica.staleRead { machine -> [Command.Action] in
            guard let desk = (machine as? NodeStateMachine)?.desk else { return [] }
            return desk.dueWork(ownedSlots: Set(desk.slotMap.slots(ownedBy: me)), owner: me, now: now, limit: limit)
        }
        guard let due, !due.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            for action in due { group.addTask { await self.propose(action) } }
        }
    }

    // MARK: - Courier

    private func courierLoop() async {
        while !Task.isCancelled {
            // A full round whose every attempt was recorded goes on at once; any other waits,
            // so that attempts the cluster could not record (no leader) are not repeated in a
            // tight loop at the gateway.
            guard await deliver() < settings.deliveriesPerRoundMax else { continue }
            try? await Task.sleep(nanoseconds: UInt64(settings.deliveryIntervalMilliseconds) * 1_000_000)
        }
    }

    /// Posts the due outbox items of this node's slots, all at once, and records how each
    /// went; the next round starts after the slowest, so no item is posted twice at once.
    /// Returns how many attempts were recorded.
    private func deliver() async -> Int {
        // A node that is not ready (no leader, behind, removed) could record nothing of what it
        // posted, and its view of who owns which slot may be stale.
        guard node.replica.status.isReady else { return 0 }
        let me = node.options.nodeID
        let now = Timestamp.now
        let held = courierHolds.withLock { holds in
            holds = holds.filter { $0.value > now }
            return holds
        }
        let limit = settings.deliveriesPerRoundMax
        let due = try? await node.replica.staleRead { machine -> [OutboxDelivery] in
            guard let desk = (machine as? NodeStateMachine)?.desk else { return [] }
            return desk.dueDeliveries(ownedSlots: Set(desk.slotMap.slots(ownedBy: me)), owner: me, now: now, limit: limit + held.count)
                .filter { held[$0.item.id] == nil }.prefix(limit).map { $0 }
        }
        guard let due, !due.isEmpty else { return 0 }
        let courier = OutboxDeliverer(settings: settings.delivery)
        return await withTaskGroup(of: Bool.self) { group in
            for delivery in due {
                group.addTask {
                    let outcome = await courier.attempt(delivery)
                    if let error = outcome.error {
                        self.node.logger.info("outbox item \(delivery.item.id) to \(OutboxDeliverer.origin(of: delivery.webhook.url)): \(error)")
                    }
                    let recorded = await self.propose(.recordOutboxDelivery(outcome))
                    if !recorded {
                        let notBefore = outcome.retryAt ?? courier.retryAt(afterAttempt: delivery.item.attempts + 1, now: Timestamp.now)
                        self.courierHolds.withLock { $0[delivery.item.id] = notBefore }
                    }
                    return recorded
                }
            }
            var recorded = 0
            for await applied in group where applied { recorded += 1 }
            return recorded
        }
    }

    // MARK: - Proposing

    /// A stable identity of a piece of work for the in-flight set: its encoding without a time.
    private static func identity(of action: Command.Action) -> [UInt8] {
        Command(time: Timestamp(millisecondsSinceEpoch: 0), actor: .system, action: action).encoded()
    }

    /// Proposes the work; says whether it was applied (not refused, not lost on the way).
    @discardableResult
    private func propose(_ action: Command.Action) async -> Bool {
        let time = Timestamp.now
        let body = Command(time: time, actor: .system, action: action).encoded()
        let key = Self.identity(of: action)
        guard inFlight.withLock({ $0.insert(key).inserted }) else { return false }
        defer { _ = inFlight.withLock { $0.remove(key) } }
        do {
            let answer = try await node.replica.proposeForAnswer(NodeStateMachine.command(.desk, body))
            if case .failure(let error) = try DeskAnswer.reply(in: answer).result {
                // Expected when the work was done meanwhile or the slot moved: the fence and
                // the due checks in apply refused it and nothing changed.
                node.logger.debug("slot work \(action.typeName) refused: \(error.message)")
                return false
            }
            return true
        } catch {
            node.logger.debug("slot work \(action.typeName) not proposed: \(error)")
            return false
        }
    }
}

