extension RaftNode {
    /// Checks a proposed membership change against the configuration and the one-at-a-time rule.
    func validate(_ change: ConfChange) throws(RaftError) {
        guard pendingConfIndex <= log.applied else { throw .confChangePending }
        let node = change.nodeID
        switch change.kind {
        case .addLearner:
            guard !confState.contains(node) else {
                throw .invalidConfChange("node \(node) is already a member")
            }
        case .promote:
            guard confState.isLearner(node) else {
                throw .invalidConfChange("node \(node) is not a learner; new nodes join as learners")
            }
            guard isCaughtUp(node) else { throw .learnerNotCaughtUp }
        case .remove:
            guard confState.contains(node) else {
                throw .invalidConfChange("node \(node) is not a member")
            }
            guard confState.voters != [node] else {
                throw .invalidConfChange("cannot remove the last voter")
            }
        }
    }

    /// Whether a learner may become a voter: it has acknowledged entries the leader still holds
    /// (so it needs no snapshot) and is at most `promotionLagEntriesMax` behind. A learner that
    /// never answered is not caught up, however short the log is.
    func isCaughtUp(_ node: NodeID) -> Bool {
        guard let match = progress[node]?.match, match > 0, match + 1 >= log.firstIndex() else { return false }
        return match + config.promotionLagEntriesMax >= log.lastIndex()
    }

    /// Applies a committed membership change entry (once: entries covered by a snapshot or by
    /// the stored configuration are skipped, so a restart never applies a change twice).
    mutating func applyConfChange(_ entry: Entry) {
        guard entry.index > confStateIndex, let change = ConfChange(encoded: entry.data) else {
            return
        }
        confStateIndex = entry.index
        let before = confState
        confState = confState.applying(change)
        guard confState != before else { return }
        syncProgressWithConfState()
        guard role == .leader else { return }
        if !confState.isVoter(id) {
            stepDownAfterRemoval()
            return
        }
        if leadTransferee != noNode && !confState.isVoter(leadTransferee) {
            leadTransferee = noNode
        }
        // A smaller quorum may commit more; a newcomer needs its first append either way.
        _ = maybeCommit()
        broadcastAppend()
    }

    /// A leader that is no longer a voter (removed, or turned learner) steps down and tells the
    /// voter holding most of its log to campaign at once, as a leadership transfer does.
    /// Without that the others would wait out an election timeout, and their check-quorum
    /// leases would refuse any earlier candidate: writes would stop for a second or more.
    private mutating func stepDownAfterRemoval() {
        let successor = confState.voters.filter { $0 != id }.max { first, second in
            // Most entries first; among equals the lowest id, so the choice is deterministic.
            (progress[first]?.match ?? 0, second) < (progress[second]?.match ?? 0, first)
        }
        becomeFollower(term: term, leader: noNode)
        if let successor { sendTimeoutNow(to: successor) }
    }

    /// Adds progress for new members, drops it for removed ones, and updates learner flags.
    private mutating func syncProgressWithConfState() {
        let persisted = persistedLastIndex
        for member in progress.keys where !confState.contains(member) {
            progress[member] = nil
        }
        for member in confState.members {
            if progress[member] == nil {
                var peer = Progress(
                    next: log.lastIndex() + 1, isLearner: confState.isLearner(member),
                    inflightMessagesMax: config.inflightMessagesMax,
                    inflightBytesMax: config.inflightBytesMax)
                // A newcomer counts as active so that the leader sends it a snapshot at once.
                peer.recentActive = true
                if member == id { peer.match = persisted }
                progress[member] = peer
            } else {
                progress[member]?.isLearner = confState.isLearner(member)
            }
        }
    }
}
