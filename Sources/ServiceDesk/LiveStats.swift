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
}

extension Desk {
    /// The live figures at `now`.
    public func liveStats(now: Timestamp) -> LiveStats {
        var waiting: [String: (count: Int, oldest: Timestamp)] = [:]
        var load: [String: Int] = [:]
        var channels: [Channel: LiveStats.ChannelStats] = [:]
        var open = 0
        var firstResponse = Average(), handle = Average()
        for conversation in conversations.values {
            count(conversation, into: &channels)
            if conversation.status == .open || conversation.status == .pending {
                open += 1
                if let assignee = conversation.assigneeID {
                    load[assignee, default: 0] += 1
                } else if let queue = conversation.queue, conversation.status == .open {
                    let previous = waiting[queue] ?? (0, conversation.createdAt)
                    waiting[queue] = (previous.count + 1, min(previous.oldest, conversation.createdAt))
                }
            }
            if let first = conversation.firstResponseAt { firstResponse.add(first, since: conversation.createdAt) }
            if let resolved = conversation.resolvedAt { handle.add(resolved, since: conversation.createdAt) }
        }
        return LiveStats(
            time: now,
            queues: waiting.keys.sorted().map { queue in
                LiveStats.QueueStats(
                    queue: queue, waiting: waiting[queue]!.count,
                    longestWaitSeconds: max(0, (now.millisecondsSinceEpoch - waiting[queue]!.oldest.millisecondsSinceEpoch) / 1000))
            },
            agents: staff.values.filter(\.active).sorted { $0.id < $1.id }.map { user in
                LiveStats.AgentStats(
                    id: user.id, name: user.name, status: user.status, load: load[user.id] ?? 0,
                    concurrentConversationsMax: user.concurrentConversationsMax)
            },
            channels: channels.keys.sorted { $0.rawValue < $1.rawValue }.map { channels[$0]! },
            openConversations: open, firstResponseSecondsAverage: firstResponse.value, handleSecondsAverage: handle.value)
    }

    private func count(_ conversation: Conversation, into channels: inout [Channel: LiveStats.ChannelStats]) {
        var stats = channels[conversation.channel] ?? LiveStats.ChannelStats(channel: conversation.channel, open: 0, pending: 0, resolved: 0)
        switch conversation.status {
        case .open: stats.open += 1
        case .pending: stats.pending += 1
        case .resolved: stats.resolved += 1
        case .closed: break
        }
        channels[conversation.channel] = stats
    }
}

/// A running mean of durations in seconds.
private struct Average {
    private var total: Double = 0
    private var count = 0

    mutating func add(_ end: Timestamp, since start: Timestamp) {
        total += Double(end.millisecondsSinceEpoch - start.millisecondsSinceEpoch) / 1000
        count += 1
    }

    var value: Double? { count == 0 ? nil : total / Double(count) }
}
