import Foundation
import RaftCore
import ServiceDesk
import Synchronization

/// The recent service-desk events of this node, each with its cluster-wide sequence number
/// (the Raft index that produced it), and the live subscribers they are pushed to.
///
/// Every node applies every command, so every node has every event: a client may reconnect to
/// any node and resume after the last sequence number it saw. Only the newest
/// `retainedEventsMax` events are kept; a client asking for older ones is told to resync.
final class EventLog: Sendable {
    struct Entry: Sendable {
        var seq: UInt64
        /// The event as the JSON text frame subscribers receive, rendered when first sent.
        var rendering: Rendering
        /// Who may receive the event; each stream filters by its viewer.
        var audience: EventAudience

        var json: String { rendering.json }
    }

    /// An event and its JSON text, rendered at most once and only if some subscriber receives
    /// it: every node applies every command, and most events on most nodes are never sent.
    final class Rendering: Sendable {
        private let event: DeskEvent
        private let seq: UInt64
        private let rendered = Mutex<String?>(nil)

        init(_ event: DeskEvent, seq: UInt64) {
            self.event = event
            self.seq = seq
        }

        var json: String {
            rendered.withLock { text in
                if let text { return text }
                let fresh = EventLog.render(event, seq: seq)
                text = fresh
                return fresh
            }
        }
    }

    enum Delivery: Sendable {
        case event(Entry)
        /// Events after `seq` are not available here: reload state and resume from `seq`.
        case resync(UInt64)
        /// This node is being drained: reconnect through the load balancer and resume there.
        case draining
    }

    /// A live stream and the position it resumed after: a client may resume on a node that
    /// has not yet applied as far as the client has seen, and must not get those events twice.
    private struct Subscriber {
        var continuation: AsyncStream<Delivery>.Continuation
        var after: UInt64
    }

    private struct State {
        var entries: [Entry] = []
        var head = 0
        /// Events at or below this sequence number are not in `entries` (before this process
        /// started, before an installed snapshot, or pushed out of the window).
        var floor: UInt64 = 0
        var subscribers: [UInt64: Subscriber] = [:]
        var nextSubscriber: UInt64 = 1
        var draining = false
    }

    let retainedEventsMax: Int
    /// Deliveries queued for one slow subscriber before it is cut off (and told to resync
    /// when it reconnects), so one stalled client cannot grow memory without bound.
    let subscriberBacklogMax: Int
    private let state = Mutex(State())

    init(retainedEventsMax: Int = 100_000, subscriberBacklogMax: Int = 10_000) {
        self.retainedEventsMax = retainedEventsMax
        self.subscriberBacklogMax = subscriberBacklogMax
    }

    /// Records the events of the command applied at `seq` and pushes them to subscribers.
    func publish(_ events: [(event: DeskEvent, audience: EventAudience)], seq: UInt64) {
        guard !events.isEmpty else { return }
        let entries = events.map { Entry(seq: seq, rendering: Rendering($0.event, seq: seq), audience: $0.audience) }
        state.withLock { state in
            for entry in entries {
                append(entry, to: &state)
                for (id, subscriber) in state.subscribers where entry.seq > subscriber.after {
                    if case .dropped = subscriber.continuation.yield(.event(entry)) {
                        subscriber.continuation.finish()
                        state.subscribers[id] = nil
                    } else {
                        state.subscribers[id]?.after = entry.seq - 1
                    }
                }
            }
        }
    }

    private func append(_ entry: Entry, to state: inout State) {
        state.entries.append(entry)
        if state.entries.count - state.head > retainedEventsMax {
            state.floor = state.entries[state.head].seq
            state.head += 1
        }
        if state.head > retainedEventsMax {
            state.entries.removeFirst(state.head)
            state.head = 0
        }
    }

    /// Nothing before `seq` can be served from here any more (the state jumped by a snapshot,
    /// or the node started from disk at `seq`).
    func reset(floor seq: UInt64) {
        // Index 1 is every cluster's founding snapshot, which never produces events, so a
        // client starting from 0 is not told to resync by a fresh node.
        let floor = seq <= 1 ? 0 : seq
        state.withLock { state in
            state.entries = []
            state.head = 0
            state.floor = max(state.floor, floor)
            // Live subscribers skipped the events the snapshot jumped over: they must resync.
            for (id, subscriber) in state.subscribers where subscriber.after < state.floor {
                subscriber.continuation.yield(.resync(state.floor))
                state.subscribers[id]?.after = state.floor
            }
        }
    }

    /// Whether this node is being drained.
    var isDraining: Bool { state.withLock { $0.draining } }

    /// Starts or ends draining: on start, every subscriber is told to move and disconnected,
    /// and new subscribers are told the same at once.
    func setDraining(_ draining: Bool) {
        state.withLock { state in
            guard state.draining != draining else { return }
            state.draining = draining
            guard draining else { return }
            for subscriber in state.subscribers.values {
                subscriber.continuation.yield(.draining)
                subscriber.continuation.finish()
            }
            state.subscribers = [:]
        }
    }

    /// A stream of every event after `after`: the retained backlog first, then live events,
    /// without gaps or repeats; `.resync` first if the backlog does not reach back that far.
    func subscribe(after: UInt64) -> (stream: AsyncStream<Delivery>, cancel: @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream<Delivery>.makeStream(bufferingPolicy: .bufferingOldest(subscriberBacklogMax))
        let id = state.withLock { state -> UInt64? in
            if state.draining {
                continuation.yield(.draining)
                continuation.finish()
                return nil
            }
            if after < state.floor { continuation.yield(.resync(state.floor)) }
            for entry in state.entries[state.head...] where entry.seq > after {
                continuation.yield(.event(entry))
            }
            let id = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[id] = Subscriber(continuation: continuation, after: after)
            return id
        }
        let cancel: @Sendable () -> Void = { [self] in
            guard let id else { return }
            _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return (stream, cancel)
    }

    fileprivate static func render(_ event: DeskEvent, seq: UInt64) -> String {
        let data = (try? JSONWriter.result(event.payload)) ?? Array("null".utf8)
        var text = "{\"seq\":\(seq),\"type\":\"\(event.type.rawValue)\""
        if let conversationID = event.conversationID, let quoted = try? JSONEncoder.sorted.encode(conversationID) {
            text += ",\"conversationId\":" + String(decoding: quoted, as: UTF8.self)
        }
        return text + ",\"data\":" + String(decoding: data, as: UTF8.self) + "}"
    }
}
