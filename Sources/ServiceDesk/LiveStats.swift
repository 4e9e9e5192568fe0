/// What a supervisor watches live: queues, agents, channels and service levels, computed from
/// the replicated state at one instant.
public struct LiveStats: Sendable, Hashable, Codable {
    public struct QueueStats: Sendable, Hashable, Codable {
        public var queue: String
        /// Open, unassigned conversations waiting in the queue.
        public var waiting: Int
        public var longestWaitSeconds: Int64
    }

    public struct AgentStats: Sendable, Hashable, Codable {
        public var id: String
        public var name: String
        public var status: PresenceStatus
        /// Open and pending conversations assigned to the agent.
        public var load: Int
        public var concurrentConversationsMax: Int
    }

    public struct ChannelStats: Sendable, Hashable, Codable {
        public var channel: Channel
        public var open: Int
        public var pending: Int
        public var resolved: Int
    }

    public var time: Timestamp
    public var queues: [QueueStats]
    public var agents: [AgentStats]
    public var channels: [ChannelStats]
    /// Conversations not yet resolved or closed.
    public var openConversations: Int
    /// Seconds from opening to the first public staff reply, over conversations that have one.
    public var firstResponseSecondsAverage: Double?
    /// Seconds from opening to resolution, over resolved conversations.
    public var handleSecondsAverage: Double?
    /// Average customer rating (1–5) and how many conversations were rated.
    public var csatAverage: Double?
    public var ratedConversations: Int
    /// Tickets with an SLA policy, and how many of them breached at least one target.
    public var ticketsWithSLA: Int
    public var ticketsBreached: Int
    /// The share of tickets with an SLA that breached nothing, 0…1.
    public var slaCompliance: Double?
}

extension Desk {
    /// The live figures at `now`. A query on the Raft thread, where every write waits for it:
    /// it reads the totals apply keeps, the conversations awaiting an agent and the agents'
    /// held conversations, never every conversation or ticket.
    public func liveStats(now: Timestamp) -> LiveStats {
        LiveStats(
            time: now, queues: queueStats(now: now), agents: agentStats(),
            channels: totals.channels.keys.sorted { $0.rawValue < $1.rawValue }.map { channel in
                let counts = totals.channels[channel]!
                return LiveStats.ChannelStats(channel: channel, open: counts.open, pending: counts.pending, resolved: counts.resolved)
            },
            openConversations: totals.openConversations,
            firstResponseSecondsAverage: totals.firstResponse.seconds, handleSecondsAverage: totals.handle.seconds,
            csatAverage: totals.rated == 0 ? nil : Double(totals.ratingTotal) / Double(totals.rated),
            ratedConversations: totals.rated, ticketsWithSLA: totals.ticketsWithSLA, ticketsBreached: totals.ticketsBreached,
            slaCompliance: totals.ticketsWithSLA == 0
                ? nil : Double(totals.ticketsWithSLA - totals.ticketsBreached) / Double(totals.ticketsWithSLA))
    }

    /// Open, unassigned conversations in each queue: all of them await an agent.
    private func queueStats(now: Timestamp) -> [LiveStats.QueueStats] {
        var waiting: [String: (count: Int, oldest: Timestamp)] = [:]
        for id in routing.awaiting {
            guard let conversation = conversations[id], conversation.status == .open, conversation.assigneeID == nil,
                let queue = conversation.queue
            else { continue }
            let previous = waiting[queue] ?? (0, conversation.createdAt)
            waiting[queue] = (previous.count + 1, min(previous.oldest, conversation.createdAt))
        }
        return waiting.keys.sorted().map { queue in
            LiveStats.QueueStats(
                queue: queue, waiting: waiting[queue]!.count,
                longestWaitSeconds: max(0, (now.millisecondsSinceEpoch - waiting[queue]!.oldest.millisecondsSinceEpoch) / 1000))
        }
    }

    /// Active staff with the open and pending conversations assigned to them (of those they
    /// hold, which include the ones offered to them).
    private func agentStats() -> [LiveStats.AgentStats] {
        staff.values.filter(\.active).sorted { $0.id < $1.id }.map { user in
            let assigned = routing.heldByAgent[user.id]?.count { conversations[$0]?.assigneeID == user.id } ?? 0
            return LiveStats.AgentStats(
                id: user.id, name: user.name, status: user.status, load: assigned,
                concurrentConversationsMax: user.concurrentConversationsMax)
        }
    }
}

/// What the live figures count over every conversation and ticket, kept by apply as each one
/// changes (`replace`), derived and rebuilt on load. Durations are summed in whole
/// milliseconds, so removing a conversation's share takes back exactly what adding it gave.
struct DeskTotals: Sendable, Hashable {
    struct StatusCounts: Sendable, Hashable {
        /// Every conversation on the channel: a channel is listed once it has had one.
        var all = 0
        var open = 0
        var pending = 0
        var resolved = 0
    }

    struct DurationTotal: Sendable, Hashable {
        var milliseconds: Int64 = 0
        var count = 0

        var seconds: Double? { count == 0 ? nil : Double(milliseconds) / 1000 / Double(count) }

        mutating func add(_ end: Timestamp?, since start: Timestamp, sign: Int) {
            guard let end else { return }
            milliseconds += Int64(sign) * (end.millisecondsSinceEpoch - start.millisecondsSinceEpoch)
            count += sign
        }
    }

    private(set) var channels: [Channel: StatusCounts] = [:]
    /// Conversations not yet resolved or closed.
    private(set) var openConversations = 0
    private(set) var firstResponse = DurationTotal()
    private(set) var handle = DurationTotal()
    private(set) var ratingTotal = 0
    private(set) var rated = 0
    private(set) var ticketsWithSLA = 0
    private(set) var ticketsBreached = 0

    init() {}

    /// The totals of whole tables, as on load.
    init(conversations: some Sequence<Conversation>, tickets: some Sequence<Ticket>) {
        for conversation in conversations { replace(nil, with: conversation) }
        for ticket in tickets { replace(nil, with: ticket) }
    }

    /// Takes `old`'s share out (nil when new) and `new`'s in. Most changes (a message
    /// posted) touch nothing counted here, and cost a few comparisons.
    mutating func replace(_ old: Conversation?, with new: Conversation) {
        if let old {
            guard old.status != new.status || old.channel != new.channel || old.firstResponseAt != new.firstResponseAt
                || old.resolvedAt != new.resolvedAt || old.rating != new.rating || old.createdAt != new.createdAt
            else { return }
            count(old, sign: -1)
        }
        count(new, sign: 1)
    }

    mutating func replace(_ old: Ticket?, with new: Ticket) {
        if let old { count(old, sign: -1) }
        count(new, sign: 1)
    }

    private mutating func count(_ conversation: Conversation, sign: Int) {
        var counts = channels[conversation.channel] ?? StatusCounts()
        counts.all += sign
        switch conversation.status {
        case .open: counts.open += sign
        case .pending: counts.pending += sign
        case .resolved: counts.resolved += sign
        case .closed: break
        }
        channels[conversation.channel] = counts.all == 0 ? nil : counts
        if conversation.status == .open || conversation.status == .pending { openConversations += sign }
        firstResponse.add(conversation.firstResponseAt, since: conversation.createdAt, sign: sign)
        handle.add(conversation.resolvedAt, since: conversation.createdAt, sign: sign)
        if let rating = conversation.rating {
            ratingTotal += sign * rating.score
            rated += sign
        }
    }

    private mutating func count(_ ticket: Ticket, sign: Int) {
        guard ticket.slaPolicyID != nil else { return }
        ticketsWithSLA += sign
        if !ticket.sla.breached.isEmpty { ticketsBreached += sign }
    }
}
