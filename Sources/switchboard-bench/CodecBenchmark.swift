import ServiceDesk

/// Encodes and decodes a `postMessage` command as the HTTP path and every replica's apply do.
enum CodecBenchmark {
    static func run() throws -> Result {
        let command = Command(
            time: Timestamp(millisecondsSinceEpoch: 1_764_000_000_000), actor: .customer(id: "6f1c2a9e-5b7d-4c1e-9a0b-3f2d1e0c9b8a"),
            idempotencyKey: "812734981-4711",
            action: .postMessage(PostMessage(
                conversationID: "0b9d8c7e-6f5a-4b3c-2d1e-0f9a8b7c6d5e", messageID: "1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d",
                text: "Hello, my parcel has not arrived yet. Order 12345")))
        return try Measure.repeatedly {
            try Measure.timed(100) {
                for _ in 0..<100 {
                    let decoded = try Command.decode(command.encoded())
                    consume(decoded)
                }
            }
        }
    }
}
