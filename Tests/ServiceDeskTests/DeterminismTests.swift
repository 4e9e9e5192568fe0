import Testing
@testable import ServiceDesk

/// SplitMix64: a tiny seeded generator, so a failing seed reproduces exactly.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Random commands over a small id space, so that many succeed and many collide or fail.
struct CommandGenerator {
    var random: SeededRandom
    var time: Int64 = 1_700_000_000_000

    init(seed: UInt64) {
        random = SeededRandom(state: seed)
    }

    mutating func next() -> Command {
        time += Int64.random(in: 0...5_000, using: &random)
        let key = Bool.random(using: &random) ? "key-\(Int.random(in: 0..<40, using: &random))" : nil
        return Command(time: Timestamp(millisecondsSinceEpoch: time), actor: actor(), idempotencyKey: key, action: action())
    }

    private mutating func pick(_ prefix: String, _ count: Int) -> String { "\(prefix)\(Int.random(in: 0..<count, using: &random))" }

    private mutating func actor() -> Actor {
        switch Int.random(in: 0..<5, using: &random) {
        case 0: .adminToken
        case 1: .system
        case 2: .customer(id: pick("c", 6))
        default: .staff(id: pick("s", 5), role: .agent)
        }
    }

    private mutating func action() -> Command.Action {
        switch Int.random(in: 0..<13, using: &random) {
        case 0: .createCustomer(CreateCustomer(id: pick("c", 6), name: pick("Name ", 9), externalIDs: [.wechat: pick("wx", 8)]))
        case 1: .updateCustomer(UpdateCustomer(customerID: pick("c", 6), email: Bool.random(using: &random) ? .set(pick("e", 5) + "@x.com") : .clear, attributes: ["plan": pick("p", 3)]))
        case 2, 3:
            .createConversation(CreateConversation(
                id: pick("v", 12), customer: .external(channel: .wechat, externalID: pick("wx", 8), newCustomerID: pick("c", 6), name: "New"),
                channel: .wechat, tags: [pick("tag", 4)]))
        case 4: .updateConversation(UpdateConversation(conversationID: pick("v", 12), status: ConversationStatus.allCases.randomElement(using: &random), assigneeID: .set(pick("s", 5))))
        case 5, 6, 7:
            .postMessage(PostMessage(conversationID: pick("v", 12), messageID: pick("m", 400), text: pick("text ", 100), internal: Int.random(in: 0..<4, using: &random) == 0))
        case 8: .createStaff(CreateStaff(id: pick("s", 5), email: pick("s", 7) + "@x.com", name: "Staff", role: StaffRole.allCases.randomElement(using: &random)!, passwordHash: "h", teamIDs: [pick("t", 2)]))
        case 9: .setStaffStatus(SetStaffStatus(staffID: pick("s", 5), status: PresenceStatus.allCases.randomElement(using: &random)!))
        case 10: .createTeam(CreateTeam(id: pick("t", 2), name: "Team"))
        case 11: .createCannedResponse(CreateCannedResponse(id: pick("r", 4), title: "R", text: "text", shortcut: pick("/s", 5)))
        default: .deleteCannedResponse(DeleteCannedResponse(cannedResponseID: pick("r", 4)))
        }
    }
}

/// A stand-in for the `state` column family: applies each outcome's changes.
struct RecordStore {
    var records: [[UInt8]: [UInt8]] = [:]

    mutating func write(_ changes: [RecordChange]) {
        for change in changes { records[change.key] = change.value }
    }

    var sorted: [(key: [UInt8], value: [UInt8])] {
        records.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { (key: $0.key, value: $0.value) }
    }

    /// The records a desk writes for `count` commands of `CommandGenerator(seed:)`.
    static func written(byRandomCommands count: UInt64, seed: UInt64) -> RecordStore {
        var generator = CommandGenerator(seed: seed)
        var desk = Desk()
        var store = RecordStore()
        for index in 1...count { store.write(desk.apply(generator.next(), index: index).changes) }
        return store
    }

    /// The records a desk holds in memory: all but the messages.
    var withoutMessages: [(key: [UInt8], value: [UInt8])] { sorted.filter { !RecordKey.isMessage($0.key) } }

    /// The last message stored for a conversation.
    func lastMessage(of conversationID: String) -> Message? {
        let found = sorted.last { RecordKey.messageKeyParts($0.key).map { String(decoding: $0.conversationID, as: UTF8.self) } == conversationID }
        guard let found, case .message(let message) = try? StoredRecord.decode(found.value) else { return nil }
        return message
    }

    /// A desk loaded as a node loads it at start: the records without the messages, and for
    /// each conversation record the last key at or before `RecordKey.lastMessageSearch`'s
    /// bound, kept if it has the conversation's prefix.
    func loadedAsOnRestart(limits: DeskLimits = .standard) throws -> Desk {
        let all = sorted
        let lastMessages = withoutMessages.compactMap { record -> (key: [UInt8], value: [UInt8])? in
            guard let search = RecordKey.lastMessageSearch(conversationKey: record.key),
                let found = all.last(where: { !search.before.lexicographicallyPrecedes($0.key) }),
                found.key.starts(with: search.prefix)
            else { return nil }
            return found
        }
        return try Desk(records: withoutMessages, lastMessages: lastMessages, decodingWorkers: 2, limits: limits)
    }
}

extension RecordStore: RecordSource {
    func records(from start: [UInt8], to end: [UInt8], limit: Int) -> [(key: [UInt8], value: [UInt8])] {
        Array(sorted.lazy.filter { !$0.key.lexicographicallyPrecedes(start) && $0.key.lexicographicallyPrecedes(end) }.prefix(limit))
    }
}

@Suite struct DeterminismTests {
    private func smallLimits() -> DeskLimits {
        var limits = DeskLimits()
        limits.idempotencyEntriesMax = 15
        limits.idempotencyWindowIndexes = 300
        limits.auditEntriesMax = 40
        return limits
    }

    @Test(arguments: [1, 2, 3, 42, 2_024] as [UInt64])
    func sameCommandsGiveIdenticalSnapshots(seed: UInt64) {
        var generator = CommandGenerator(seed: seed)
        var first = Desk(limits: smallLimits())
        var second = Desk(limits: smallLimits())
        var accepted = 0
        for index in 1...1_500 as ClosedRange<UInt64> {
            let bytes = generator.next().encoded()
            let outcome = first.apply(encodedCommand: bytes, index: index)
            #expect(second.apply(encodedCommand: bytes, index: index) == outcome)
            if case .success = outcome.result, !outcome.replayed { accepted += 1 }
        }
        #expect(first.snapshotData() == second.snapshotData())
        #expect(accepted > 200, "the generator must exercise the accepting paths")
    }

    /// The records written are the desk's records, but for conversations whose only change
    /// since their record was written is new messages: those hold an older tail, and a load
    /// takes the tail from the last message. Either load (all records, or the records without
    /// messages and each conversation's last message as a restart finds it) is the same desk.
    @Test(arguments: [7, 99] as [UInt64])
    func recordChangesDescribeExactlyTheStoredRecords(seed: UInt64) throws {
        var generator = CommandGenerator(seed: seed)
        var desk = Desk(limits: smallLimits())
        var store = RecordStore()
        var staleConversations = 0
        for index in 1...1_500 as ClosedRange<UInt64> {
            store.write(desk.apply(generator.next(), index: index).changes)
            guard index.isMultiple(of: 250) else { continue }
            let stored = store.withoutMessages
            let held = desk.records()
            #expect(stored.map(\.key) == held.map(\.key))
            for (stored, held) in zip(stored, held) where stored.value != held.value {
                guard case .conversation(var conversation) = try StoredRecord.decode(stored.value),
                    let last = store.lastMessage(of: conversation.id)
                else {
                    Issue.record("record \(String(decoding: stored.key, as: UTF8.self)) differs from the desk's")
                    continue
                }
                #expect(conversation.lastMessageSeq < last.seq)
                conversation.advanceTail(to: last)
                #expect(StoredRecord.conversation(conversation).encoded() == held.value)
                staleConversations += 1
            }
            #expect(try Desk(records: store.sorted, limits: smallLimits()) == desk)
            #expect(try store.loadedAsOnRestart(limits: smallLimits()) == desk)
        }
        #expect(staleConversations > 0, "the generator must post messages that change nothing else")
        let reloaded = try Desk(records: store.sorted, limits: smallLimits())
        #expect(reloaded.snapshotData() == desk.snapshotData())
        #expect(reloaded == desk)
    }

    /// Restart decodes records on several threads; the desk must be the one a single thread
    /// builds, and a damaged record anywhere must still be refused.
    @Test func decodingOnSeveralThreadsLoadsTheSameDesk() throws {
        var desk = Desk()
        for number in 1...1_500 as ClosedRange<UInt64> {
            let open = Command(
                time: Timestamp(millisecondsSinceEpoch: 1_764_000_000_000 + Int64(number)), actor: .system,
                idempotencyKey: "open-\(number)",
                action: .createConversation(CreateConversation(
                    id: "conversation-\(number)",
                    customer: .external(channel: .web, externalID: "visitor-\(number)", newCustomerID: "customer-\(number)", name: "C"),
                    channel: .web, subject: "Where is my order?", language: "en")))
            guard case .success = desk.apply(open, index: number).result else { throw DeskDecodingError.malformed("refused") }
        }
        let records = desk.records()
        #expect(records.count > 3_000, "several chunks of 1,000 records")
        let parallel = try Desk(records: records, decodingWorkers: 4)
        #expect(parallel == desk)
        #expect(parallel.snapshotData() == desk.snapshotData())
        var damaged = records
        damaged[records.count - 10].value = Array(damaged[records.count - 10].value.dropLast())
        #expect(throws: DeskDecodingError.self) { try Desk(records: damaged, decodingWorkers: 4) }
    }

    @Test func restoredDeskBehavesIdentically() throws {
        var generator = CommandGenerator(seed: 5)
        var original = Desk(limits: smallLimits())
        for index in 1...800 as ClosedRange<UInt64> { _ = original.apply(generator.next(), index: index) }
        var restored = try Desk(snapshot: original.snapshotData(), limits: smallLimits())
        #expect(restored.snapshotData() == original.snapshotData())
        var fromRecords = try Desk(records: original.records(), limits: smallLimits())
        for index in 801...1_600 as ClosedRange<UInt64> {
            let command = generator.next()
            let expected = original.apply(command, index: index)
            #expect(restored.apply(command, index: index) == expected)
            #expect(fromRecords.apply(command, index: index) == expected)
        }
        #expect(restored.snapshotData() == original.snapshotData())
        #expect(fromRecords.snapshotData() == original.snapshotData())
    }

    @Test func messageSeqsStayGaplessUnderRandomLoad() throws {
        var generator = CommandGenerator(seed: 11)
        var desk = Desk(limits: smallLimits())
        var store = RecordStore()
        for index in 1...2_000 as ClosedRange<UInt64> { store.write(desk.apply(generator.next(), index: index).changes) }
        let conversations = desk.conversations(matching: ConversationFilter(), limit: 500).items
        #expect(conversations.contains { $0.lastMessageSeq > 1 })
        for conversation in conversations {
            let list = try #require(desk.messagePage(conversationID: conversation.id, limit: 500)).read(from: store)
            #expect(list.map(\.seq) == Array(0..<UInt64(list.count)).map { $0 + 1 })
            #expect(UInt64(list.count) == conversation.lastMessageSeq)
        }
    }

    @Test func corruptSnapshotsAreRejected() {
        let desk = Harness.populated().desk
        var bytes = desk.snapshotData()
        bytes.removeLast()
        #expect(throws: DeskDecodingError.self) { try Desk(snapshot: bytes) }
        #expect(throws: DeskDecodingError.self) { try Desk(snapshot: Array("nope".utf8)) }
        var records = desk.records()
        records.removeAll { String(decoding: $0.key, as: UTF8.self).hasPrefix("sd/customer/") }
        #expect(throws: DeskDecodingError.self) { try Desk(records: records) }
    }
}
