import Foundation
import Replica
@testable import ServiceDesk
import Storage
import Testing

@testable import Server

/// A node loading its state from RocksDB at start.
@Suite struct StateLoadTests {
    /// Conversations whose later posts changed only their tail keep an older record; the load
    /// finds each one's last message (on several threads: more than a thousand conversations
    /// per worker) and builds the desk the node had.
    @Test func aLoadTakesEachConversationsTailFromItsLastMessage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-load-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try Database(path: directory)
        let writer = AppliedNode(database: database)
        let conversationCount = 2_100
        for number in 0..<conversationCount {
            try writer.apply(.system, .createConversation(CreateConversation(
                id: "v\(number)", customer: .external(channel: .web, externalID: "x\(number)", newCustomerID: "c\(number)", name: "C"),
                channel: .web)))
        }
        for number in 0..<conversationCount where !number.isMultiple(of: 7) {
            for post in 0..<(number % 3 + 1) {
                try writer.apply(.customer(id: "c\(number)"), .postMessage(PostMessage(
                    conversationID: "v\(number)", messageID: "m\(number)-\(post)", text: "hello \(post)")))
            }
        }
        let stored = try #require(try database.get(Array("sd/conversation/v5".utf8), in: .state))
        guard case .conversation(let storedConversation) = try StoredRecord.decode(stored) else {
            Issue.record("v5's record is not a conversation")
            return
        }
        #expect(storedConversation.lastMessageSeq == 0, "v5's three customer posts changed only its tail")
        #expect(writer.machine.desk.conversation(id: "v5")?.lastMessageSeq == 3)

        let loaded = NodeStateMachine(
            nodeID: 1, events: EventLog(), accessDirectory: AccessDirectory(), conversationAccess: ConversationAccess())
        try loaded.load(from: database, appliedIndex: writer.index)
        #expect(loaded.desk == writer.machine.desk)
        #expect(loaded.desk.conversation(id: "v0")?.lastMessageSeq == 0)
    }
}
