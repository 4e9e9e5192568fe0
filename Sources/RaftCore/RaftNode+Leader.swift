extension RaftNode {
    mutating func stepLeader(_ message: Message) {
        switch message.kind {
        case .appendResponse:
            guard progress[message.from] != nil else { return }
            progress[message.from]?.recentActive = true
            if message.reject {
                handleAppendRejection(message)
            } else {
                handleAppendAcceptance(message)
            }
        case .heartbeatResponse:
            guard progress[message.from] != nil else { return }
            handleHeartbeatResponse(message)
        case .readIndex:
            handleReadIndex(from: message.from, context: message.context)
        default:
            break
        }
    }

    private mutating func handleAppendRejection(_ message: Message) {
        var hint = message.rejectHint
        if message.logTerm > 0 {
            hint = log.findConflictByTerm(index: message.rejectHint, term: message.logTerm).index
        }
        guard progress[message.from]!.maybeDecrease(rejected: message.index, matchHint: hint) else {
            return
        }
        if progress[message.from]!.state == .replicate {
            progress[message.from]!.becomeProbe()
        }
        _ = sendAppend(to: message.from)
    }

    private mutating func handleAppendAcceptance(_ message: Message) {
        let node = message.from
        let wasPaused = progress[node]!.isPaused
        let updated = progress[node]!.maybeUpdate(message.index)
        let probeMatched = progress[node]!.state == .probe && progress[node]!.match == message.index
        guard updated || probeMatched else { return }
        switch progress[node]!.state {
        case .probe:
            progress[node]!.becomeReplicate()
        case .snapshot:
            if progress[node]!.match + 1 >= log.firstIndex() {
                progress[node]!.becomeProbe()
                progress[node]!.becomeReplicate()
            }
        case .replicate:
            progress[node]!.inflights.freeLE(message.index)
        }
        if maybeCommit() {
            broadcastAppend()
        } else if wasPaused {
            _ = sendAppend(to: node)
        }
        // Keep the pipeline full: send what the window now allows.
        while sendAppend(to: node, sendIfEmpty: false) {}
        if node == leadTransferee && progress[node]!.match == log.lastIndex() {
            sendTimeoutNow(to: node)
        }
    }

    private mutating func handleHeartbeatResponse(_ message: Message) {
        let node = message.from
        progress[node]!.recentActive = true
        progress[node]!.probeSent = false
        // A full window with no acks means appends were lost: free one slot so that the next
        // append exposes the gap and the follower's rejection moves us back to probing.
        if progress[node]!.state == .replicate && progress[node]!.inflights.isFull {
            progress[node]!.inflights.freeFirst()
        }
        if progress[node]!.match < log.lastIndex() {
            _ = sendAppend(to: node)
        }
        guard !message.context.isEmpty,
            let acks = readIndexQueue.ack(from: node, context: message.context)
        else { return }
        let voterAcks = acks.filter { confState.isVoter($0) }.count
        if voterAcks >= quorum {
            releaseReads(through: message.context)
        }
    }

    /// Serves a ReadIndex request on the leader: the read index is the commit index, valid once
    /// a quorum confirms this node still leads (a heartbeat round carrying the context).
    mutating func handleReadIndex(from requester: NodeID, context: [UInt8]) {
        guard log.termOrZero(log.committed) == term else {
            // Until an entry of this term commits, the commit index may lag entries that an
            // earlier leader committed; the read waits for the first commit of the term.
            if readsAwaitingCommit.count < ReadIndexQueue.requestsMax {
                readsAwaitingCommit.append((requester, context))
            }
            return
        }
        if confState.voters.count == 1 || config.plantedFault == .readIndexWithoutQuorum {
            answerRead(to: requester, index: log.committed, context: context)
            return
        }
        // Under a lease no other leader can have been elected before this request arrived, so
        // every write acknowledged before it is in the commit index. The caller answers its own
        // reads under the lease itself; one it asks for here is a round to renew the lease.
        if leaseHeld && requester != id && mayServeLeaseReads {
            readsAnsweredByLease += 1
            answerRead(to: requester, index: log.committed, context: context)
            return
        }
        if readIndexQueue.add(from: requester, context: context, index: log.committed, leader: id, stamp: leaseStamp) {
            broadcastHeartbeat(context: context)
        }
    }

    private mutating func releaseReads(through context: [UInt8]) {
        for request in readIndexQueue.release(through: context) {
            leaseConfirmedStamp = max(leaseConfirmedStamp, request.stamp)
            answerRead(to: request.from, index: request.index, context: request.context)
        }
    }

    private mutating func answerRead(to requester: NodeID, index: LogIndex, context: [UInt8]) {
        if requester == id {
            readStates.append(ReadState(index: index, context: context))
        } else {
            send(Message(kind: .readIndexResponse, to: requester, index: index, context: context))
        }
    }

    /// Moves the commit index to the highest index stored on a quorum of voters, if that entry
    /// belongs to the current term. Returns whether the commit index moved.
    mutating func maybeCommit() -> Bool {
        let matches = confState.voters.map { progress[$0]?.match ?? 0 }.sorted(by: >)
        let quorumIndex = matches[quorum - 1]
        let committed: Bool
        if config.plantedFault == .commitPriorTermByCounting {
            committed = quorumIndex > log.committed && quorumIndex <= log.lastIndex()
            if committed { log.commitTo(quorumIndex) }
        } else {
            committed = log.maybeCommit(index: quorumIndex, term: term)
        }
        if committed && !readsAwaitingCommit.isEmpty && log.termOrZero(log.committed) == term {
            let waiting = readsAwaitingCommit
            readsAwaitingCommit = []
            for read in waiting { handleReadIndex(from: read.from, context: read.context) }
        }
        return committed
    }

    /// Appends entries to the leader's log, enforcing the uncommitted-bytes limit.
    mutating func appendEntries(_ entries: [Entry]) throws(RaftError) {
        let bytes = entries.reduce(0) { $0 + $1.data.count }
        // The first proposal is always let through so that a single large entry cannot wedge
        // a leader whose window is empty.
        if uncommittedBytes > 0 && uncommittedBytes + bytes > config.uncommittedBytesMax {
            throw .uncommittedBytesExceeded
        }
        uncommittedBytes += bytes
        log.append(entries)
        if config.plantedFault == .acknowledgeBeforePersist {
            _ = progress[id]?.maybeUpdate(log.lastIndex())
            _ = maybeCommit()
        }
    }

    mutating func broadcastAppend() {
        for member in confState.members where member != id {
            _ = sendAppend(to: member)
        }
    }

    mutating func broadcastHeartbeat(context: [UInt8]) {
        for member in confState.members where member != id {
            let commit = min(progress[member]?.match ?? 0, log.committed)
            send(Message(kind: .heartbeat, to: member, commit: commit, context: context))
        }
    }

    /// Sends the next append (or a snapshot) to `node`. Returns whether a message was sent.
    mutating func sendAppend(to node: NodeID, sendIfEmpty: Bool = true) -> Bool {
        guard var peer = progress[node], !peer.isPaused else { return false }
        defer { progress[node] = peer }
        let previousIndex = peer.next - 1
        // A follower that needs the log from its very start may be a newcomer that knows no
        // membership, which only a snapshot can give it (see `handleAppend`).
        if previousIndex == 0 && sendSnapshot(to: node, peer: &peer) { return true }
        guard let previousTerm = try? log.term(previousIndex),
            let entries = try? log.entries(from: peer.next, bytesMax: config.messageBytesMax)
        else {
            return sendSnapshot(to: node, peer: &peer)
        }
        if entries.isEmpty && !sendIfEmpty { return false }
        send(Message(
            kind: .append, to: node, logTerm: previousTerm, index: previousIndex, entries: entries,
            commit: log.committed))
        let bytes = entries.reduce(0) { $0 + $1.sizeBytes }
        peer.sentEntries(count: entries.count, lastIndex: entries.last?.index ?? 0, bytes: bytes)
        return true
    }

    private mutating func sendSnapshot(to node: NodeID, peer: inout Progress) -> Bool {
        guard peer.recentActive else { return false }
        guard let snapshot = try? log.snapshot(), !snapshot.isEmpty else { return false }
        peer.becomeSnapshot(index: snapshot.metadata.index)
        send(Message(kind: .snapshot, to: node, snapshot: snapshot))
        return true
    }

    mutating func sendTimeoutNow(to node: NodeID) {
        send(Message(kind: .timeoutNow, to: node))
    }
}
