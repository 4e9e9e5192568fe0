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

    @Test func onlyALeaderThatCommittedInItsTermAndAskedNoOneToCampaignMayServeLeaseReads() throws {
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
