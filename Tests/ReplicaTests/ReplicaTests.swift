import Foundation
import RaftCore
import Replica
import Synchronization
import Testing

@Suite(.serialized)
struct ReplicaTests {
    @Test func electsLeaderAndReplicatesWritesThroughAnyNode() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let follower = [1, 2, 3].first { $0 != leader }!
        #expect(try await cluster.put("a", "1", via: leader) == .written(version: 1))
        #expect(try await cluster.put("a", "2", via: follower) == .written(version: 2))
        for node: NodeID in [1, 2, 3] {
            #expect(try await cluster.read("a", via: node) == "2")
        }
    }

    /// A write forwarded through a follower is applied on that follower before the follower
    /// answers, so the client's next request there (a stale read here) sees it.
    @Test func aFollowerAnswersAForwardedWriteOnlyAfterApplyingIt() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let follower = cluster.replicas[[1, 2, 3].first { $0 != leader }!]!
        for number in 0..<50 {
            _ = try await follower.propose(RegisterStore.encode(.put(key: "k", value: Array("\(number)".utf8))))
            let seen = try await follower.staleRead { ($0 as! RegisterStore).get("k").map { String(decoding: $0.value, as: UTF8.self) } }
            #expect(seen == "\(number)")
        }
    }

    /// An entry commits in a later Ready than the one that stored it (followers acknowledge
    /// the append first), so nodes apply most entries before that later Ready's fsync (not
    /// every one: the count is checked for most of the 20, as the timing of acknowledgements
    /// against a Ready varies); the writes still read back in order on every node.
    @Test func committedEntriesAlreadyStoredAreAppliedBeforeTheNextFsync() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let before = cluster.replicas[leader]!.status.entriesAppliedBeforePersistTotal
        for number in 1...20 {
            #expect(try await cluster.put("k", "\(number)", via: leader) == .written(version: UInt64(number)))
        }
        #expect(cluster.replicas[leader]!.status.entriesAppliedBeforePersistTotal >= before + 10)
        for id in [1, 2, 3] as [NodeID] {
            let replica = cluster.replicas[id]!
            _ = try await cluster.waitFor { replica.status.applied >= cluster.replicas[leader]!.status.applied ? true : nil }
            #expect(replica.status.entriesAppliedBeforePersistTotal > 0)
            #expect(try await cluster.read("k", via: id) == "20")
        }
    }

    /// A follower that has not yet received the entry of a write it forwarded holds the
    /// leader's answer until it has applied that entry itself.
    @Test func aLaggingFollowerHoldsTheAnswerToAForwardedWriteUntilItAppliesIt() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let followerID = [1, 2, 3].first { $0 != leader }!
        let follower = cluster.replicas[followerID]!
        let leaderReplica = cluster.replicas[leader]!
        let appliedBefore = leaderReplica.status.applied
        cluster.network.loseAppends(to: followerID)
        let answered = Mutex(false)
        let write = Task {
            let answer = try await follower.propose(RegisterStore.encode(.put(key: "k", value: Array("v".utf8))))
            answered.withLock { $0 = true }
            return try RegisterStore.decodeOutcome(answer)
        }
        // The leader and the other follower commit and apply it; the answer reaches the
        // follower, which has not got the entry.
        _ = try await cluster.waitFor { leaderReplica.status.applied > appliedBefore ? true : nil }
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(!answered.withLock { $0 })
        #expect(follower.status.applied <= appliedBefore)
        cluster.network.deliverAppends()
        #expect(try await write.value == .written(version: 1))
        let seen = try await follower.staleRead { ($0 as! RegisterStore).get("k").map { String(decoding: $0.value, as: UTF8.self) } }
        #expect(seen == "v")
        #expect(follower.status.answersAwaitingApplyTotal == 1)
    }

    /// A follower that does not catch up before the proposal deadline answers then anyway:
    /// the write is in, only that node's view of it is late.
    @Test func aForwardedWriteIsAnsweredAtTheDeadlineWhenTheFollowerStaysBehind() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        cluster.configure = { $0.proposalTimeoutMilliseconds = 400 }
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let followerID = [1, 2, 3].first { $0 != leader }!
        cluster.network.loseAppends(to: followerID)
        #expect(try await cluster.put("k", "v", via: followerID) == .written(version: 1))
        #expect(try await cluster.read("k", via: leader) == "v")
        let seen = try await cluster.replicas[followerID]!.staleRead { ($0 as! RegisterStore).get("k") }
        #expect(seen == nil)
    }

    @Test func compareAndSetRejectsAStaleVersion() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let replica = cluster.replicas[leader]!
        let first = try await replica.propose(RegisterStore.encode(.compareAndSet(key: "k", expectedVersion: 0, value: [1])))
        #expect(try RegisterStore.decodeOutcome(first) == .written(version: 1))
        let stale = try await replica.propose(RegisterStore.encode(.compareAndSet(key: "k", expectedVersion: 0, value: [2])))
        #expect(try RegisterStore.decodeOutcome(stale) == .conflict(currentVersion: 1))
    }

    @Test func restartedNodeKeepsItsStateAndCatchesUp() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        for value in 0..<50 { _ = try await cluster.put("k\(value)", "\(value)", via: leader) }
        let victim = [1, 2, 3].first { $0 != leader }!
        cluster.stop(victim)
        // A clean stop flushed the memtables: the next start has no write-ahead log to replay.
        #expect(try newestWriteAheadLogBytes(in: cluster.directory.appendingPathComponent("n\(victim)").path) == 0)
        for value in 50..<100 { _ = try await cluster.put("k\(value)", "\(value)", via: leader) }
        try cluster.start(victim)
        let applied = cluster.replicas[leader]!.status.applied
        _ = try await cluster.waitFor { cluster.replicas[victim]!.status.applied >= applied ? true : nil }
        #expect(try await cluster.read("k99", via: victim) == "99")
        let count = try await cluster.replicas[victim]!.staleRead { ($0 as! RegisterStore).count }
        #expect(count == 100)
    }

    @Test func newNodeJoinsBySnapshotAndIsPromoted() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        cluster.configure = { config in
            config.snapshotEntriesInterval = 20
            config.compactionLagEntries = 5
        }
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        for value in 0..<100 { _ = try await cluster.put("k\(value)", "\(value)", via: leader) }
        try cluster.start(4, bootstrap: .join)
        try await cluster.replicas[leader]!.addLearner(4, addresses: LocalCluster.addresses(4))
        _ = try await cluster.waitFor {
            cluster.replicas[leader]!.status.confState.isVoter(4) ? true : nil
        }
        #expect(cluster.replicas[4]!.status.snapshotsInstalledTotal >= 1)
        #expect(try await cluster.read("k42", via: 4) == "42")
        #expect(cluster.replicas[4]!.status.directory.members.count == 4)
    }

    /// Starts a 3-node `cluster` and removes one follower through the leader.
    private func removeAFollower(of cluster: LocalCluster) async throws -> (leader: NodeID, removed: NodeID) {
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let removed = [1, 2, 3].first { $0 != leader }!
        try await cluster.replicas[leader]!.removeMember(removed)
        return (leader, removed)
    }

    @Test func removedMemberLeavesAndTheRestKeepWorking() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        let (leader, removed) = try await removeAFollower(of: cluster)
        cluster.stop(removed)
        #expect(try await cluster.put("after", "removal", via: leader) == .written(version: 1))
        #expect(cluster.replicas[leader]!.status.confState.voters.count == 2)
        #expect(cluster.replicas[leader]!.status.directory.members[removed] == nil)
    }

    /// A removed node that learns it (from a member's farewell, or by applying its removal)
    /// refuses writes and linearizable reads at once and is not ready; the members remember it.
    @Test func aNodeToldItWasRemovedRefusesWritesAndReads() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        let (leader, removed) = try await removeAFollower(of: cluster)
        let remembered = try await cluster.waitFor(timeoutSeconds: 5) {
            cluster.replicas[leader]!.status.directory.removed.isEmpty ? nil : cluster.replicas[leader]!.status.directory.removed
        }
        #expect(remembered == [removed])
        let node = cluster.replicas[removed]!
        node.learnRemoval(from: leader)
        let write = await Self.failure { () async throws(ReplicaError) in
            _ = try await node.proposeForAnswer(RegisterStore.encode(.put(key: "k", value: Array("v".utf8))))
        }
        #expect(write == .removed)
        let read = await Self.failure { () async throws(ReplicaError) in _ = try await node.read { _ in 0 } }
        #expect(read == .removed)
        #expect(try await cluster.waitFor(timeoutSeconds: 5) { node.status.isRemoved ? true : nil } == true)
        #expect(!node.status.isReady)
        // Added again under its old id, it is a member once more when it applies its addition.
        try await cluster.replicas[leader]!.addLearner(removed, addresses: LocalCluster.addresses(removed))
        #expect(try await cluster.waitFor(timeoutSeconds: 10) { node.status.isRemoved ? nil : true } == true)
        #expect(try await cluster.waitFor(timeoutSeconds: 10) { cluster.replicas[leader]!.status.directory.removed.isEmpty ? true : nil } == true)
        #expect(try await cluster.put("again", "member", via: removed) == .written(version: 1))
    }

    /// A leader asked to remove itself hands leadership over first and points at the new
    /// leader, which removes it as a follower: writes go on without an election timeout.
    @Test func leaderAskedToRemoveItselfHandsOverFirst() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let oldLeader = cluster.replicas[leader]!
        let refusal = await Self.failure { () async throws(ReplicaError) in try await oldLeader.removeMember(leader) }
        guard case .notLeader(let successor)? = refusal else {
            Issue.record("removing the leader through itself answered \(String(describing: refusal))")
            return
        }
        #expect(successor != noNode && successor != leader)
        #expect(cluster.replicas[leader]!.status.confState.isVoter(leader))
        try await cluster.replicas[successor]!.removeMember(leader)
        cluster.stop(leader)
        #expect(try await cluster.put("after", "removal", via: successor) == .written(version: 1))
        #expect(cluster.replicas[successor]!.status.confState.voters == [1, 2, 3].filter { $0 != leader })
    }

    private static func failure(_ body: () async throws(ReplicaError) -> Void) async -> ReplicaError? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    @Test func leadershipTransfersOnRequest() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let target = [1, 2, 3].first { $0 != leader }!
        try await cluster.replicas[leader]!.transferLeader(to: target)
        let newLeader = try await cluster.waitFor {
            cluster.replicas[target]!.status.role == .leader ? target : nil
        }
        #expect(newLeader == target)
        #expect(try await cluster.put("x", "y", via: leader) == .written(version: 1))
    }

    @Test func leaderLossElectsAnotherAndKeepsAcknowledgedWrites() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        for value in 0..<20 { _ = try await cluster.put("k\(value)", "\(value)", via: leader) }
        cluster.stop(leader)
        let survivor = [1, 2, 3].first { $0 != leader }!
        let newLeader = try await cluster.waitForLeader()
        #expect(newLeader != leader)
        for value in 0..<20 {
            #expect(try await cluster.read("k\(value)", via: survivor) == "\(value)")
        }
    }

    /// A started cluster whose leader loses what a follower forwards to it; each of `writes`
    /// (key, value, retryable) goes from the follower as a task, registered when this returns.
    private func forwardsLostByTheLeader(
        _ writes: [(key: String, value: String, retryable: Bool)]
    ) async throws -> (cluster: LocalCluster, leader: NodeID, follower: NodeID, writes: [Task<RegisterStore.Outcome, any Error>]) {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        cluster.configure = { $0.proposalTimeoutMilliseconds = 4_000 }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let follower = [1, 2, 3].first { $0 != leader }!
        let replica = cluster.replicas[follower]!
        cluster.network.dropsForwards.withLock { $0 = true }
        let tasks = writes.map { write in
            Task { try await replica.put(write.key, write.value, retryable: write.retryable) }
        }
        _ = try await cluster.waitFor { replica.status.proposalsTotal >= UInt64(writes.count) ? true : nil }
        cluster.network.dropsForwards.withLock { $0 = false }
        return (cluster, leader, follower, tasks)
    }

    /// A follower forwards two writes to a leader that dies before answering. The retryable
    /// one goes to the next leader once the follower knows it and succeeds; the other, whose
    /// outcome the follower cannot know, times out.
    @Test func aRetryableWriteForwardedToALeaderThatDiesGoesToTheNextLeader() async throws {
        let (cluster, leader, follower, writes) = try await forwardsLostByTheLeader([("a", "1", true), ("b", "2", false)])
        defer { cluster.shutdown() }
        cluster.stop(leader)
        #expect(try await writes[0].value == .written(version: 1))
        await #expect(throws: ReplicaError.timedOut) { try await writes[1].value }
        #expect(try await cluster.read("a", via: follower) == "1")
        #expect(try await cluster.read("b", via: follower) == nil)
    }

    /// The same when the leadership passes to the follower itself: it proposes the retryable
    /// write as the new leader.
    @Test func aRetryableWriteForwardedToALeaderThatHandsOverIsProposedByTheNewLeader() async throws {
        let (cluster, leader, follower, writes) = try await forwardsLostByTheLeader([("a", "1", true)])
        defer { cluster.shutdown() }
        try await cluster.replicas[leader]!.transferLeader(to: follower)
        _ = try await cluster.waitFor { cluster.replicas[follower]!.status.role == .leader ? true : nil }
        #expect(try await writes[0].value == .written(version: 1))
        #expect(try await cluster.read("a", via: leader) == "1")
    }

    /// A follower whose view of the leader is behind forwards two writes to the former
    /// leader, which refuses both, naming the new one. The retryable write waits and goes to
    /// the new leader once the follower hears from it; the other fails with the refusal.
    @Test func aRetryableWriteRefusedByAFormerLeaderGoesToTheNewOne() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let follower = [1, 2, 3].first { $0 != leader }!
        let next = [1, 2, 3].first { $0 != leader && $0 != follower }!
        let replica = cluster.replicas[follower]!
        cluster.network.cut(from: next, to: follower)
        try await cluster.replicas[leader]!.transferLeader(to: next)
        _ = try await cluster.waitFor { cluster.replicas[leader]!.status.leader == next ? true : nil }
        try #require(replica.status.leader == leader, "the follower has not heard of the new leader yet")
        await #expect(throws: ReplicaError.notLeader(leaderHint: next)) { try await replica.put("b", "2") }
        let retryable = Task { try await replica.put("a", "1", retryable: true) }
        try await Task.sleep(nanoseconds: 200_000_000)
        cluster.network.heal()
        #expect(try await retryable.value == .written(version: 1))
        #expect(try await cluster.read("a", via: leader) == "1")
    }

    /// A follower that knows no leader refuses a write at once, except a retryable one, which
    /// waits for the next leader (here, until the election that the cut-off node makes
    /// possible again) and succeeds.
    @Test func aRetryableWriteWaitsForALeaderWhereAnotherFailsAtOnce() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        cluster.configure = { $0.proposalTimeoutMilliseconds = 10_000 }
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let follower = [1, 2, 3].first { $0 != leader }!
        let other = [1, 2, 3].first { $0 != leader && $0 != follower }!
        let replica = cluster.replicas[follower]!
        cluster.network.isolate(other)
        cluster.stop(leader)
        _ = try await cluster.waitFor { replica.status.leader == noNode ? true : nil }
        await #expect(throws: ReplicaError.notLeader(leaderHint: noNode)) { try await replica.put("b", "2") }
        let retryable = Task { try await replica.put("a", "1", retryable: true) }
        try await Task.sleep(nanoseconds: 300_000_000)
        cluster.network.heal()
        #expect(try await retryable.value == .written(version: 1))
        #expect(try await cluster.read("a", via: other) == "1")
    }

    /// A started cluster whose leader, cut off from the others, takes `writes` (key, value,
    /// retryable) that it cannot commit, while the others elect a leader of their own.
    private func writesAtALeaderCutOff(
        _ writes: [(key: String, value: String, retryable: Bool)]
    ) async throws -> (cluster: LocalCluster, leader: NodeID, writes: [Task<RegisterStore.Outcome, any Error>]) {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        cluster.configure = { $0.proposalTimeoutMilliseconds = 10_000 }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let replica = cluster.replicas[leader]!
        let followers = [1, 2, 3].filter { $0 != leader }
        // The followers lose the appends but keep answering heartbeats, so the leader still
        // leads when it appends the writes; only then is it cut off.
        for follower in followers { cluster.network.loseAppends(to: follower) }
        var tasks: [Task<RegisterStore.Outcome, any Error>] = []
        for write in writes {
            // One at a time, so that the entries follow the order of `writes`.
            let appended = replica.status.lastIndex + 1
            tasks.append(Task { try await replica.put(write.key, write.value, retryable: write.retryable) })
            _ = try await cluster.waitFor { replica.status.lastIndex >= appended ? true : nil }
        }
        cluster.network.isolate(leader)
        cluster.network.deliverAppends()
        _ = try await cluster.waitFor { followers.first { cluster.replicas[$0]!.status.role == .leader } }
        return (cluster, leader, tasks)
    }

    /// A leader cut off from the others takes two writes it cannot commit, then loses its
    /// leadership. Once it hears from the leader the others elected, whose log replaces
    /// both entries and ends before the second (nothing else is written), the retryable
    /// second write goes on to that leader at once and is applied there once; the first
    /// fails as dropped (not applied) when the new leader's entry at its index is.
    @Test func aRetryableWriteAtALeaderThatLosesItsLeadershipGoesToTheNextLeader() async throws {
        let (cluster, leader, writes) = try await writesAtALeaderCutOff([("b", "2", false), ("a", "1", true)])
        defer { cluster.shutdown() }
        let replica = cluster.replicas[leader]!
        let other = [1, 2, 3].first { $0 != leader }!
        _ = try await cluster.waitFor { replica.status.role != .leader ? true : nil }
        #expect(replica.status.proposalsRequeuedTotal == 0, "requeued only once its entry is known replaced")
        cluster.network.heal()
        #expect(try await writes[1].value == .written(version: 1))
        await #expect(throws: ReplicaError.dropped) { try await writes[0].value }
        #expect(replica.status.proposalsRequeuedTotal == 1)
        #expect(try await cluster.read("a", via: other) == "1")
        #expect(try await cluster.read("b", via: other) == nil)
    }

    /// Raft's Figure 8, in the waiters of a node: with five voters, a write whose entry its
    /// leader lost to another leader's log, and whose index that node reused when it led
    /// again, can still be committed by a third leader that holds it. Its proposer must not
    /// answer it as dropped when its index is reused, only when the entry committed there is
    /// applied: here it is the write itself.
    @Test func aPlainWriteWhoseIndexItsLeaderReusesIsAnsweredByTheEntryCommittedThere() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3, 4, 5])
        cluster.configure = { $0.proposalTimeoutMilliseconds = 30_000 }
        defer { cluster.shutdown() }
        try cluster.startAll()
        let first = try await cluster.waitForLeader()
        let replica = cluster.replicas[first]!
        let holder = [1, 2, 3, 4, 5].first { $0 != first }!
        let rest = [1, 2, 3, 4, 5].filter { $0 != first && $0 != holder }
        // Three writes that only `holder` receives, the last one at `index`.
        for node in rest { cluster.network.loseAppends(to: node) }
        var writes: [Task<RegisterStore.Outcome, any Error>] = []
        for (key, value) in [("x", "1"), ("y", "2"), ("w", "3")] {
            let appended = replica.status.lastIndex + 1
            writes.append(Task { try await replica.put(key, value) })
            _ = try await cluster.waitFor { replica.status.lastIndex >= appended ? true : nil }
        }
        let index = replica.status.lastIndex
        _ = try await cluster.waitFor { cluster.replicas[holder]!.status.lastIndex >= index ? true : nil }
        // The three others elect a leader whose only new entry (its empty one, at the first
        // write's index) reaches nobody; `first` takes its log, which ends there.
        cluster.network.isolate(first)
        cluster.network.isolate(holder)
        let second = try await cluster.waitFor { rest.first { cluster.replicas[$0]!.status.role == .leader } }
        cluster.network.rejoin(first)
        _ = try await cluster.waitFor {
            replica.status.leader == second && replica.status.lastIndex == index - 2 ? true : nil
        }
        // Handed the leadership back, `first` appends its empty entry and then a new write at
        // `index`, reaching nobody either.
        try await cluster.replicas[second]!.transferLeader(to: first)
        _ = try await cluster.waitFor { replica.status.role == .leader && replica.status.lastIndex >= index - 1 ? true : nil }
        let reusing = Task { try await replica.put("p", "4") }
        _ = try await cluster.waitFor { replica.status.lastIndex >= index ? true : nil }
        // `holder`, whose log is the longest of the three that can reach each other now, is
        // elected and commits the three writes.
        cluster.network.isolate(first)
        cluster.network.isolate(second)
        cluster.network.rejoin(holder)
        cluster.network.deliverAppends()
        _ = try await cluster.waitFor {
            cluster.replicas[holder]!.status.role == .leader && cluster.replicas[holder]!.status.commit > index ? true : nil
        }
        cluster.network.heal()
        for write in writes { #expect(try await write.value == .written(version: 1)) }
        await #expect(throws: ReplicaError.dropped) { try await reusing.value }
        for (key, value) in [("x", "1"), ("y", "2"), ("w", "3")] {
            #expect(try await cluster.read(key, via: first) == value)
        }
        #expect(try await cluster.read("p", via: holder) == nil)
    }

    /// A started cluster whose leader is handing over to a node it cannot reach (the target
    /// never hears that it may start) and holds three writes made meanwhile: a retryable one
    /// and another made at the leader, and a retryable one the third node forwarded to it.
    /// `lagging`: the target first misses a write, so the leader waits for it to catch up
    /// before telling it to start.
    private func writesHeldThroughAHandover(lagging: Bool) async throws
        -> (cluster: LocalCluster, leader: NodeID, target: NodeID, writes: [Task<RegisterStore.Outcome, any Error>])
    {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        cluster.configure = {
            $0.proposalTimeoutMilliseconds = 15_000
            $0.electionTimeoutTicks = 250
        }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let replica = cluster.replicas[leader]!
        let target = [1, 2, 3].first { $0 != leader }!
        cluster.network.cut(from: leader, to: target)
        if lagging { _ = try await cluster.put("before", "0", via: leader) }
        try await replica.transferLeader(to: target)
        let third = cluster.replicas[[1, 2, 3].first { $0 != leader && $0 != target }!]!
        let writes = [
            Task { try await replica.put("a", "1", retryable: true) }, Task { try await replica.put("b", "2") },
            Task { try await third.put("c", "3", retryable: true) },
        ]
        _ = try await cluster.waitFor { replica.status.proposalsHeldTotal >= 3 ? true : nil }
        return (cluster, leader, target, writes)
    }

    /// While a handover is under way the leader appends no proposal; it holds them. Here the
    /// handover is given up (an election timeout), and the leader proposes all three.
    @Test func writesHeldThroughAHandoverThatIsGivenUpAreProposedAfterIt() async throws {
        let (cluster, leader, target, writes) = try await writesHeldThroughAHandover(lagging: false)
        defer { cluster.shutdown() }
        cluster.network.heal()
        for write in writes { #expect(try await write.value == .written(version: 1)) }
        #expect(cluster.replicas[leader]!.status.role == .leader)
        try await expectHeldWritesApplied(in: cluster, via: target)
    }

    private func expectHeldWritesApplied(in cluster: LocalCluster, via node: NodeID) async throws {
        for (key, value) in [("a", "1"), ("b", "2"), ("c", "3")] {
            #expect(try await cluster.read(key, via: node) == value)
        }
    }

    /// Here the target catches up once the link heals and takes over. None of the held
    /// writes was appended, so each goes on to the new leader and is applied once: the two
    /// made at the former leader from there (the retryable one through the forward table's
    /// retries), the forwarded one from the third node, which the former leader refuses as
    /// not leading.
    @Test func writesHeldThroughAHandoverThatMovesTheLeadershipGoOnToTheNewLeader() async throws {
        let (cluster, leader, target, writes) = try await writesHeldThroughAHandover(lagging: true)
        defer { cluster.shutdown() }
        cluster.network.heal()
        for write in writes { #expect(try await write.value == .written(version: 1)) }
        #expect(cluster.replicas[target]!.status.role == .leader)
        #expect(cluster.replicas[leader]!.status.proposalsRequeuedTotal == 1)
        try await expectHeldWritesApplied(in: cluster, via: target)
    }

    /// With lease reads, the leader answers reads from its state after one heartbeat round,
    /// until the lease runs out; without them every read has its round. Cut off, a former
    /// leader's lease has run out before the others can elect a leader and write.
    @Test(arguments: [true, false])
    func leaseReadsAtTheLeader(leaseReads: Bool) async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        cluster.configure = {
            $0.leaseReads = leaseReads
            // A lease of 864 ms: twenty reads fit in it even on a busy machine.
            $0.electionTimeoutTicks = 50
            $0.proposalTimeoutMilliseconds = 3_000
        }
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        _ = try await cluster.put("k", "v1", via: leader)
        for _ in 0..<20 { #expect(try await cluster.read("k", via: leader) == "v1") }
        let byLease = cluster.replicas[leader]!.status.readsByLeaseTotal
        #expect(leaseReads ? byLease >= 10 : byLease == 0, "\(byLease) reads by lease")
        // Steady reads over three leases' time find it renewed before it runs out. (The
        // status is published after each turn: the pauses let it catch up.)
        try await Task.sleep(nanoseconds: 100_000_000)
        let before = cluster.replicas[leader]!.status
        let started = ContinuousClock.now
        var steady: UInt64 = 0
        while ContinuousClock.now - started < .milliseconds(2_600) {
            #expect(try await cluster.read("k", via: leader) == "v1")
            steady += 1
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        try await Task.sleep(nanoseconds: 100_000_000)
        let after = cluster.replicas[leader]!.status
        let steadyByLease = after.readsByLeaseTotal - before.readsByLeaseTotal
        #expect(after.readsTotal - before.readsTotal == steady)
        #expect(steadyByLease == (leaseReads ? steady : 0), "\(steadyByLease) of \(steady)")
        // A follower's reads still ask the leader, which answers them under its lease; here
        // the leader's own lease has run out first, and the round of the follower's first read
        // gives it a new one.
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let others = [1, 2, 3].filter { $0 != leader }
        for _ in 0..<10 { #expect(try await cluster.read("k", via: others[0]) == "v1") }
        let followersByLease = cluster.replicas[leader]!.status.readsByLeaseTotal - after.readsByLeaseTotal
        #expect(leaseReads ? followersByLease >= 5 : followersByLease == 0, "\(followersByLease) follower reads by lease")
        cluster.network.isolate(leader)
        let next = try await cluster.waitFor { others.first { cluster.replicas[$0]!.status.role == .leader } }
        _ = try await cluster.put("k", "v2", via: next)
        do {
            #expect(try await cluster.read("k", via: leader) == "v2")
        } catch {
            // Refused or timed out: it could not confirm a leadership it no longer has.
        }
        cluster.network.heal()
    }

    @Test func isolatedFollowerCannotServeLinearizableReads() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        cluster.configure = { $0.proposalTimeoutMilliseconds = 300 }
        defer { cluster.shutdown() }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let follower = [1, 2, 3].first { $0 != leader }!
        _ = try await cluster.put("k", "v1", via: leader)
        cluster.network.isolate(follower)
        _ = try await cluster.put("k", "v2", via: leader)
        await #expect(throws: ReplicaError.self) { try await cluster.read("k", via: follower) }
        cluster.network.heal()
    }
}

@Suite struct ReplicaLifecycleTests {
    @Test func requestsAfterStopFailInsteadOfHanging() async throws {
        let cluster = try LocalCluster(nodes: [1])
        defer { cluster.shutdown() }
        try cluster.startAll()
        _ = try await cluster.waitForLeader()
        let replica = cluster.replicas[1]!
        replica.stop()
        replica.stop()
        await #expect(throws: ReplicaError.stopped) {
            _ = try await replica.propose(RegisterStore.encode(.put(key: "k", value: [1])))
        }
        await #expect(throws: ReplicaError.self) {
            _ = try await replica.read { _ in 0 }
        }
    }

}

/// The size of the write-ahead log RocksDB writes to now (the highest-numbered `.log`).
func newestWriteAheadLogBytes(in path: String) throws -> Int {
    let logs = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".log") }
    let newest = try #require(logs.max { Int($0.dropLast(4)) ?? 0 < Int($1.dropLast(4)) ?? 0 })
    let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + newest)
    return (attributes[.size] as? NSNumber)?.intValue ?? -1
}
