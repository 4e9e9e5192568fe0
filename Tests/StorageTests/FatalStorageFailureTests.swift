import Storage
import Testing

@Suite struct FatalStorageFailureTests {
    @Test func stopsTheProcessWithTheIOErrorStatus() async {
        await #expect(processExitsWith: .exitCode(storageFailureExitStatus)) {
            fatalStorageFailure(StorageError.rocksDB(operation: "write", message: "IO error: No space left on device"))
        }
    }

    @Test func reportsTheErrorOnStandardError() async throws {
        let result = try await #require(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            fatalStorageFailure(StorageError.corruption(index: 12, reason: "checksum mismatch"))
        }
        let message = String(decoding: result.standardErrorContent, as: UTF8.self)
        #expect(message.contains("corrupt Raft log entry at index 12: checksum mismatch"))
    }
}
