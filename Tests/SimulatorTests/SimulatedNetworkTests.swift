import RaftCore
import Testing

@testable import Simulator

@Suite struct SimulatedNetworkTests {
    private func envelope(from: NodeID, to: NodeID, index: LogIndex, overtakes: Bool = false)
        -> Envelope
    {
        Envelope(
            message: Message(kind: .append, from: from, to: to, index: index),
            senderIncarnation: 1, mayOvertake: overtakes)
    }

    @Test func oneLinkDeliversInOrderUnlessAMessageMayOvertake() {
        var network = SimulatedNetwork()
        _ = network.enqueue(envelope(from: 1, to: 2, index: 1), delayTicks: 0, now: 0)
        _ = network.enqueue(envelope(from: 1, to: 2, index: 2), delayTicks: 0, now: 0)
        _ = network.enqueue(envelope(from: 1, to: 2, index: 3, overtakes: true), delayTicks: 0, now: 0)
        // Picking the second message of the link still delivers the first.
        #expect(network.takeDue(at: 1).message.index == 1)
        // The overtaking one goes when picked, ahead of the older one.
        #expect(network.takeDue(at: 1).message.index == 3)
        #expect(network.takeDue(at: 0).message.index == 2)
    }

    @Test func delayedMessagesArriveAtTheirTick() {
        var network = SimulatedNetwork()
        _ = network.enqueue(envelope(from: 1, to: 2, index: 1), delayTicks: 2, now: 5)
        network.release(tick: 6)
        #expect(network.due.isEmpty)
        network.release(tick: 7)
        #expect(network.due.count == 1)
        #expect(network.delayedCount == 0)
    }

    @Test func cutLinksMendAtTheirTick() {
        var network = SimulatedNetwork()
        network.cut(Link(from: 1, to: 2), until: 10)
        #expect(network.isCut(from: 1, to: 2))
        #expect(!network.isCut(from: 2, to: 1))
        let mendedEarly = network.mendLinks(at: 9)
        let mendedOnTime = network.mendLinks(at: 10)
        #expect(!mendedEarly)
        #expect(mendedOnTime)
        #expect(!network.isCut(from: 1, to: 2))
    }
}
