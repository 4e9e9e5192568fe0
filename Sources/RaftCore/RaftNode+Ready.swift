/// Everything a node needs its caller to do, handed out by `RaftNode.ready()`.
public struct Ready: Sendable {
    /// Increases by one with every Ready; `advance` must be given the latest one.
    public var number: UInt64
    /// Leader and role, if they changed since the previous Ready.
    public var softState: SoftState?
    /// Term, vote and commit to persist, if they changed since the previous Ready.
    public var hardState: HardState?
    /// A snapshot from the leader to install before appending `entries`.
    public var snapshot: Snapshot?
    /// Entries to append to stable storage (replacing any conflicting suffix).
    public var entries: [Entry]
    /// Whether the write of this Ready must be synced (fsync) before `persistedMessages` go out.
    public var mustSync: Bool
    /// Entries to apply to the state machine, in order. Membership changes among them are
    /// applied by RaftCore itself on `advance`; the caller only persists `confState`.
    public var committedEntries: [Entry]
    /// The membership after applying `committedEntries`, if it changed: persist it together
    /// with the applied index.
    public var confState: ConfState?
    /// Messages that may be sent at once, before the persist step.
    public var messages: [Message]
    /// Messages that may be sent only after `hardState`, `entries` and `snapshot` are persisted.
    public var persistedMessages: [Message]
    /// Answers to `readIndex(context:)` calls.
    public var readStates: [ReadState]

    /// Whether there is nothing at all to do.
    public var isEmpty: Bool {
        softState == nil && hardState == nil && snapshot == nil && entries.isEmpty
            && committedEntries.isEmpty && messages.isEmpty && persistedMessages.isEmpty
            && readStates.isEmpty
    }
}

extension RaftNode {
    var softState: SoftState { SoftState(leader: leader, role: role) }
    var hardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }

    /// Whether `ready()` would return anything to do.
    public var hasReady: Bool {
        guard readyInProgress == nil else { return false }
        return softState != previousSoftState || hardState != previousHardState
            || !messages.isEmpty || !persistedMessages.isEmpty || !readStates.isEmpty
            || !log.unstable.nextEntries().isEmpty || log.unstable.nextSnapshot() != nil
            || log.hasNextCommittedEntries()
    }

    /// Collects the work to do. The caller must finish it and call `advance(_:)` before it
    /// asks for the next Ready.
    public mutating func ready() -> Ready {
        precondition(readyInProgress == nil, "ready() called before the previous Ready was advanced")
        readyNumber += 1
        let currentHardState = hardState
        let entries = log.unstable.nextEntries()
        let committed = log.nextCommittedEntries()
        let ready = Ready(
            number: readyNumber,
            softState: softState != previousSoftState ? softState : nil,
            hardState: currentHardState != previousHardState ? currentHardState : nil,
            snapshot: log.unstable.nextSnapshot(),
            entries: entries,
            mustSync: mustSync(hardState: currentHardState, entries: entries),
            committedEntries: committed,
            confState: confStateAfter(committed),
            messages: messages,
            persistedMessages: persistedMessages,
            readStates: readStates)
        acceptReady(ready, hardState: currentHardState)
        return ready
    }

    private func mustSync(hardState newState: HardState, entries: [Entry]) -> Bool {
        !entries.isEmpty || log.unstable.nextSnapshot() != nil
            || newState.term != previousHardState.term || newState.vote != previousHardState.vote
    }

    private func confStateAfter(_ committed: [Entry]) -> ConfState? {
        var result = confState
        for entry in committed where entry.kind == .confChange && entry.index > confStateIndex {
            if let change = ConfChange(encoded: entry.data) { result = result.applying(change) }
        }
        return result == confState ? nil : result
    }

    private mutating func acceptReady(_ ready: Ready, hardState currentHardState: HardState) {
        readyInProgress = ready.number
        previousSoftState = softState
        previousHardState = currentHardState
        messages = []
        persistedMessages = []
        readStates = []
        log.unstable.acceptInProgress()
        if let last = ready.committedEntries.last {
            log.applying = max(log.applying, last.index)
            if role == .leader {
                let bytes = ready.committedEntries.reduce(0) { $0 + $1.data.count }
                uncommittedBytes = max(0, uncommittedBytes - bytes)
            }
        }
    }

    /// Reports that the caller finished `ready`: persisted it, sent its messages and applied
    /// its committed entries.
    public mutating func advance(_ ready: Ready) {
        precondition(readyInProgress == ready.number, "advance(\(ready.number)) does not match the Ready in progress")
        readyInProgress = nil
        if let snapshot = ready.snapshot {
            log.unstable.stableSnapshotTo(index: snapshot.metadata.index)
            if snapshot.metadata.index > log.applied { log.appliedTo(snapshot.metadata.index) }
        }
        if let last = ready.entries.last {
            log.unstable.stableTo(index: last.index, term: last.term)
        }
        if let last = ready.committedEntries.last {
            for entry in ready.committedEntries where entry.kind == .confChange {
                applyConfChange(entry)
            }
            if last.index > log.applied { log.appliedTo(last.index) }
            if transferCampaignPending && !hasUnappliedConfChange() {
                transferCampaignPending = false
                hup(transfer: true)
            }
        }
        if role == .leader && !ready.entries.isEmpty {
            leaderPersisted()
        }
    }

    /// The leader's own log write finished: it now counts towards the commit quorum.
    private mutating func leaderPersisted() {
        let persisted = persistedLastIndex
        guard let updated = progress[id]?.maybeUpdate(persisted), updated else { return }
        if maybeCommit() { broadcastAppend() }
    }
}
