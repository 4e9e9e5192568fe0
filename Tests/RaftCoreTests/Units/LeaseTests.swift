import Testing

@testable import RaftCore

/// What lease reads rely on in RaftCore (`Config.leaseReads`): voters that ignore campaigns
/// for an election timeout after they may have heard from the leader, restarts included, and
/// a leader that says when a lease may serve reads.
@Suite("Lease reads")
struct LeaseTests {
    private func harness(leaseReads: Bool) throws -> InteractionHarness {
        var harness = InteractionHarness()
        try run(
            """
            cluster voters=1,2,3 checkquorum=true prevote=true election=6 heartbeat=2 leasereads=\(leaseReads)
            campaign 1
            stabilize
            """, in: &harness)
        return harness
    }

    private func run(_ commands: String, in harness: inout InteractionHarness) throws {
        let file = try ScenarioFile(text: commands + "\n----\nok\n")
        let output = try harness.run(file.blocks[0])
        #expect(!output.contains { $0.hasPrefix("violation") }, "\(output)")
    }

    /// A voter restarted right after it heard from the leader may have renewed the leader's
    /// lease just before it stopped: with lease reads it ignores a campaign until an election
    /// timeout has passed since its start; without them it takes part at once.
    @Test(arguments: [true, false])
    func aRestartedVoterHonoursTheLeaseItMayHaveGranted(leaseReads: Bool) throws {
        var harness = try harness(leaseReads: leaseReads)
        try run(
            """
            crash 2
            restart 2
            campaign 3
            stabilize
            """, in: &harness)
        #expect(try harness.raft(1).role == (leaseReads ? .leader : .follower))
        #expect(try harness.raft(3).role == (leaseReads ? .preCandidate : .leader))
    }

    /// A follower that heard from the leader moments ago learns a higher term from something
    /// other than a campaign (here a stale answer from another node) and so forgets its leader
    /// and its election timer. With lease reads it still refuses that term's candidate its
    /// vote until an election timeout has passed since it last heard from the leader; without
    /// them (check-quorum alone) the vote is granted, as check-quorum only guards liveness.
    @Test(arguments: [true, false])
    func aFollowerKeepsTheLeaseThroughAHigherTermItLearnsOtherwise(leaseReads: Bool) throws {
        let harness = try harness(leaseReads: leaseReads)
        var follower = try harness.raft(2)
        let leaderTerm = follower.term
        let last = follower.log.lastIndex()
        follower.step(Message(kind: .appendResponse, from: 3, to: 2, term: leaderTerm + 1))
        #expect(follower.term == leaderTerm + 1 && follower.leader == noNode)
        follower.step(Message(kind: .vote, from: 3, to: 2, term: leaderTerm + 1, logTerm: leaderTerm, index: last))
        // A vote's answer leaves once the vote is stored.
        let answer = try #require(follower.persistedMessages.first { $0.kind == .voteResponse })
        #expect(answer.reject == leaseReads)
        // Once an election timeout has passed without the leader, the vote is given.
        for _ in 0..<6 { follower.tick() }
        follower.persistedMessages = []
        follower.step(Message(kind: .vote, from: 3, to: 2, term: leaderTerm + 1, logTerm: leaderTerm, index: last))
        #expect(follower.persistedMessages.first { $0.kind == .voteResponse }?.reject == false)
    }

    /// A follower's ReadIndex request reaching a leader whose caller says its lease holds is
    /// answered at once with the commit index; otherwise it waits for a heartbeat round.
    @Test(arguments: [true, false])
    func aLeaderUnderALeaseAnswersAFollowersReadIndexAtOnce(leaseHeld: Bool) throws {
        var leader = try harness(leaseReads: true).raft(1)
        leader.leaseHeld = leaseHeld
        leader.messages = []
        leader.step(Message(kind: .readIndex, from: 2, to: 1, term: leader.term, context: [7]))
        let answer = leader.messages.first { $0.kind == .readIndexResponse }
        #expect((answer?.index == leader.commitIndex) == leaseHeld)
        #expect(leader.messages.contains { $0.kind == .heartbeat } == !leaseHeld)
        #expect(leader.readsAnsweredByLease == (leaseHeld ? 1 : 0))
    }

    /// A round a quorum confirms reports the caller's stamp from when it began, whoever asked
    /// for the read; a new term forgets it.
    @Test func aConfirmedRoundReportsTheStampItBeganWith() throws {
        var harness = try harness(leaseReads: true)
        #expect(try harness.raft(1).leaseConfirmedStamp == 0)
        try harness.updateRaft(1) { $0.leaseStamp = 42 }
        try run(
            """
            read-index 2 follower-read
            stabilize
            """, in: &harness)
        try harness.updateRaft(1) { $0.leaseStamp = 99 }
        #expect(try harness.raft(1).leaseConfirmedStamp == 42)
        // Under the lease only a transfer moves the leadership.
        try run(
            """
            transfer-leader 1 to=2
            stabilize
            """, in: &harness)
        #expect(try harness.raft(2).role == .leader && harness.raft(2).leaseConfirmedStamp == 0)
        #expect(try harness.raft(1).leaseConfirmedStamp == 0)
    }

    @Test func onlyALeaderThatCommittedInItsTermAndAskedNoOneToCampaignMayServeLeaseReads() throws {
        // Elected, with its empty entry not yet acknowledged: its commit index may still lag
        // what an earlier leader committed.
        var electing = InteractionHarness()
        try run(
            """
            cluster voters=1,2,3 checkquorum=true election=6 heartbeat=2 leasereads=true
            campaign 1
            process-ready 1
            deliver to=2
            process-ready 2
            deliver to=1
            """, in: &electing)
        #expect(try electing.raft(1).role == .leader)
        #expect(try !electing.raft(1).mayServeLeaseReads)
        try run("stabilize", in: &electing)
        #expect(try electing.raft(1).mayServeLeaseReads)

        var harness = try harness(leaseReads: true)
        #expect(try harness.raft(1).mayServeLeaseReads)
        #expect(try !harness.raft(2).mayServeLeaseReads)
        // A transfer that never reaches its target: the leader still leads, but the target
        // could still campaign with a vote that ignores leases, so no lease until the term ends.
        try run(
            """
            partition 1 | 2,3
            transfer-leader 1 to=2
            stabilize
            """, in: &harness)
        #expect(try harness.raft(1).role == .leader)
        #expect(try !harness.raft(1).mayServeLeaseReads)
        #expect(try !self.harness(leaseReads: false).raft(1).mayServeLeaseReads)
    }
}
