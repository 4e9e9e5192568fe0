import RaftCore

/// A message on the wire, with the incarnation of the process that sent it (so transport
/// feedback is only given to the process that really sent the message).
struct Envelope {
    var message: Message
    var senderIncarnation: UInt64
    /// Whether the message may overtake earlier ones on its link. Others keep the link's
    /// order, as a TCP stream does: a transport that reordered everything would not be real.
    var mayOvertake: Bool
}

/// A directed link between two nodes.
struct Link: Hashable {
    var from: NodeID
    var to: NodeID
}

/// The wire: messages that may be delivered now, messages held back until a later tick, and
/// the links that are cut. Messages on different links interleave in any order; on one link
/// they arrive in order unless marked to overtake (or held back, which reorders them too).
struct SimulatedNetwork {
    /// Messages deliverable now, in the order they became deliverable.
    private(set) var due: [Envelope] = []
    /// Messages held back, by the tick at which they become deliverable. Only looked up by
    /// key, never iterated, so its order cannot leak into a run.
    private var delayed: [Int: [Envelope]] = [:]
    private(set) var delayedCount = 0
    /// Cut links, each with the tick at which it mends: a message on a cut link is lost when
    /// it would be delivered. Only looked up and filtered, never iterated in order.
    private(set) var cutLinks: [Link: Int] = [:]

    /// Messages the wire holds at most; more are lost, like a full socket buffer.
    static let inFlightMessagesMax = 20_000

    var inFlightCount: Int { due.count + delayedCount }

    /// Puts `envelope` on the wire, deliverable after `delayTicks`. Returns false if the wire is full.
    mutating func enqueue(_ envelope: Envelope, delayTicks: Int, now: Int) -> Bool {
        guard inFlightCount < Self.inFlightMessagesMax else { return false }
        if delayTicks == 0 {
            due.append(envelope)
        } else {
            delayed[now + delayTicks, default: []].append(envelope)
            delayedCount += 1
        }
        return true
    }

    /// Makes the messages held for `tick` deliverable.
    mutating func release(tick: Int) {
        guard let batch = delayed.removeValue(forKey: tick) else { return }
        delayedCount -= batch.count
        due.append(contentsOf: batch)
    }

    /// Takes a deliverable message chosen by `position`: the one there if it may overtake,
    /// else the oldest in-order message on its link.
    mutating func takeDue(at position: Int) -> Envelope {
        let chosen = due[position]
        guard !chosen.mayOvertake else { return due.remove(at: position) }
        let first = due.firstIndex { envelope in
            !envelope.mayOvertake && envelope.message.from == chosen.message.from
                && envelope.message.to == chosen.message.to
        }
        return due.remove(at: first ?? position)
    }

    func isCut(from: NodeID, to: NodeID) -> Bool {
        !cutLinks.isEmpty && cutLinks[Link(from: from, to: to)] != nil
    }

    /// Cuts `link` until `healTick` (a link cut twice mends at the later time).
    mutating func cut(_ link: Link, until healTick: Int) {
        cutLinks[link] = max(cutLinks[link] ?? 0, healTick)
    }

    /// Mends the links whose time has come; returns whether any did.
    mutating func mendLinks(at tick: Int) -> Bool {
        let before = cutLinks.count
        cutLinks = cutLinks.filter { $0.value > tick }
        return cutLinks.count != before
    }

    mutating func healAll() {
        cutLinks = [:]
    }
}
