import RaftCore
import Testing

@testable import Transport

private func appendMessage(_ index: LogIndex) -> Outbound {
    .message(Message(kind: .append, index: index))
}

private func index(of item: Outbound?) -> LogIndex? {
    guard case .message(let message)? = item else { return nil }
    return message.index
}

/// Appends each item in turn and says which were accepted (mutating calls cannot sit inside `#expect`).
private func accepted(_ items: [Outbound], into queue: inout SendQueue) -> [Bool] {
    items.map { queue.append($0) }
}

@Suite struct SendQueueTests {
    @Test func queueRefusesPastItsMessageLimitAndKeepsOrder() {
        var queue = SendQueue(messagesMax: 3, bytesMax: 1 << 20)
        let items = (1...4).map { appendMessage(LogIndex($0)) }
        #expect(accepted(items, into: &queue) == [true, true, true, false])
        let first = queue.popFirst()
        #expect(index(of: first) == 1)
        #expect(accepted([.application([1, 2, 3])], into: &queue) == [true])
        let rest = queue.removeAll()
        #expect(rest.map(index(of:)) == [2, 3, nil])
        #expect(queue.bytes == 0)
    }

    @Test func queueRefusesPastItsByteLimit() {
        let message = Message(kind: .append, entries: [Entry(term: 1, index: 1, data: [UInt8](repeating: 0, count: 100))])
        var queue = SendQueue(messagesMax: 100, bytesMax: message.sizeBytes * 2)
        let items: [Outbound] = [.message(message), .message(message), .message(message), .message(Message(kind: .heartbeat)), .application([1])]
        #expect(accepted(items, into: &queue) == [true, true, false, false, false])
    }

    @Test func onlyOneSnapshotWaitsAndItsDataIsNotCounted() {
        let snapshot = Outbound.message(
            Message(kind: .snapshot, snapshot: Snapshot(data: [UInt8](repeating: 1, count: 10_000))))
        var queue = SendQueue(messagesMax: 10, bytesMax: 1_000)
        #expect(accepted([snapshot, snapshot], into: &queue) == [true, false])
        _ = queue.popFirst()
        #expect(accepted([snapshot], into: &queue) == [true])
    }
}

@Suite struct ReconnectBackoffTests {
    @Test func delaysGrowExponentiallyWithJitterUpToTheMaximum() {
        var backoff = ReconnectBackoff(delayMillisecondsMin: 10, delayMillisecondsMax: 300)
        var generator = SeededGenerator(seed: 1)
        let windows = [10, 20, 40, 80, 160, 300, 300, 300]
        for window in windows {
            let delay = backoff.nextDelayMilliseconds(using: &generator)
            #expect(((window + 1) / 2...window).contains(delay), "delay \(delay) outside window \(window)")
        }
        backoff.reset()
        #expect((5...10).contains(backoff.nextDelayMilliseconds(using: &generator)))
    }

    @Test func manyFailuresNeverOverflow() {
        var backoff = ReconnectBackoff(delayMillisecondsMin: 1, delayMillisecondsMax: Int.max / 2)
        var generator = SeededGenerator(seed: 2)
        for _ in 0..<200 { #expect(backoff.nextDelayMilliseconds(using: &generator) > 0) }
    }

    @Test func jitterSpreadsTheDelays() {
        var generator = SeededGenerator(seed: 3)
        let delays = Set((0..<50).map { _ in
            var backoff = ReconnectBackoff(delayMillisecondsMin: 1000, delayMillisecondsMax: 1000)
            return backoff.nextDelayMilliseconds(using: &generator)
        })
        #expect(delays.count > 10)
    }
}
