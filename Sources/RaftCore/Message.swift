/// The kinds of message Raft peers exchange.
public enum MessageKind: UInt8, Sendable, Hashable, CaseIterable {
    /// Pre-vote request: "would you vote for me at `term`?" No state changes on either side.
    case preVote = 1
    case preVoteResponse = 2
    /// Vote request for `term`, with the candidate's last log position in `logTerm`/`index`.
    case vote = 3
    case voteResponse = 4
    /// Entries after (`index`, `logTerm`), plus the leader's commit index.
    case append = 5
    /// Acknowledges up to `index`, or (`reject`) says where the follower's log diverges.
    case appendResponse = 6
    /// Leader liveness and commit propagation; `context` carries a ReadIndex round.
    case heartbeat = 7
    case heartbeatResponse = 8
    /// InstallSnapshot: the whole `snapshot` (the transport streams it in chunks).
    case snapshot = 9
    /// Leadership transfer: the receiver campaigns at once.
    case timeoutNow = 10
    /// A follower asks the leader for a read index; `context` identifies the request.
    case readIndex = 11
    /// The leader's answer: `index` is the read index (0 with `reject` when it cannot serve it).
    case readIndexResponse = 12
}

/// One message between two Raft peers. Fields that a kind does not use are left at zero.
public struct Message: Sendable, Hashable {
    public var kind: MessageKind
    public var from: NodeID
    public var to: NodeID
    public var term: Term
    /// Append: term of the entry at `index`. Vote: term of the candidate's last entry.
    /// Rejected append response: term of the follower's entry at `rejectHint`.
    public var logTerm: Term
    /// Append: index before the first entry. Vote: candidate's last index.
    /// Append response: last index that matches. ReadIndex response: the read index.
    public var index: LogIndex
    public var entries: [Entry]
    public var commit: LogIndex
    public var reject: Bool
    /// Rejected append response: the follower's best guess of where the logs may match.
    public var rejectHint: LogIndex
    public var snapshot: Snapshot?
    /// ReadIndex request id, or the campaign reason for transfer-triggered elections.
    public var context: [UInt8]

    public init(
        kind: MessageKind, from: NodeID = noNode, to: NodeID = noNode, term: Term = 0,
        logTerm: Term = 0, index: LogIndex = 0, entries: [Entry] = [], commit: LogIndex = 0,
        reject: Bool = false, rejectHint: LogIndex = 0, snapshot: Snapshot? = nil,
        context: [UInt8] = []
    ) {
        self.kind = kind
        self.from = from
        self.to = to
        self.term = term
        self.logTerm = logTerm
        self.index = index
        self.entries = entries
        self.commit = commit
        self.reject = reject
        self.rejectHint = rejectHint
        self.snapshot = snapshot
        self.context = context
    }

    /// Whether the message is a response that carries no request of its own.
    public var isResponse: Bool {
        switch kind {
        case .preVoteResponse, .voteResponse, .appendResponse, .heartbeatResponse,
            .readIndexResponse:
            return true
        default:
            return false
        }
    }

    /// An estimate of the message's size in bytes, used for flow-control limits.
    public var sizeBytes: Int {
        var total = 64 + context.count
        for entry in entries { total += entry.sizeBytes }
        if let snapshot { total += snapshot.data.count }
        return total
    }
}

/// The context a transfer-triggered vote carries so that voters skip their leader lease.
public let campaignTransferContext: [UInt8] = Array("CampaignTransfer".utf8)
