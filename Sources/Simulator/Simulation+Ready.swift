import RaftCore

/// The node runtime: one Ready is handled in four steps, exactly as the contract at the top
/// of RaftNode.swift lays out, so that crashes and deliveries interleave with each of them.
extension Simulation {
    mutating func runReadyPhase(at position: Int) throws(Violation) {
        guard nodes[position].ready != nil else {
            try collectReady(at: position)
            return
        }
        switch nodes[position].readyPhase {
        case .persist: try persistReady(at: position)
        case .apply: try applyReady(at: position)
        case .advance: try advanceReady(at: position)
        }
    }

    /// Step 1: take the Ready and send the messages that need nothing persisted.
    private mutating func collectReady(at position: Int) throws(Violation) {
        guard let ready = nodes[position].raft?.ready() else { return }
        let node = nodes[position].id
        nodes[position].touched()
        let log = LogView(
            storage: nodes[position].disk.storage, snapshot: ready.snapshot, entries: ready.entries)
        if let check = nodes[position].leaderCheck {
            // The first Ready of a new leader shows its whole log: check it before any of the
            // leader's appends can reach a follower.
            nodes[position].leaderCheck = nil
            try checker.checkLeaderCompleteness(
                node: node, term: check.term, committedIndex: check.committedIndex, log: log)
        }
        for entry in ready.entries {
            try checker.entryAppended(entry, previousTerm: log.term(at: entry.index - 1), node: node)
        }
        trace("ready n\(node) #\(ready.number) entries \(ready.entries.count) committed \(ready.committedEntries.count) messages \(ready.messages.count)+\(ready.persistedMessages.count)")
        for message in ready.messages {
            send(message, from: position)
        }
        nodes[position].ready = ready
        nodes[position].readyPhase = .persist
    }

    /// Step 2: one atomic disk write of snapshot, entries and hard state; a snapshot replaces
    /// the machine in the same write.
    private mutating func persistReady(at position: Int) throws(Violation) {
        guard let ready = nodes[position].ready else { return }
        let node = nodes[position].id
        try checkAppendable(ready, at: position)
        var restored: DigestMachine?
        if let snapshot = ready.snapshot {
            restored = try restoreMachine(from: snapshot, at: position)
        }
        let sync = ready.mustSync || random.chance(settings.extraSyncRate)
        let write = DiskWrite.raft(
            snapshot: ready.snapshot, entries: ready.entries, hardState: ready.hardState,
            machine: restored)
        do {
            try nodes[position].disk.write(write, sync: sync)
        } catch {
            throw Violation(.readyContract, "node \(node) cannot persist Ready \(ready.number): \(error)")
        }
        if let restored, let snapshot = ready.snapshot {
            nodes[position].machine = restored
            nodes[position].appliedConfState = snapshot.metadata.confState
            forgetProposals(through: restored.applied, at: position)
        }
        if let hardState = ready.hardState, tracer != nil {
            trace("persist n\(node) term \(hardState.term) vote \(hardState.vote) commit \(hardState.commit) sync \(sync)")
        }
        nodes[position].readyPhase = .apply
    }

    /// The entries of a Ready must continue the stored log (after its snapshot, if any).
    private func checkAppendable(_ ready: Ready, at position: Int) throws(Violation) {
        guard let first = ready.entries.first else { return }
        let storage = nodes[position].disk.storage
        let base = ready.snapshot?.metadata.index ?? storage.lastIndex()
        let firstKept = ready.snapshot.map { $0.metadata.index + 1 } ?? storage.firstIndex()
        if first.index > base + 1 || first.index < firstKept {
            throw Violation(.readyContract,
                "node \(nodes[position].id) was given entries from \(first.index) for a log holding [\(firstKept), \(base)]")
        }
    }

    private mutating func restoreMachine(from snapshot: Snapshot, at position: Int)
        throws(Violation) -> DigestMachine
    {
        let node = nodes[position].id
        guard let machine = DigestMachine(encoded: snapshot.data),
            machine.applied == snapshot.metadata.index
        else {
            throw Violation(.readyContract, "node \(node) got a snapshot whose data does not match its index")
        }
        try checker.snapshotRestored(index: machine.applied, digest: machine.digest, node: node)
        stats.snapshotsInstalled += 1
        trace("install n\(node) snapshot \(snapshot.metadata.index) term \(snapshot.metadata.term)")
        return machine
    }

    /// Step 3: send what waited for the write, apply committed entries (persisting the applied
    /// index with the membership), take a snapshot now and then, and answer reads.
    private mutating func applyReady(at position: Int) throws(Violation) {
        guard let ready = nodes[position].ready else { return }
        for message in ready.persistedMessages {
            send(message, from: position)
        }
        var changes: [ConfChange] = []
        for entry in ready.committedEntries {
            try apply(entry, at: position)
            if entry.kind == .confChange, let change = ConfChange(encoded: entry.data) {
                changes.append(change)
            }
        }
        if let confState = ready.confState {
            nodes[position].appliedConfState = confState
        }
        if !ready.committedEntries.isEmpty || ready.confState != nil {
            try writeApplied(confState: ready.confState, at: position)
            try compactIfDue(at: position)
        }
        try answerReads(ready.readStates, at: position)
        serveReads(at: position)
        nodes[position].readyPhase = .advance
        for change in changes {
            enactMembership(change)
        }
    }

    private mutating func apply(_ entry: Entry, at position: Int) throws(Violation) {
        let node = nodes[position].id
        guard entry.index == nodes[position].machine.applied + 1 else {
            throw Violation(.readyContract,
                "node \(node) was given entry \(entry.index) to apply after \(nodes[position].machine.applied)")
        }
        nodes[position].machine.apply(entry)
        try checker.entryApplied(
            entry, digest: nodes[position].machine.digest, node: node,
            nodeTerm: nodes[position].raft?.term ?? 0)
        trace("commit n\(node) index \(entry.index) term \(entry.term)\(describe(entry))")
        guard let value = nodes[position].proposals.removeValue(forKey: entry.index) else { return }
        if ClientValue.decode(entry) == value {
            try checker.proposalAcknowledged(value: value, index: entry.index)
            stats.acknowledged += 1
            if phase == .liveness { livenessAcknowledged += 1 }
            trace("ack n\(node) value \(value) index \(entry.index)")
        }
    }

    private func describe(_ entry: Entry) -> String {
        if let value = ClientValue.decode(entry) { return " value \(value)" }
        if entry.kind == .confChange, let change = ConfChange(encoded: entry.data) {
            return " conf \(change.kind) n\(change.nodeID)"
        }
        return ""
    }

    private mutating func writeApplied(confState: ConfState?, at position: Int) throws(Violation) {
        let write = DiskWrite.applied(machine: nodes[position].machine, confState: confState)
        do {
            try nodes[position].disk.write(write, sync: random.chance(settings.extraSyncRate))
        } catch {
            throw Violation(.readyContract, "node \(nodes[position].id) cannot record its applied index: \(error)")
        }
    }

    /// Snapshots the machine every `snapshotIntervalEntries` applied entries and compacts the
    /// log behind it, so that lagging and new nodes must be sent snapshots.
    private mutating func compactIfDue(at position: Int) throws(Violation) {
        let applied = nodes[position].machine.applied
        let storage = nodes[position].disk.storage
        let snapshotIndex = storage.firstIndex() - 1
        guard applied >= snapshotIndex + settings.snapshotIntervalEntries else { return }
        let write = DiskWrite.compaction(
            index: applied, confState: nodes[position].appliedConfState,
            data: nodes[position].machine.encoded)
        do {
            try nodes[position].disk.write(write, sync: random.chance(settings.extraSyncRate))
        } catch {
            throw Violation(.readyContract, "node \(nodes[position].id) cannot compact to \(applied): \(error)")
        }
        stats.compactions += 1
        trace("compact n\(nodes[position].id) to \(applied)")
    }

    /// Step 4: hand the Ready back.
    private mutating func advanceReady(at position: Int) throws(Violation) {
        guard let ready = nodes[position].ready else { return }
        nodes[position].raft?.advance(ready)
        nodes[position].ready = nil
        nodes[position].readyPhase = .persist
        nodes[position].touched()
        try observe(position)
    }

    /// Drops the proposals a snapshot jumped over: their outcome is unknown to the client.
    private mutating func forgetProposals(through index: LogIndex, at position: Int) {
        let covered = nodes[position].proposals.keys.filter { $0 <= index }
        for key in covered {
            nodes[position].proposals[key] = nil
        }
    }
}
