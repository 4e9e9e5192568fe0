import Foundation
import RaftCore
import Replica
import ServiceDesk
import Storage

/// The state machine every node replicates: the service desk and the register store side by
/// side. A command's first byte says which one it is for, so both share one log and one
/// applied index.
final class NodeStateMachine: ReplicatedStateMachine {
    enum Part: UInt8 {
        case registers = 1
        case desk = 2
    }

    let registers = RegisterStore()
    private(set) var desk = Desk()
    /// Where applied desk events go, for the live event streams.
    let events: EventLog
    /// Who may sign in, kept in step with the desk for the request path.
    let accessDirectory: AccessDirectory
    /// Who each conversation concerns, kept in step with the desk for the request path.
    let conversationAccess: ConversationAccess

    /// This node, to notice when it is being drained.
    let nodeID: NodeID
    /// The database the state was loaded from, where message records are read. Held weakly:
    /// the replica closes it when it stops.
    private weak var database: Database?

    init(nodeID: NodeID, events: EventLog, accessDirectory: AccessDirectory, conversationAccess: ConversationAccess) {
        self.nodeID = nodeID
        self.events = events
        self.accessDirectory = accessDirectory
        self.conversationAccess = conversationAccess
    }

    static func command(_ part: Part, _ body: [UInt8]) -> [UInt8] {
        [part.rawValue] + body
    }

    func apply(_ data: [UInt8], index: LogIndex, answerWanted: Bool, changes: inout WriteBatch) -> any StateMachineAnswer {
        switch data.first.flatMap(Part.init(rawValue:)) {
        case .registers?:
            return registers.apply(Array(data.dropFirst()), index: index, answerWanted: answerWanted, changes: &changes)
        case .desk?:
            let outcome = desk.apply(encodedCommand: Array(data.dropFirst()), index: index)
            write(outcome.changes, into: &changes)
            for id in outcome.changedConversationIDs { desk.conversation(id: id).map(conversationAccess.update) }
            for event in outcome.events {
                switch event.payload {
                case .staff(let user): desk.staffUser(id: user.id).map(accessDirectory.update)
                case .slots(let map): events.setDraining(map.draining.contains(nodeID))
                case .widget(let widget): accessDirectory.update(widget)
                default: break
                }
            }
            events.publish(outcome.events.map { ($0, desk.audience(of: $0)) }, seq: index)
            // Only the node whose client waits builds the answer; followers skip it. It is
            // encoded only if it must travel to another node.
            return answerWanted ? DeskAnswer(reply: DeskReply(outcome)) : [UInt8]()
        case nil:
            // Every node answers an unknown part the same way, so state stays identical.
            return [UInt8]()
        }
    }

    private func write(_ records: [RecordChange], into changes: inout WriteBatch) {
        for record in records {
            if let value = record.value {
                changes.put(record.key, value, in: .state)
            } else {
                changes.delete(record.key, in: .state)
            }
        }
    }

    func load(from database: Database, appliedIndex: LogIndex) throws {
        events.reset(floor: appliedIndex)
        try registers.load(from: database, appliedIndex: appliedIndex)
        // Everything of the desk's but its messages, which stay in the store until asked for.
        let deskKeys = KeyRange.prefix(Array(RecordKey.prefix.utf8))
        let stored =
            try database.scan(.state, range: KeyRange(from: deskKeys.lowerBound, to: RecordKey.messageKeys.start))
            + database.scan(.state, range: KeyRange(from: RecordKey.messageKeys.end, to: deskKeys.upperBound))
        let workers = ProcessInfo.processInfo.activeProcessorCount
        desk = try Desk(
            records: stored.map { (key: $0.key, value: $0.value) },
            lastMessages: try Self.lastMessages(of: stored.map(\.key), in: database, workers: workers),
            decodingWorkers: workers)
        self.database = database
        accessDirectory.replaceAll(with: desk.allStaffUsers())
        accessDirectory.replaceAll(widgets: desk.allWidgets())
        conversationAccess.replaceAll(with: desk.allConversations)
        events.setDraining(desk.slotMap.draining.contains(nodeID))
    }
}

extension NodeStateMachine {
    /// The last message record of each conversation among `keys` (conversation record keys;
    /// others are skipped), looked up with one backward seek each on `workers` threads: a
    /// conversation record may hold an older tail than its messages (see
    /// `Conversation.onlyTailAdvanced`), and a restart reads no other message.
    static func lastMessages(
        of keys: [[UInt8]], in database: Database, workers: Int
    ) throws -> [(key: [UInt8], value: [UInt8])] {
        let searches = keys.compactMap(RecordKey.lastMessageSearch)
        let chunks = inParallelChunks(count: searches.count, workers: workers) { range in
            Result { () throws -> [(key: [UInt8], value: [UInt8])] in
                let iterator = try database.iterator(
                    in: .state, range: KeyRange(from: RecordKey.messageKeys.start, to: RecordKey.messageKeys.end))
                var records: [(key: [UInt8], value: [UInt8])] = []
                for search in searches[range] {
                    try iterator.seek(toLastAtOrBefore: search.before)
                    guard iterator.isValid else { continue }
                    let key = iterator.key
                    if key.starts(with: search.prefix) { records.append((key: key, value: iterator.value)) }
                }
                return records
            }
        }
        return try chunks.flatMap { try $0.get() }
    }

    /// The `state` column family as the desk's record source, while the database is open.
    var stateRecords: StateRecords? { database.map(StateRecords.init) }

    /// Where a page of a conversation's messages is, as `viewer` may see it.
    enum MessagePageLookup: Sendable {
        case found(MessagePage, StateRecords)
        /// No such conversation, or not one the viewer may see.
        case notFound
        /// The conversation exists but its messages cannot be read: the store is closed
        /// because the node is stopping.
        case storeClosed
    }

    func messagePage(conversationID: String, afterSeq: UInt64, limit: Int, viewer: Viewer) -> MessagePageLookup {
        guard let conversation = desk.conversation(id: conversationID), viewer.canSee(conversation),
            let page = desk.messagePage(conversationID: conversationID, afterSeq: afterSeq, limit: limit, includeInternal: viewer.isStaff)
        else { return .notFound }
        guard let records = stateRecords else { return .storeClosed }
        return .found(page, records)
    }
}

/// The desk's records in the `state` column family, read on any thread.
struct StateRecords: RecordSource, Sendable {
    let database: Database

    func records(from start: [UInt8], to end: [UInt8], limit: Int) throws -> [(key: [UInt8], value: [UInt8])] {
        try database.scan(.state, range: KeyRange(from: start, to: end), limit: limit).map { (key: $0.key, value: $0.value) }
    }
}

/// The desk's answer to a command, as the replica hands it to the proposer.
struct DeskAnswer: StateMachineAnswer {
    let reply: DeskReply

    func encodedAnswer() -> [UInt8] { reply.encoded() }

    /// The reply in `answer`: as it is when this node applied the command, decoded when the
    /// answer came from another node.
    static func reply(in answer: any StateMachineAnswer) throws -> DeskReply {
        if let local = answer as? DeskAnswer { return local.reply }
        return try DeskReply.decode(answer.encodedAnswer())
    }
}
