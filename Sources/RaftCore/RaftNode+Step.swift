extension RaftNode {
    /// Feeds a message from a peer into the node. Messages from unknown senders, stale terms
    /// and duplicates are handled (mostly ignored) without error: the network may do anything.
    public mutating func step(_ message: Message) {
        guard message.to == id, message.from != noNode, message.from != id else { return }
        if message.term > term {
            guard handleHigherTerm(message) else { return }
        } else if message.term < term {
            handleLowerTerm(message)
            return
        }
        switch message.kind {
        case .preVote, .vote:
            handleVoteRequest(message)
        default:
            switch role {
            case .leader: stepLeader(message)
            case .preCandidate, .candidate: stepCandidate(message)
            case .follower: stepFollower(message)
            }
        }
    }

    /// Returns false if the message must be dropped.
    private mutating func handleHigherTerm(_ message: Message) -> Bool {
        if message.kind == .preVote || message.kind == .vote {
            let forced = message.context == campaignTransferContext
            let inLease =
                config.checkQuorum && leader != noNode && electionElapsed < config.electionTimeoutTicks
            // A node that heard from a leader recently ignores campaigns: this keeps a
            // partitioned node that comes back from deposing a healthy leader.
            if (inLease || holdsLeaderLease) && !forced { return false }
        }
        switch message.kind {
        case .preVote:
            break  // pre-votes never change our term
        case .preVoteResponse where !message.reject:
            break  // granted pre-votes carry the future term; counted in stepCandidate
        case .append, .heartbeat, .snapshot:
            becomeFollower(term: message.term, leader: message.from)
        default:
            becomeFollower(term: message.term, leader: noNode)
        }
        return true
    }

    private mutating func handleLowerTerm(_ message: Message) {
        if (config.checkQuorum || config.preVote)
            && (message.kind == .heartbeat || message.kind == .append)
        {
            // A stale leader is told our term so that it steps down. This also unsticks a node
            // whose term rose while it was cut off and that check-quorum leases now ignore.
            send(Message(kind: .appendResponse, to: message.from))
        } else if message.kind == .preVote {
            send(Message(kind: .preVoteResponse, to: message.from, term: term, reject: true))
        }
    }

    /// With lease reads, whether a leader this node heard from (or was) within an election
    /// timeout may still count on it: it then gives no campaign its vote, of any term, except
    /// a transfer's (which ends lease reads, see `mayServeLeaseReads`).
    var holdsLeaderLease: Bool {
        config.leaseReads && ticksSinceLeaderContact < config.electionTimeoutTicks
    }

    private mutating func handleVoteRequest(_ message: Message) {
        let responseKind: MessageKind = message.kind == .vote ? .voteResponse : .preVoteResponse
        guard !holdsLeaderLease || message.context == campaignTransferContext || vote == message.from else {
            send(Message(kind: responseKind, to: message.from, term: term, reject: true))
            return
        }
        let canVote =
            vote == message.from
            || (vote == noNode && leader == noNode)
            || (message.kind == .preVote && message.term > term)
            || config.plantedFault == .voteTwice
        let upToDate =
            log.isUpToDate(index: message.index, term: message.logTerm)
            || config.plantedFault == .voteIgnoringLog
        if canVote && upToDate {
            send(Message(kind: responseKind, to: message.from, term: message.term))
            if message.kind == .vote {
                electionElapsed = 0
                vote = message.from
            }
        } else {
            send(Message(kind: responseKind, to: message.from, term: term, reject: true))
        }
    }

    private mutating func heardFromLeader(_ node: NodeID) {
        electionElapsed = 0
        leader = node
        ticksSinceLeaderContact = 0
    }

    private mutating func stepFollower(_ message: Message) {
        switch message.kind {
        case .append:
            heardFromLeader(message.from)
            handleAppend(message)
        case .heartbeat:
            heardFromLeader(message.from)
            handleHeartbeat(message)
        case .snapshot:
            heardFromLeader(message.from)
            handleSnapshot(message)
        case .timeoutNow:
            hup(transfer: true)
        case .readIndexResponse:
            if !message.reject {
                readStates.append(ReadState(index: message.index, context: message.context))
            }
        default:
            break
        }
    }

    private mutating func stepCandidate(_ message: Message) {
        switch message.kind {
        case .append, .heartbeat, .snapshot:
            // A leader of this term exists: follow it, and take its message as a follower does.
            becomeFollower(term: message.term, leader: message.from)
            stepFollower(message)
        case .preVoteResponse where role == .preCandidate,
            .voteResponse where role == .candidate:
            handleVoteResponse(message)
        default:
            break
        }
    }

    private mutating func handleVoteResponse(_ message: Message) {
        switch recordVote(from: message.from, granted: !message.reject) {
        case .won:
            if role == .preCandidate {
                startCampaign(preVote: false, transfer: false)
            } else {
                becomeLeader()
                broadcastAppend()
            }
        case .lost:
            becomeFollower(term: term, leader: noNode)
        case .pending:
            break
        }
    }

    mutating func handleAppend(_ message: Message) {
        // A node that knows no voters was started empty to join a running cluster. The initial
        // membership is in storage, not in the log, so replaying the log from its start would
        // leave this node with a membership that lacks the initial voters (after a promotion
        // it would lead alone). It ignores appends that start the log and waits for the
        // leader's snapshot; later appends are rejected below, which points the leader there.
        guard !(confState.voters.isEmpty && message.index == 0) else { return }
        if message.index < log.committed {
            send(Message(kind: .appendResponse, to: message.from, index: log.committed))
            return
        }
        if let lastNew = log.maybeAppend(
            index: message.index, logTerm: message.logTerm, committed: message.commit,
            entries: message.entries)
        {
            send(Message(kind: .appendResponse, to: message.from, index: lastNew))
            return
        }
        // Point the leader at the last entry that can possibly match: the largest index at or
        // below its probe whose term is not newer than its probe's term.
        let probe = min(message.index, log.lastIndex())
        let hint = log.findConflictByTerm(index: probe, term: message.logTerm)
        send(Message(
            kind: .appendResponse, to: message.from, logTerm: hint.term, index: message.index,
            reject: true, rejectHint: hint.index))
    }

    mutating func handleHeartbeat(_ message: Message) {
        log.commitTo(min(message.commit, log.lastIndex()))
        send(Message(kind: .heartbeatResponse, to: message.from, context: message.context))
    }

    mutating func handleSnapshot(_ message: Message) {
        guard let snapshot = message.snapshot else { return }
        if restore(snapshot) {
            send(Message(kind: .appendResponse, to: message.from, index: log.lastIndex()))
        } else {
            send(Message(kind: .appendResponse, to: message.from, index: log.committed))
        }
    }

    /// Installs `snapshot` unless this node already has what it covers. Returns whether the
    /// log was replaced.
    mutating func restore(_ snapshot: Snapshot) -> Bool {
        let metadata = snapshot.metadata
        guard metadata.index > log.committed else { return false }
        if log.matchTerm(metadata.index, metadata.term) {
            // Our log already holds the snapshot's last entry (we are ahead of the snapshot):
            // keep the log and only move the commit mark.
            log.commitTo(metadata.index)
            return false
        }
        log.restore(snapshot)
        confState = metadata.confState
        confStateIndex = metadata.index
        resetProgress()
        return true
    }
}
