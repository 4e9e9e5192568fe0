import Foundation
import RaftCore
import Synchronization
import Testing

@testable import Replica

/// Proposals a follower forwards to its leader, and the leader's answers.
@Suite struct ForwardTableTests {
    /// Collects what each completion received.
    private final class Outcomes: Sendable {
        private let results = Mutex<[Int: Result<[UInt8], ReplicaError>]>([:])

        func completion(_ number: Int, retryable: Bool = false) -> Completion {
            Completion(
                deliver: { result in self.results.withLock { $0[number] = result.map { $0.encodedAnswer() } } },
                retryable: retryable)
        }

        subscript(number: Int) -> Result<[UInt8], ReplicaError>? { results.withLock { $0[number] } }
    }

    @Test func answersReachTheirProposalOnlyFromTheLeaderItWentTo() throws {
        let table = ForwardTable(pendingMax: 10)
        let outcomes = Outcomes()
        let first = try #require(table.register(outcomes.completion(1), leader: 2, deadline: 1_000, data: []))
        let second = try #require(table.register(outcomes.completion(2), leader: 2, deadline: 1_000, data: []))
        #expect(first != second)
        let applied = ForwardedAnswer(requestID: first, origin: 1, outcome: .applied(index: 9, answer: [7]))
        #expect(table.take(applied, from: 3).completion == nil, "an answer from another node is ignored")
        let taken = try #require(table.take(applied, from: 2).completion)
        // An applied answer is the caller's to deliver (once the entry is applied here).
        #expect(outcomes[1] == nil)
        taken.deliver(.success([7]))
        #expect(table.take(ForwardedAnswer(requestID: second, origin: 1, outcome: .failed(.dropped)), from: 2).completion == nil)
        #expect(outcomes[1] == .success([7]))
        #expect(outcomes[2] == .failure(.dropped), "a failure is delivered at once")
        #expect(table.take(applied, from: 2).completion == nil, "a second answer changes nothing")
        #expect(table.totals == (forwarded: 2, failed: 1))
    }

    /// A node that no longer leads refuses a forwarded proposal. A retryable one stays, to
    /// be sent to the next leader this node knows (not back to the node that refused it unless
    /// the leader changed); any other failure, and any other proposal, is delivered at once.
    @Test func aRetryableProposalRefusedByAFormerLeaderWaitsForAnotherOne() throws {
        let table = ForwardTable(pendingMax: 10)
        let outcomes = Outcomes()
        let keyed = try #require(table.register(outcomes.completion(1, retryable: true), leader: 2, deadline: 1_000, data: [1]))
        let unkeyed = try #require(table.register(outcomes.completion(2), leader: 2, deadline: 1_000, data: [2]))
        let late = try #require(table.register(outcomes.completion(3, retryable: true), leader: 2, deadline: 1_000, data: [3]))
        let refusal = ForwardedAnswer.Outcome.failed(.notLeader(leaderHint: 3))
        #expect(table.takeRefusals() == false)
        #expect(table.take(ForwardedAnswer(requestID: keyed, origin: 1, outcome: refusal), from: 2).isRefused)
        #expect(table.take(ForwardedAnswer(requestID: unkeyed, origin: 1, outcome: refusal), from: 2).completion == nil)
        #expect(table.take(ForwardedAnswer(requestID: late, origin: 1, outcome: .failed(.timedOut)), from: 2).completion == nil)
        #expect(outcomes[1] == nil, "the refused retryable proposal waits")
        #expect(outcomes[2] == .failure(.notLeader(leaderHint: 3)))
        #expect(outcomes[3] == .failure(.timedOut), "a timeout is not a refusal: the entry may still commit")
        #expect(table.takeRefusals() == true)
        #expect(table.takeRefusals() == false)
        #expect(table.redirect(to: 2, changed: false).isEmpty, "not back to the node that refused it")
        #expect(table.redirect(to: 3, changed: false).map(\.data) == [[1]])
        let applied = ForwardedAnswer(requestID: keyed, origin: 1, outcome: .applied(index: 5, answer: [9]))
        #expect(table.take(applied, from: 2).completion == nil, "only the node it went to last answers it")
        #expect(table.take(applied, from: 3).completion != nil)
    }

    /// A refused retryable proposal goes back to the node that refused it once that node is
    /// the leader this node learns of, and a node that leads now takes it to propose itself.
    @Test func aRefusedProposalGoesToTheRefuserOnceItLeadsOrIsTakenByThisNode() throws {
        let table = ForwardTable(pendingMax: 10)
        let outcomes = Outcomes()
        let first = try #require(table.register(outcomes.completion(1, retryable: true), leader: 2, deadline: 1_000, data: [1]))
        #expect(table.take(ForwardedAnswer(requestID: first, origin: 1, outcome: .failed(.dropped)), from: 2).isRefused)
        #expect(table.redirect(to: 2, changed: true).map(\.data) == [[1]])
        #expect(table.take(ForwardedAnswer(requestID: first, origin: 1, outcome: .failed(.stopped)), from: 2).isRefused)
        #expect(table.takeRetryable().map(\.data) == [[1]])
        #expect(table.redirect(to: 3, changed: true).isEmpty)
        #expect(outcomes[1] == nil)
    }

    @Test func proposalsAreForwardedOnlyByAFollowerThatKnowsItsLeader() {
        let table = ForwardTable(pendingMax: 1)
        #expect(table.leader == noNode, "nothing is forwarded before the Raft thread has run")
        table.publishLeader(role: .follower, leader: 3, of: 1)
        #expect(table.leader == 3)
        table.publishLeader(role: .follower, leader: noNode, of: 1)
        #expect(table.leader == noNode)
        table.publishLeader(role: .candidate, leader: 2, of: 1)
        #expect(table.leader == 2)
        table.publishLeader(role: .leader, leader: 1, of: 1)
        #expect(table.leader == noNode)
        table.publishLeader(role: .follower, leader: 1, of: 1)
        #expect(table.leader == noNode, "a node never forwards to itself")
    }

    @Test func theAppliedIndexIsWhatTheRaftThreadPublishedLast() {
        let table = ForwardTable(pendingMax: 1)
        #expect(table.applied == 0)
        table.publishApplied(41)
        table.publishApplied(42)
        #expect(table.applied == 42)
    }

    @Test func unansweredProposalsTimeOutInDeadlineOrder() throws {
        let table = ForwardTable(pendingMax: 10)
        let outcomes = Outcomes()
        let answered = try #require(table.register(outcomes.completion(1), leader: 2, deadline: 100, data: []))
        _ = table.register(outcomes.completion(2), leader: 2, deadline: 200, data: [])
        _ = table.register(outcomes.completion(3), leader: 2, deadline: 300, data: [])
        #expect(table.take(ForwardedAnswer(requestID: answered, origin: 1, outcome: .applied(index: 1, answer: [])), from: 2).completion != nil)
        table.expire(now: 200)
        #expect(outcomes[1] == nil, "an answered proposal does not expire")
        #expect(outcomes[2] == .failure(.timedOut))
        #expect(outcomes[3] == nil)
        table.expire(now: 300)
        #expect(outcomes[3] == .failure(.timedOut))
    }

    @Test func aFullTableRefusesAndAClosedOneFailsEverything() throws {
        let table = ForwardTable(pendingMax: 2)
        let outcomes = Outcomes()
        _ = table.register(outcomes.completion(1), leader: 2, deadline: 100, data: [])
        _ = table.register(outcomes.completion(2), leader: 2, deadline: 100, data: [])
        #expect(table.register(outcomes.completion(3), leader: 2, deadline: 100, data: []) == nil)
        #expect(outcomes[3] == .failure(.overloaded))
        table.close(failingWith: .stopped)
        #expect(outcomes[1] == .failure(.stopped) && outcomes[2] == .failure(.stopped))
        #expect(table.register(outcomes.completion(4), leader: 2, deadline: 100, data: []) == nil)
        #expect(outcomes[4] == .failure(.stopped))
    }

    /// Through real replicas: a follower forwards from the caller's thread; a leader that never
    /// answers makes the proposal time out, and stopping the follower fails what still waits.
    @Test(.timeLimit(.minutes(1))) func aFollowerForwardsAndFailsWhatItsLeaderNeverAnswers() async throws {
        let cluster = try LocalCluster(nodes: [1, 2, 3])
        defer { cluster.shutdown() }
        cluster.configure = { $0.proposalTimeoutMilliseconds = 300 }
        try cluster.startAll()
        let leader = try await cluster.waitForLeader()
        let follower = [1, 2, 3].first { $0 != leader }!
        let other = [1, 2, 3].first { $0 != leader && $0 != follower }!
        #expect(try await cluster.put("k", "1", via: follower) == .written(version: 1))

        cluster.network.dropsForwards.withLock { $0 = true }
        let failedBefore = cluster.replicas[follower]!.status.proposalsFailedTotal
        await #expect(throws: ReplicaError.timedOut) { try await cluster.put("k", "2", via: follower) }
        _ = try await cluster.waitFor { cluster.replicas[follower]!.status.proposalsFailedTotal > failedBefore ? true : nil }

        let stopping = cluster.replicas[other]!
        let waiting = Task { try await stopping.propose(RegisterStore.encode(.put(key: "k", value: [3]))) }
        try await Task.sleep(nanoseconds: 50_000_000)
        cluster.stop(other)
        await #expect(throws: ReplicaError.stopped) { try await waiting.value }
        cluster.network.dropsForwards.withLock { $0 = false }
        #expect(try await cluster.read("k", via: leader) == "1")
    }
}

extension ForwardTable.Taken {
    /// The completion an applied answer hands back, if that is what the answer was.
    var completion: Completion? {
        if case .applied(let completion) = self { completion } else { nil }
    }

    var isRefused: Bool {
        if case .refused = self { true } else { false }
    }
}
