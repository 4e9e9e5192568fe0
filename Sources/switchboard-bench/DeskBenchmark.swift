import ServiceDesk

/// `Desk.apply` of customer messages on a desk holding 10,000 conversations, each with its own
/// customer, with an idempotency key per command as the HTTP path sends them. `encoded` runs the
/// replica's entry point (decode, then apply) instead of applying the decoded command.
enum DeskBenchmark {
    static let conversationCount = 10_000
    static let roundCommands = 1_000

    static func run(encoded: Bool) throws -> Result {
        var desk = try populated()
        var index = UInt64(conversationCount)
        var time = startTime + Int64(conversationCount)
        var generator = SplitMix(seed: 42)
        var posted = 0
        return try Measure.repeatedly {
            let commands = (0..<roundCommands).map { _ -> Command in
                posted += 1
                time += 1
                return message(number: posted, conversation: Int(generator.next() % UInt64(conversationCount)), time: time)
            }
            let inputs = encoded ? commands.map { $0.encoded() } : []
            return try Measure.timed(roundCommands) {
                for offset in 0..<roundCommands {
                    index += 1
                    let outcome = encoded
                        ? desk.apply(encodedCommand: inputs[offset], index: index)
                        : desk.apply(commands[offset], index: index)
                    guard case .success = outcome.result else { throw BenchmarkError("a message was rejected: \(outcome.result)") }
                    consume(outcome)
                }
            }
        }
    }

    /// `Desk.snapshotData()` after `messages` messages to the 10,000 conversations: the
    /// desk's state in memory encoded at once (the messages themselves stay in the store, and
    /// replicas no longer do this: their snapshots are the stored records). An op is one
    /// whole snapshot.
    static func snapshot(messages: Int) throws -> Result {
        var desk = try populated()
        var index = UInt64(conversationCount)
        var generator = SplitMix(seed: 7)
        for number in 0..<messages {
            index += 1
            let command = message(
                number: number, conversation: Int(generator.next() % UInt64(conversationCount)),
                time: startTime + Int64(index))
            guard case .success = desk.apply(command, index: index).result else { throw BenchmarkError("a message was rejected") }
        }
        return Measure.repeatedly {
            Measure.timed(1) { consume(desk.snapshotData()) }
        }
    }

    /// A newest-first page of 50 conversations of the 10,000, then the page after it, as the
    /// console's list asks for them; a query reads the desk on the Raft thread, so its time is
    /// time every write waits. An op is one page.
    static func list() throws -> Result {
        let desk = try populated()
        return Measure.repeatedly {
            Measure.timed(2) {
                let first = desk.conversations(matching: ConversationFilter(status: .open), limit: 50)
                consume(desk.conversations(matching: ConversationFilter(status: .open), limit: 50, after: first.nextCursor))
            }
        }
    }

    /// The supervisors' live figures over the 10,000 conversations (a read on the Raft thread,
    /// which each dashboard asks for every few seconds). An op is one `liveStats`.
    static func liveStats() throws -> Result {
        let desk = try populated()
        return Measure.repeatedly {
            Measure.timed(1) { consume(desk.liveStats(now: Timestamp(millisecondsSinceEpoch: startTime + 86_400_000))) }
        }
    }

    static let startTime: Int64 = 1_764_000_000_000

    static func message(number: Int, conversation: Int, time: Int64) -> Command {
        Command(
            time: Timestamp(millisecondsSinceEpoch: time), actor: .customer(id: "customer-\(conversation)"),
            idempotencyKey: "bench-\(number)",
            action: .postMessage(PostMessage(
                conversationID: conversationID(conversation), messageID: "message-\(number)",
                text: "Hello, my parcel has not arrived yet. Order 12345")))
    }

    /// A conversation's id shaped as the node draws them: 36 characters, like a UUID.
    static func conversationID(_ number: Int) -> String {
        let digits = String(number)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    /// A desk with `conversationCount` conversations, each of its own customer.
    static func populated() throws -> Desk {
        var desk = Desk()
        var index: UInt64 = 0
        var time = startTime
        for number in 0..<conversationCount {
            index += 1
            time += 1
            let open = Command(
                time: Timestamp(millisecondsSinceEpoch: time), actor: .system, idempotencyKey: "open-\(number)",
                action: .createConversation(CreateConversation(
                    id: conversationID(number),
                    customer: .external(channel: .web, externalID: "bench-\(number)", newCustomerID: "customer-\(number)", name: "Customer \(number)"),
                    channel: .web, subject: "Where is my order?", language: "en")))
            guard case .success = desk.apply(open, index: index).result else { throw BenchmarkError("could not open a conversation") }
        }
        return desk
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A small deterministic generator, so every run posts to the same conversations.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
