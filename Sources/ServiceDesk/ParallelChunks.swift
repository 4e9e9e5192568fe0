import Dispatch

/// Runs `body` over `count` items split into contiguous chunks, `chunksPerWorker` for each of
/// `workers` and no more than `count / chunkMinimum` (at least one), so that small inputs stay on
/// one thread. Dispatch hands the next chunk to whichever core comes free, so a part of the
/// input that costs more (records of a heavier kind sort together) does not leave the other
/// cores idle while one finishes its half. Returns the chunks' results in chunk order. A restart
/// decodes records and looks up each conversation's last message this way.
public func inParallelChunks<Value, Failure: Error>(
    count: Int, workers: Int, chunkMinimum: Int = 1_000, chunksPerWorker: Int = 8,
    _ body: @Sendable (Range<Int>) -> Result<Value, Failure>
) -> [Result<Value, Failure>] {
    precondition(count >= 0 && chunkMinimum > 0 && chunksPerWorker > 0, "a chunked run needs a count and positive sizes")
    let chunkCount = max(1, min(workers * chunksPerWorker, count / chunkMinimum))
    let chunkSize = (count + chunkCount - 1) / chunkCount
    let results = ChunkResults<Value, Failure>(count: chunkCount)
    defer { results.deallocate() }
    DispatchQueue.concurrentPerform(iterations: chunkCount) { chunk in
        results.store(chunk, body((chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize)))
    }
    return results.slots.map { $0! }
}

/// One result slot per chunk. Each worker writes only its own slot, and the slots are read
/// after `concurrentPerform` returned, so no two threads touch one slot.
private struct ChunkResults<Value, Failure: Error>: @unchecked Sendable {
    let slots: UnsafeMutableBufferPointer<Result<Value, Failure>?>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    func store(_ chunk: Int, _ result: Result<Value, Failure>) { slots[chunk] = result }

    func deallocate() {
        slots.deinitialize()
        slots.deallocate()
    }
}
