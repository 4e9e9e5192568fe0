/// The append messages in flight to one follower, oldest first, bounded in count and bytes.
struct Inflights {
    let countMax: Int
    let bytesMax: Int
    /// Last entry index of each in-flight append, with its payload size.
    private(set) var items: [(index: LogIndex, bytes: Int)] = []
    private(set) var bytes = 0

    init(countMax: Int, bytesMax: Int) {
        self.countMax = countMax
        self.bytesMax = bytesMax
    }

    var count: Int { items.count }
    var isFull: Bool { items.count >= countMax || (bytesMax > 0 && bytes >= bytesMax) }

    mutating func add(index: LogIndex, bytes size: Int) {
        precondition(!isFull, "an append was sent to a follower whose in-flight window is full")
        if let last = items.last {
            precondition(index > last.index, "in-flight appends must be in index order")
        }
        items.append((index, size))
        bytes += size
    }

    /// Frees every in-flight append whose last index is at most `index` (it was acknowledged).
    mutating func freeLE(_ index: LogIndex) {
        var freed = 0
        while freed < items.count, items[freed].index <= index {
            bytes -= items[freed].bytes
            freed += 1
        }
        items.removeFirst(freed)
    }

    mutating func freeFirst() {
        guard let first = items.first else { return }
        freeLE(first.index)
    }

    mutating func reset() {
        items.removeAll(keepingCapacity: true)
        bytes = 0
    }
}

/// How the leader is replicating to one follower.
public enum ProgressState: String, Sendable, Hashable {
    /// One append at a time until the leader finds where the logs match.
    case probe
    /// Appends are pipelined optimistically, bounded by the in-flight window.
    case replicate
    /// The follower needs a snapshot; appends wait until it is installed.
    case snapshot
}

/// The leader's view of one follower's log.
struct Progress {
    /// Highest index known to match the leader's log.
    var match: LogIndex = 0
    /// Next index to send.
    var next: LogIndex
    var state: ProgressState = .probe
    /// The snapshot index being sent while in `.snapshot`.
    var pendingSnapshot: LogIndex = 0
    /// Ticks spent in `.snapshot` without hearing back.
    var snapshotTicks = 0
    /// Whether the follower was heard from since the last check-quorum round.
    var recentActive = false
    /// In `.probe`: an append was sent and the leader waits for its answer or a heartbeat.
    var probeSent = false
    var inflights: Inflights
    var isLearner: Bool

    init(next: LogIndex, isLearner: Bool, inflightMessagesMax: Int, inflightBytesMax: Int) {
        self.next = next
        self.isLearner = isLearner
        inflights = Inflights(countMax: inflightMessagesMax, bytesMax: inflightBytesMax)
    }

    mutating func resetState(_ newState: ProgressState) {
        probeSent = false
        pendingSnapshot = 0
        snapshotTicks = 0
        state = newState
        inflights.reset()
    }

    mutating func becomeProbe() {
        if state == .snapshot {
            let pending = pendingSnapshot
            resetState(.probe)
            next = max(match + 1, pending + 1)
        } else {
            resetState(.probe)
            next = match + 1
        }
    }

    mutating func becomeReplicate() {
        resetState(.replicate)
        next = match + 1
    }

    mutating func becomeSnapshot(index: LogIndex) {
        resetState(.snapshot)
        pendingSnapshot = index
    }

    /// Records an acknowledgement up to `index`; false if it tells nothing new (stale or duplicate).
    mutating func maybeUpdate(_ index: LogIndex) -> Bool {
        var updated = false
        if match < index {
            match = index
            updated = true
            probeSent = false
        }
        next = max(next, index + 1)
        return updated
    }

    /// Moves `next` back after a rejection of the append that followed `rejected`.
    /// Returns false for a stale rejection (one that answers an append already superseded).
    mutating func maybeDecrease(rejected: LogIndex, matchHint: LogIndex) -> Bool {
        if state == .replicate {
            guard rejected > match else { return false }
            next = match + 1
            return true
        }
        guard next - 1 == rejected else { return false }
        next = max(min(rejected, matchHint + 1), match + 1)
        probeSent = false
        return true
    }

    /// Whether the leader must hold further appends to this follower.
    var isPaused: Bool {
        switch state {
        case .probe: return probeSent
        case .replicate: return inflights.isFull
        case .snapshot: return true
        }
    }

    /// Records that an append with entries up to `lastIndex` (`bytes` of payload) was sent.
    mutating func sentEntries(count: Int, lastIndex: LogIndex, bytes: Int) {
        switch state {
        case .replicate:
            if count > 0 {
                next = lastIndex + 1
                inflights.add(index: lastIndex, bytes: bytes)
            }
        case .probe:
            probeSent = true
        case .snapshot:
            preconditionFailure("appends are not sent while a snapshot is pending")
        }
    }
}
