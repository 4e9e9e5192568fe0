import Testing

@testable import ServiceDesk

@Suite struct ParallelChunksTests {
    /// The chunks cover every item once, in order, and are no more than eight a worker or than
    /// the items allow.
    @Test(arguments: [(0, 4), (999, 4), (1_000, 4), (2_500, 2), (10_001, 4), (10_001, 1), (100_000, 2)])
    func chunksCoverEveryItemOnceInOrder(count: Int, workers: Int) throws {
        let chunks = inParallelChunks(count: count, workers: workers) { range in Result<Range<Int>, Never>.success(range) }
            .map { $0.get() }
        #expect(chunks.count == max(1, min(workers * 8, count / 1_000)))
        #expect(chunks.flatMap { Array($0) } == Array(0..<count))
    }

    @Test func aFailingChunkKeepsItsPlace() throws {
        struct Failed: Error, Equatable { let lowerBound: Int }
        let results = inParallelChunks(count: 4_000, workers: 4, chunksPerWorker: 1) { range in
            range.lowerBound == 2_000 ? .failure(Failed(lowerBound: range.lowerBound)) : .success(range.count)
        }
        #expect(results.count == 4)
        #expect(throws: Failed(lowerBound: 2_000)) { try results[2].get() }
        #expect(try results[3].get() == 1_000)
    }
}
