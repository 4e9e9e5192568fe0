import NIOCore
import RaftCore

/// One thing waiting to go to a peer, in the order it was handed to the transport.
enum Outbound {
    case message(Message)
    /// Opaque bytes for the owner's own protocol, beside Raft (for example forwarded proposals).
    case application([UInt8])

    var isSnapshot: Bool {
        if case .message(let message) = self { return message.kind == .snapshot }
        return false
    }

    /// What the item counts against `queueBytesMax`. A snapshot's data is left out: it shares
    /// storage with the caller's copy until it is sent, and `SendQueue.snapshotsMax` bounds it.
    var queuedBytes: Int {
        switch self {
        case .message(let message): message.sizeBytes - (message.snapshot?.data.count ?? 0)
        case .application(let payload): payload.count + FrameCodec.overheadBytes
        }
    }
}

/// The bounded queue of items waiting for one peer, oldest first.
struct SendQueue {
    let messagesMax: Int
    let bytesMax: Int
    private var items = CircularBuffer<Outbound>()
    private(set) var bytes = 0
    private(set) var snapshotCount = 0

    /// Snapshots waiting at once. Raft sends a follower one snapshot and waits for its outcome,
    /// so a second one waiting means the first is stale; refusing it bounds snapshot memory.
    static let snapshotsMax = 1

    init(messagesMax: Int, bytesMax: Int) {
        precondition(messagesMax > 0 && bytesMax > 0)
        self.messagesMax = messagesMax
        self.bytesMax = bytesMax
    }

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }

    /// Queues `item`, or returns false when the queue is full.
    mutating func append(_ item: Outbound) -> Bool {
        let size = item.queuedBytes
        guard items.count < messagesMax, size <= bytesMax - bytes,
            !item.isSnapshot || snapshotCount < Self.snapshotsMax
        else { return false }
        items.append(item)
        bytes += size
        if item.isSnapshot { snapshotCount += 1 }
        return true
    }

    mutating func popFirst() -> Outbound? {
        guard let item = items.popFirst() else { return nil }
        bytes -= item.queuedBytes
        if item.isSnapshot { snapshotCount -= 1 }
        return item
    }

    mutating func removeAll() -> [Outbound] {
        var removed: [Outbound] = []
        while let item = popFirst() { removed.append(item) }
        return removed
    }
}
