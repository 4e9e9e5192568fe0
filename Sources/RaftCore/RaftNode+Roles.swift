extension RaftNode {
    /// Whether this node may campaign: only voters may lead.
    var isPromotable: Bool { confState.isVoter(id) }

    /// The number of votes that makes a majority of the voters.
    var quorum: Int { confState.voters.count / 2 + 1 }

    mutating func reset(term newTerm: Term) {
        if term != newTerm {
            term = newTerm
            vote = noNode
        }
        leader = noNode
        electionElapsed = 0
        heartbeatElapsed = 0
        resetRandomizedElectionTimeout()
        leadTransferee = noNode
        transferAttemptedThisTerm = false
        transferCampaignPending = false
        votes = [:]
        resetProgress()
        pendingConfIndex = 0
        uncommittedBytes = 0
        readIndexQueue = ReadIndexQueue()
        leaseConfirmedStamp = 0
        readsAwaitingCommit = []
    }

    /// Forgets all replication state: a new leader starts optimistic at its last index.
    mutating func resetProgress() {
        let next = log.lastIndex() + 1
        progress = [:]
        for member in confState.members {
            var peer = Progress(
                next: next, isLearner: confState.isLearner(member),
                inflightMessagesMax: config.inflightMessagesMax,
                inflightBytesMax: config.inflightBytesMax)
            if member == id {
                peer.match = persistedLastIndex
                peer.recentActive = true
            }
            progress[member] = peer
        }
    }

    /// The last index known to be on this node's stable storage.
    var persistedLastIndex: LogIndex {
        min(log.lastIndex(), log.unstable.offset - 1)
    }

    mutating func resetRandomizedElectionTimeout() {
        let spread = UInt64(config.electionTimeoutTicks)
        randomizedElectionTimeout = config.electionTimeoutTicks + Int(random.next() % spread)
    }

    mutating func becomeFollower(term newTerm: Term, leader newLeader: NodeID) {
        reset(term: newTerm)
        leader = newLeader
        role = .follower
    }

    mutating func becomePreCandidate() {
        precondition(role != .leader, "a leader cannot become a pre-candidate")
        // A pre-vote round changes neither the term nor the vote, so a node that keeps failing
        // pre-votes never disrupts the cluster.
        votes = [:]
        leader = noNode
        role = .preCandidate
    }

    mutating func becomeCandidate() {
        precondition(role != .leader, "a leader cannot become a candidate")
        reset(term: term + 1)
        vote = id
        role = .candidate
    }

    mutating func becomeLeader() {
        precondition(role != .follower, "a follower must campaign before it leads")
        reset(term: term)
        leader = id
        role = .leader
        ticksSinceLeaderContact = 0
        let persisted = persistedLastIndex
        progress[id]?.becomeReplicate()
        progress[id]?.match = persisted
        let empty = Entry(term: term, index: log.lastIndex() + 1)
        do {
            try appendEntries([empty])
        } catch {
            preconditionFailure("a new leader must be able to append its empty entry: \(error)")
        }
        // No membership change may be proposed until everything in the log so far is applied,
        // including the empty entry just appended: this closes the single-server change bug of
        // a new leader proposing a change before it committed anything in its term.
        pendingConfIndex = log.lastIndex()
    }

    mutating func tickElection() {
        electionElapsed += 1
        if isPromotable && electionElapsed >= randomizedElectionTimeout {
            electionElapsed = 0
            hup(transfer: false)
        }
    }

    mutating func tickLeader() {
        heartbeatElapsed += 1
        electionElapsed += 1
        tickSnapshotTimeouts()
        if electionElapsed >= config.electionTimeoutTicks {
            electionElapsed = 0
            if config.checkQuorum && !checkQuorumActive() {
                becomeFollower(term: term, leader: noNode)
                return
            }
            if leadTransferee != noNode { leadTransferee = noNode }
        }
        if heartbeatElapsed >= config.heartbeatTimeoutTicks {
            heartbeatElapsed = 0
            broadcastHeartbeat(context: readIndexQueue.lastContext ?? [])
        }
    }

    /// True if a quorum of voters was heard from since the last check; resets the marks.
    mutating func checkQuorumActive() -> Bool {
        var active = 0
        for voter in confState.voters where voter == id || progress[voter]?.recentActive == true {
            active += 1
        }
        for member in progress.keys where member != id {
            progress[member]?.recentActive = false
        }
        return active >= quorum
    }

    /// A follower that was sent a snapshot and never answered is probed again, so that a lost
    /// InstallSnapshot does not stall it forever.
    mutating func tickSnapshotTimeouts() {
        for member in progress.keys where progress[member]?.state == .snapshot {
            progress[member]?.snapshotTicks += 1
            if progress[member]!.snapshotTicks >= config.snapshotTimeoutTicks {
                progress[member]?.becomeProbe()
            }
        }
    }

    /// Starts an election unless this node must not: it leads already, is not a voter, or has
    /// a committed membership change it has not applied yet (it might not be a voter after it).
    mutating func hup(transfer: Bool) {
        guard role != .leader, isPromotable else { return }
        guard !hasUnappliedConfChange() else {
            // A leader that asked us to take over (one that removed itself, say) will not lead
            // again, so the campaign is only put off until the change is applied.
            if transfer { transferCampaignPending = true }
            return
        }
        if config.preVote && !transfer {
            startCampaign(preVote: true, transfer: false)
        } else {
            startCampaign(preVote: false, transfer: transfer)
        }
    }

    func hasUnappliedConfChange() -> Bool {
        guard log.committed > log.applied else { return false }
        let low = max(log.applied + 1, log.firstIndex())
        guard let entries = try? log.slice(low, log.committed + 1, bytesMax: Int.max) else {
            return false
        }
        return entries.contains { $0.kind == .confChange }
    }

    mutating func startCampaign(preVote: Bool, transfer: Bool) {
        let kind: MessageKind
        let campaignTerm: Term
        if preVote {
            becomePreCandidate()
            kind = .preVote
            campaignTerm = term + 1
        } else {
            becomeCandidate()
            kind = .vote
            campaignTerm = term
        }
        if recordVote(from: id, granted: true) == .won {
            if preVote {
                startCampaign(preVote: false, transfer: transfer)
            } else {
                becomeLeader()
            }
            return
        }
        for voter in confState.voters where voter != id {
            send(Message(
                kind: kind, to: voter, term: campaignTerm, logTerm: log.lastTerm(),
                index: log.lastIndex(), context: transfer ? campaignTransferContext : []))
        }
    }

    enum VoteResult { case pending, won, lost }

    mutating func recordVote(from voter: NodeID, granted: Bool) -> VoteResult {
        if votes[voter] == nil { votes[voter] = granted }
        var yes = 0
        var no = 0
        for member in confState.voters {
            switch votes[member] {
            case true?: yes += 1
            case false?: no += 1
            case nil: break
            }
        }
        if yes >= quorum { return .won }
        if no > confState.voters.count - quorum { return .lost }
        return .pending
    }

    /// Queues `message` from this node, stamped with the current term unless the kind carries
    /// its own (votes and their answers).
    mutating func send(_ message: Message) {
        var message = message
        message.from = id
        switch message.kind {
        case .preVote, .vote, .preVoteResponse, .voteResponse:
            precondition(message.term != 0, "vote messages must carry an explicit term")
        default:
            message.term = term
        }
        if mustWaitForPersist(message.kind) {
            persistedMessages.append(message)
        } else {
            messages.append(message)
        }
    }

    /// Messages that promise something about this node's stable storage (a vote, an accepted
    /// entry, a term) go out only after the Ready that carries that state is persisted.
    func mustWaitForPersist(_ kind: MessageKind) -> Bool {
        switch kind {
        case .vote, .voteResponse, .heartbeatResponse:
            return true
        case .appendResponse:
            return config.plantedFault != .acknowledgeBeforePersist
        default:
            return false
        }
    }
}
