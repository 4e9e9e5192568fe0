import Foundation
import Testing
@testable import Server
import ServiceDesk

@Suite struct EventLogTests {
    private func event(_ text: String) -> (event: DeskEvent, audience: EventAudience) {
        let message = Message(
            id: text, conversationID: "v1", seq: 1, author: MessageAuthor(type: .customer, id: "c1"), text: text, attachments: [], internal: false,
            createdAt: Timestamp(millisecondsSinceEpoch: 0), index: 1)
        return (DeskEvent(type: .messageCreated, conversationID: "v1", payload: .message(message)), EventAudience(conversationID: "v1", customerID: "c1"))
    }

    private func drain(_ stream: AsyncStream<EventLog.Delivery>, count: Int) async -> [String] {
        var seen: [String] = []
        for await delivery in stream {
            switch delivery {
            case .event(let entry): seen.append("e\(entry.seq)")
            case .resync(let seq): seen.append("r\(seq)")
            case .draining: seen.append("d")
            }
            if seen.count == count { break }
        }
        return seen
    }

    /// A client that resumes on a node still catching up must not see events it already has.
    @Test func aSubscriberAheadOfThisNodeGetsOnlyNewerEvents() async {
        let log = EventLog()
        log.publish([event("a")], seq: 3)
        let (stream, cancel) = log.subscribe(after: 10)
        defer { cancel() }
        for seq in UInt64(4)...12 { log.publish([event("m\(seq)"), event("n\(seq)")], seq: seq) }
        #expect(await drain(stream, count: 4) == ["e11", "e11", "e12", "e12"])
    }

    @Test func liveSubscribersSkippedByASnapshotAreToldToResync() async {
        let log = EventLog()
        let (stream, cancel) = log.subscribe(after: 0)
        defer { cancel() }
        log.publish([event("a")], seq: 5)
        log.reset(floor: 50)
        log.publish([event("b")], seq: 51)
        #expect(await drain(stream, count: 3) == ["e5", "r50", "e51"])
    }

    @Test func drainingEndsStreamsAndRefusesNewOnes() async {
        let log = EventLog()
        let (stream, cancel) = log.subscribe(after: 0)
        defer { cancel() }
        log.setDraining(true)
        #expect(await drain(stream, count: 1) == ["d"])
        let (late, lateCancel) = log.subscribe(after: 0)
        defer { lateCancel() }
        #expect(await drain(late, count: 1) == ["d"])
    }

    /// Events are rendered when first sent: the frame still carries the event as published.
    @Test func aDeliveredEventIsItsJSONFrame() async throws {
        let log = EventLog()
        log.publish([event("hello")], seq: 7)
        let (stream, cancel) = log.subscribe(after: 0)
        defer { cancel() }
        var iterator = stream.makeAsyncIterator()
        guard case .event(let entry)? = await iterator.next() else {
            Issue.record("no event delivered")
            return
        }
        let frame = try #require(try JSONSerialization.jsonObject(with: Data(entry.json.utf8)) as? [String: Any])
        #expect(frame["seq"] as? Int == 7)
        #expect(frame["type"] as? String == "message.created")
        #expect(frame["conversationId"] as? String == "v1")
        #expect((frame["data"] as? [String: Any])?["text"] as? String == "hello")
    }

    /// The proposer on the node that applied a command gets the reply itself; one on another
    /// node gets its bytes. Both read the same reply.
    @Test func aLocalAnswerAndAForwardedOneGiveTheSameReply() throws {
        let reply = DeskReply(result: .success(event("x").event.payload), replayed: true)
        let local = DeskAnswer(reply: reply)
        #expect(try DeskAnswer.reply(in: local) == reply)
        #expect(try DeskAnswer.reply(in: local.encodedAnswer()) == reply)
    }
}
