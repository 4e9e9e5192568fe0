import RaftCore
import Storage
import Testing

/// Damage done to a closed store through the raw database, then checked at the next open.
@Suite struct RaftLogStoreCorruptionTests {
    /// The key of the entry at `index` as the store writes it.
    private func entryKey(_ index: LogIndex) -> [UInt8] {
        withUnsafeBytes(of: index.bigEndian) { Array($0) }
    }

    /// Writes entries 1...5 (committed up to `commit`), closes, changes the raw database with
    /// `damage`, and returns the error the next open throws.
    private func openAfterDamage(commit: LogIndex = 2, _ damage: (Database) throws -> Void) throws -> StorageError? {
        var thrown: StorageError?
        try withTemporaryDirectory { directory in
            let path = directory + "/db"
            do {
                let store = try RaftLogStore(path: path)
                try store.save(
                    hardState: HardState(term: 1, vote: 1, commit: commit), entries: makeEntries(1...5, term: 1),
                    snapshot: nil, sync: true)
            }
            try damage(try Database(path: path))
            thrown = #expect(throws: StorageError.self) { try RaftLogStore(path: path) }
        }
        return thrown
    }

    @Test func aFlippedByteInAnEntryIsReportedWithItsIndex() throws {
        let error = try openAfterDamage { database in
            var value = try #require(try database.get(entryKey(3), in: .raftLog))
            value[value.count / 2] ^= 0x01
            try database.put(entryKey(3), value, in: .raftLog)
        }
        guard case .corruption(let index, let reason)? = error else {
            Issue.record("expected a corruption error, got \(String(describing: error))")
            return
        }
        #expect(index == 3)
        #expect(reason.contains("checksum"))
    }

    @Test func aTruncatedEntryIsReportedWithItsIndex() throws {
        let error = try openAfterDamage { database in
            let value = try #require(try database.get(entryKey(4), in: .raftLog))
            try database.put(entryKey(4), Array(value.dropLast(3)), in: .raftLog)
        }
        guard case .corruption(let index, _)? = error else {
            Issue.record("expected a corruption error, got \(String(describing: error))")
            return
        }
        #expect(index == 4)
    }

    @Test func anEntryCutShorterThanItsFrameIsReported() throws {
        let error = try openAfterDamage { database in
            try database.put(entryKey(2), [1, 0], in: .raftLog)
        }
        guard case .corruption(let index, let reason)? = error else {
            Issue.record("expected a corruption error, got \(String(describing: error))")
            return
        }
        #expect(index == 2)
        #expect(reason.contains("shorter"))
    }

    @Test func aMissingEntryInTheMiddleIsReported() throws {
        let error = try openAfterDamage { database in
            try database.delete(entryKey(3), in: .raftLog)
        }
        #expect(error == .corruption(index: 3, reason: "missing: the next stored entry is 4"))
    }

    @Test func aLostTailBelowTheCommitIndexIsReported() throws {
        let error = try openAfterDamage(commit: 5) { database in
            try database.delete(entryKey(5), in: .raftLog)
        }
        guard case .corruption(let index, let reason)? = error else {
            Issue.record("expected a corruption error, got \(String(describing: error))")
            return
        }
        #expect(index == 5)
        #expect(reason.contains("commits up to 5"))
    }

    @Test func anEntryStoredUnderTheWrongKeyIsReported() throws {
        let error = try openAfterDamage { database in
            let value = try #require(try database.get(entryKey(2), in: .raftLog))
            try database.put(entryKey(3), value, in: .raftLog)
        }
        #expect(error == .corruption(index: 3, reason: "the record holds index 2"))
    }

    @Test func aDamagedHardStateIsReported() throws {
        let error = try openAfterDamage { database in
            var value = try #require(try database.get(Array("hard_state".utf8), in: .raftMeta))
            value[1] ^= 0xFF
            try database.put(Array("hard_state".utf8), value, in: .raftMeta)
        }
        guard case .corruptMetadata(let record, let reason)? = error else {
            Issue.record("expected a metadata corruption error, got \(String(describing: error))")
            return
        }
        #expect(record == "hard_state")
        #expect(reason.contains("checksum"))
    }

    @Test func anUnknownFormatVersionIsReported() throws {
        let error = try openAfterDamage { database in
            // A well-formed frame of a version this release does not know: the checksum holds,
            // so only the version check can catch it.
            var record: [UInt8] = [9] + [UInt8](repeating: 0, count: 24)
            let checksum = crc32c(record)
            record += withUnsafeBytes(of: checksum.bigEndian) { Array($0) }
            try database.put(Array("hard_state".utf8), record, in: .raftMeta)
        }
        #expect(error == .corruptMetadata(record: "hard_state", reason: "unknown record format version 9"))
    }

    /// An independent bitwise CRC-32C, so this test does not trust the code under test.
    private func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
