import Foundation
import ServiceDesk

/// Memory a desk grows by per message applied: 10,000 conversations, then `messages` customer
/// messages with idempotency keys applied, the process's resident memory read before and
/// after. The messages stay in the store; what grows is mostly the idempotency window.
enum MemoryBenchmark {
    static func run(messages: Int) throws -> String {
        var desk = try DeskBenchmark.populated()
        let before = residentBytes()
        var index = UInt64(DeskBenchmark.conversationCount)
        var generator = SplitMix(seed: 11)
        for number in 0..<messages {
            index += 1
            let command = DeskBenchmark.message(
                number: number, conversation: Int(generator.next() % UInt64(DeskBenchmark.conversationCount)),
                time: DeskBenchmark.startTime + Int64(index))
            guard case .success = desk.apply(command, index: index).result else { throw BenchmarkError("a message was rejected") }
        }
        let after = residentBytes()
        consume(desk)
        return "bench desk-memory messages=\(messages) rss_bytes_per_message=\((after - before) / messages)"
    }

    /// `VmRSS` from `/proc/self/status`.
    private static func residentBytes() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1_024
    }
}
