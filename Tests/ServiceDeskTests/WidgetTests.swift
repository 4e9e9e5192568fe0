import Testing
@testable import ServiceDesk

@Suite struct WidgetTests {
    private func makeWidget(_ harness: inout Harness) -> Widget? {
        guard case .widget(let widget)? = harness.ok(.adminToken, .createWidget(CreateWidget(
            id: "w1", name: "Shop", publicKey: "wk_key1", queue: "sales", teamID: "t1", greeting: "Hi")))
        else { return nil }
        return widget
    }

    @Test func adminsManageWidgetsAndKeysAreUnique() throws {
        var harness = Harness.populated()
        let widget = try #require(makeWidget(&harness))
        #expect(harness.desk.widget(publicKey: "wk_key1") == widget)
        harness.rejects(Harness.supervisor, .createWidget(CreateWidget(id: "w2", name: "X", publicKey: "wk_2")), .forbidden)
        harness.rejects(.adminToken, .createWidget(CreateWidget(id: "w2", name: "X", publicKey: "wk_key1")), .conflict)
        harness.rejects(.adminToken, .createWidget(CreateWidget(id: "w2", name: "X", publicKey: "wk_3", teamID: "nope")), .notFound)
        harness.ok(.adminToken, .updateWidget(UpdateWidget(widgetID: "w1", queue: .clear, active: false)))
        #expect(harness.desk.widget(publicKey: "wk_key1") == nil, "inactive widgets open no sessions")
        #expect(harness.desk.widget(id: "w1")?.queue == nil)
    }

    @Test func typingEmitsAnEventAndStoresNothing() throws {
        var harness = Harness.populated()
        let outcome = harness.run(Harness.customer, .signalTyping(SignalTyping(conversationID: "v1")))
        #expect(outcome.changes.isEmpty)
        let event = try #require(outcome.events.first)
        #expect(event.type == .conversationTyping)
        #expect(event.payload == .typing(TypingSignal(conversationID: "v1", type: .customer, id: "c1", name: "Li Wei")))
        harness.rejects(Harness.otherCustomer, .signalTyping(SignalTyping(conversationID: "v1")), .forbidden)
        harness.rejects(.system, .signalTyping(SignalTyping(conversationID: "v1")), .forbidden)
        harness.rejects(Harness.customer, .signalTyping(SignalTyping(conversationID: "nope")), .notFound)
    }

    @Test func readMarksOnlyMoveForwardAndStayWithinTheConversation() {
        var harness = Harness.populated()
        for number in 1...3 {
            harness.ok(.system, .postMessage(PostMessage(conversationID: "v1", messageID: "m\(number)", text: "x")))
        }
        harness.ok(Harness.customer, .markRead(MarkRead(conversationID: "v1", seq: 99)))
        #expect(harness.desk.conversation(id: "v1")?.customerReadSeq == 3)
        harness.ok(Harness.customer, .markRead(MarkRead(conversationID: "v1", seq: 1)))
        #expect(harness.desk.conversation(id: "v1")?.customerReadSeq == 3)
        harness.ok(Harness.agent, .markRead(MarkRead(conversationID: "v1", seq: 2)))
        #expect(harness.desk.conversation(id: "v1")?.staffReadSeq == 2)
        harness.rejects(Harness.otherCustomer, .markRead(MarkRead(conversationID: "v1", seq: 1)), .forbidden)
        let restored = try? Desk(records: harness.desk.records())
        #expect(restored?.conversation(id: "v1")?.customerReadSeq == 3, "read marks are stored")
    }

    @Test func widgetsSurviveSnapshotsAndRestarts() throws {
        var harness = Harness.populated()
        _ = makeWidget(&harness)
        #expect(try Desk(snapshot: harness.desk.snapshotData()) == harness.desk)
        #expect(try Desk(records: harness.desk.records()) == harness.desk)
    }
}
