import RaftCore

/// Sending and delivering messages, with the transport feedback a real one would give.
extension Simulation {
    /// Puts a message from the node at `position` on the wire, subject to loss, duplication
    /// and delay.
    mutating func send(_ message: Message, from position: Int) {
        let envelope = Envelope(
            message: message, senderIncarnation: nodes[position].incarnation,
            mayOvertake: random.chance(reorderRate))
        if random.chance(dropRate) {
            stats.dropped += 1
            trace("drop \(describe(message)) lost")
            return
        }
        let copies = random.chance(duplicateRate) ? 2 : 1
        if copies == 2 { stats.duplicated += 1 }
        for _ in 0..<copies {
            let delayTicks = settings.deliveryDelayTicksMax > 0 && random.chance(delayRate)
                ? random.value(in: 1...settings.deliveryDelayTicksMax) : 0
            if !network.enqueue(envelope, delayTicks: delayTicks, now: now) {
                stats.dropped += 1
                trace("drop \(describe(message)) wire full")
            }
        }
    }

    /// Delivers a message, or loses it if its target is down or the link is cut.
    mutating func deliver(_ envelope: Envelope) throws(Violation) {
        let message = envelope.message
        if let target = position(of: message.to), let resumeTick = nodes[target].pausedUntilTick {
            // A frozen process does not read its socket: the message waits in the buffer.
            if !network.enqueue(envelope, delayTicks: max(1, resumeTick - now), now: now) {
                stats.dropped += 1
                trace("drop \(describe(message)) wire full")
            }
            return
        }
        guard let target = position(of: message.to), nodes[target].isRunning,
            !network.isCut(from: message.from, to: message.to)
        else {
            stats.dropped += 1
            trace("drop \(describe(message)) unreachable")
            try reportLoss(of: envelope)
            return
        }
        stats.delivered += 1
        trace("deliver \(describe(message))")
        nodes[target].raft?.step(message)
        nodes[target].touched()
        try observe(target)
        if message.kind == .snapshot && random.chance(settings.reportRate) {
            try feedback(to: envelope) { raft in raft.reportSnapshot(to: message.to, failed: false) }
        }
    }

    /// Tells the sender its message could not be delivered — but not always, so that RaftCore's
    /// own timeouts must cope too.
    private mutating func reportLoss(of envelope: Envelope) throws(Violation) {
        guard random.chance(settings.reportRate) else { return }
        let message = envelope.message
        try feedback(to: envelope) { raft in
            raft.reportUnreachable(message.to)
            if message.kind == .snapshot {
                raft.reportSnapshot(to: message.to, failed: true)
            }
        }
    }

    /// Runs `report` on the sender of `envelope` if the same process is still running.
    private mutating func feedback(to envelope: Envelope, _ report: (inout RaftNode) -> Void)
        throws(Violation)
    {
        guard let sender = position(of: envelope.message.from),
            nodes[sender].incarnation == envelope.senderIncarnation,
            nodes[sender].isActive
        else { return }
        report(&nodes[sender].raft!)
        nodes[sender].touched()
        try observe(sender)
    }

    func describe(_ message: Message) -> String {
        var text = "\(message.kind) \(message.from)->\(message.to) term \(message.term)"
        switch message.kind {
        case .append:
            text += " after \(message.index)/\(message.logTerm) entries \(message.entries.count) commit \(message.commit)"
        case .appendResponse:
            text += " index \(message.index)\(message.reject ? " reject hint \(message.rejectHint)" : "")"
        case .vote, .preVote:
            text += " last \(message.index)/\(message.logTerm)"
        case .voteResponse, .preVoteResponse:
            text += message.reject ? " reject" : " grant"
        case .snapshot:
            text += " at \(message.snapshot?.metadata.index ?? 0)"
        case .heartbeat:
            text += " commit \(message.commit)"
        case .readIndexResponse:
            text += " index \(message.index)"
        case .heartbeatResponse, .timeoutNow, .readIndex:
            break
        }
        return text
    }
}
