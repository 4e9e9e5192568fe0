import Testing
@testable import ServiceDesk

@Suite struct SlotTests {
    private func apply(_ owners: [UInt64], _ moves: [SlotMove]) -> [UInt64] {
        var result = owners
        for move in moves { result[move.slot] = move.owner }
        return result
    }

    private func spread(_ owners: [UInt64], over nodes: Set<UInt64>) -> (min: Int, max: Int) {
        let counts = nodes.map { node in owners.filter { $0 == node }.count }
        return (counts.min()!, counts.max()!)
    }

    @Test func slotsOfIdsAreStableAndSpread() {
        #expect(SlotMap.slot(of: "conversation-1") == SlotMap.slot(of: "conversation-1"))
        let used = Set((0..<2_000).map { SlotMap.slot(of: "c\($0)") })
        #expect(used.count == SlotMap.slotCount)
        // Fixed values: a change of the hash would move every conversation's live work.
        #expect(SlotMap.slot(of: "") == Int(UInt64(0xCBF2_9CE4_8422_2325) % 64))
    }

    @Test func aFreshClusterGetsEverySlotBalanced() {
        let owners = apply(SlotMap().owners, SlotPlanner.plan(owners: SlotMap().owners, eligible: [1, 2, 3]))
        #expect(!owners.contains(0))
        let (low, high) = spread(owners, over: [1, 2, 3])
        #expect(high - low <= 1)
    }

    @Test(arguments: [2, 3, 4, 5, 7])
    func aJoiningNodeTakesOnlyItsShare(nodes: Int) {
        let before: Set<UInt64> = Set((1...UInt64(nodes)))
        let start = apply(SlotMap().owners, SlotPlanner.plan(owners: SlotMap().owners, eligible: before))
        let joined = before.union([99])
        let moves = SlotPlanner.plan(owners: start, eligible: joined)
        let after = apply(start, moves)
        let (low, high) = spread(after, over: joined)
        #expect(high - low <= 1)
        #expect(moves.allSatisfy { $0.owner == 99 }, "only the new node receives slots")
        #expect(moves.count == after.filter { $0 == 99 }.count)
        #expect(moves.count == SlotMap.slotCount / joined.count, "minimal movement")
    }

    @Test func aDeadNodesSlotsGoToSurvivorsAndNothingElseMoves() {
        let start = apply(SlotMap().owners, SlotPlanner.plan(owners: SlotMap().owners, eligible: [1, 2, 3]))
        let moves = SlotPlanner.plan(owners: start, eligible: [1, 3])
        #expect(Set(moves.map(\.slot)) == Set(start.indices.filter { start[$0] == 2 }))
        let after = apply(start, moves)
        let (low, high) = spread(after, over: [1, 3])
        #expect(!after.contains(2) && high - low <= 1)
        #expect(SlotPlanner.plan(owners: after, eligible: [1, 3]).isEmpty, "a balanced map stays put")
    }

    @Test func assigningRaisesEpochsAndStaleFencesAreRefused() throws {
        var harness = Harness.populated()
        harness.ok(.system, .assignSlots(AssignSlots(moves: [SlotMove(slot: 5, owner: 1), SlotMove(slot: 6, owner: 2)])))
        let map = harness.desk.slotMap
        #expect(map.owners[5] == 1 && map.epochs[5] == 1 && map.slots(ownedBy: 2) == [6])
        let id = (0..<1_000).map { "x\($0)" }.first { SlotMap.slot(of: $0) == 5 }!
        let fence = map.fence(for: 5)
        #expect(throws: Never.self) { try harness.desk.requireFence(fence, for: id) }
        harness.ok(.system, .assignSlots(AssignSlots(moves: [SlotMove(slot: 5, owner: 2)])))
        #expect(throws: CommandError.self) { try harness.desk.requireFence(fence, for: id) }
        #expect(throws: CommandError.self) { try harness.desk.requireFence(harness.desk.slotMap.fence(for: 6), for: id) }
    }

    @Test func onlyTheClusterOrAdminsMoveSlots() {
        var harness = Harness.populated()
        harness.rejects(Harness.supervisor, .assignSlots(AssignSlots(moves: [SlotMove(slot: 1, owner: 1)])), .forbidden)
        harness.rejects(.system, .assignSlots(AssignSlots(moves: [SlotMove(slot: 64, owner: 1)])), .invalid)
        harness.rejects(.system, .assignSlots(AssignSlots(moves: [SlotMove(slot: 1, owner: 0)])), .invalid)
        harness.rejects(Harness.supervisor, .setDraining(SetDraining(node: 1, draining: true)), .forbidden)
    }

    @Test func theSlotMapSurvivesSnapshotsAndRestarts() throws {
        var harness = Harness.populated()
        harness.ok(.system, .assignSlots(AssignSlots(moves: [SlotMove(slot: 3, owner: 7)])))
        harness.ok(.adminToken, .setDraining(SetDraining(node: 7, draining: true)))
        let restored = try Desk(snapshot: harness.desk.snapshotData())
        #expect(restored.slotMap == harness.desk.slotMap && restored.slotMap.draining == [7])
        #expect(try Desk(records: harness.desk.records()) == harness.desk)
    }
}
