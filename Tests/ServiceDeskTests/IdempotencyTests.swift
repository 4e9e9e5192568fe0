import Testing
@testable import ServiceDesk

@Suite struct IdempotencyTests {
    private let post = Command.Action.postMessage(PostMessage(conversationID: "v1", messageID: "m1", text: "hi"))

    @Test func retryReturnsFirstResultAndChangesNothing() throws {
        var harness = Harness.populated()
        let first = harness.run(Harness.customer, post, key: "k-1")
        let firstIndex = harness.index
        let snapshot = harness.desk.snapshotData()
        let retry = harness.run(Harness.customer, post, key: "k-1")
        #expect(retry.replayed && !first.replayed)
        #expect(retry.result == first.result)
        #expect(retry.events.isEmpty && retry.changes.isEmpty)
        #expect(harness.desk.snapshotData() == snapshot)
        let differentBody = harness.run(
            Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m2", text: "again")), key: "k-1")
        #expect(differentBody.result == first.result, "the key, not the body, identifies the write")
        #expect(first.changes.contains { $0.key == RecordKey.idempotency(index: firstIndex) && $0.value != nil })
    }

    /// The table keeps tens of thousands of entries in a dictionary sized for its whole window:
    /// an entry holding its result inline (about 500 bytes) cost each node 60 MB of memory and
    /// made every removal move half-kilobyte buckets.
    @Test func entriesHoldTheirResultsBoxed() {
        #expect(MemoryLayout<DeskResult>.size == MemoryLayout<Int>.size)
        #expect(MemoryLayout<IdempotencyEntry>.size <= 32)
    }

    @Test func keysAreScopedPerActor() throws {
        var harness = Harness.populated()
        harness.ok(.system, .createConversation(CreateConversation(id: "v2", customer: .existing(id: "c2"), channel: .web)))
        harness.ok(Harness.customer, post, key: "same")
        let other = harness.run(
            Harness.otherCustomer, .postMessage(PostMessage(conversationID: "v2", messageID: "m2", text: "hi")), key: "same")
        #expect(!other.replayed)
        #expect(try other.result.get().message?.conversationID == "v2")
    }

    @Test func rejectedCommandsAreNotRemembered() {
        var harness = Harness.populated()
        harness.rejects(Harness.customer, .postMessage(PostMessage(conversationID: "v9", messageID: "m1", text: "hi")), .notFound, key: "k")
        #expect(harness.desk.idempotencyEntryCount == 0)
        harness.ok(Harness.customer, post, key: "k")
    }

    @Test func keysExpireAfterTheWindow() throws {
        var limits = DeskLimits()
        limits.idempotencyWindowIndexes = 100
        var harness = Harness.populated(limits: limits)
        harness.ok(Harness.customer, post, key: "k")
        let keyIndex = harness.index
        harness.index = keyIndex + 98
        #expect(harness.run(Harness.customer, post, key: "k").replayed, "still inside the window")
        let expired = harness.run(Harness.customer, post, key: "k")
        #expect(!expired.replayed)
        #expect(try expired.result.get().message?.seq == 2, "past the window the key no longer guards the post")
        #expect(harness.run(Harness.customer, post, key: "k").result == expired.result)
        #expect(harness.desk.idempotencyEntryCount == 1)
    }

    /// A desk with a 10-index window whose entry for `key` (at the returned index) has expired.
    private func harnessWithExpiredKey(_ key: String) -> (harness: Harness, keyIndex: UInt64) {
        var limits = DeskLimits()
        limits.idempotencyWindowIndexes = 10
        var harness = Harness.populated(limits: limits)
        harness.ok(Harness.customer, post, key: key)
        let keyIndex = harness.index
        harness.index += 20
        return (harness, keyIndex)
    }

    @Test func expiredEntriesAreDeletedFromTheRecords() {
        var (harness, oldIndex) = harnessWithExpiredKey("old")
        let later = harness.run(Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m2", text: "hi")), key: "new")
        #expect(later.changes.contains(RecordChange(key: RecordKey.idempotency(index: oldIndex), value: nil)))
        #expect(harness.desk.idempotencyEntryCount == 1)
        #expect(harness.store.withoutMessages.map(\.key) == harness.desk.records().map(\.key))
    }

    /// An expired key used again is a new entry under the new index; the old record goes.
    @Test func aKeyUsedAgainAfterItExpiredMovesToItsNewIndex() {
        var (harness, oldIndex) = harnessWithExpiredKey("k")
        let again = harness.run(Harness.customer, post, key: "k")
        #expect(!again.replayed)
        #expect(again.changes.contains(RecordChange(key: RecordKey.idempotency(index: oldIndex), value: nil)))
        #expect(again.changes.contains { $0.key == RecordKey.idempotency(index: harness.index) && $0.value != nil })
    }

    /// Entries an earlier build stored under their scoped key are read, answer retries, are
    /// written back under that key by `records()`, and are deleted under it when they leave.
    @Test func entriesStoredUnderTheirScopedKeyStillWork() throws {
        var limits = DeskLimits()
        limits.idempotencyEntriesMax = 2
        var harness = Harness.populated(limits: limits)
        let first = harness.run(Harness.customer, post, key: "legacy")
        let firstIndex = harness.index
        var records = harness.desk.records()
        let position = try #require(records.firstIndex { $0.key == RecordKey.idempotency(index: firstIndex) })
        let legacyKey = RecordKey.legacyIdempotency("customer:c1|legacy")
        records[position].key = legacyKey
        records.sort { $0.key.lexicographicallyPrecedes($1.key) }
        harness.desk = try Desk(records: records, limits: limits)
        #expect(harness.desk.records().map(\.key) == records.map(\.key))
        #expect(harness.run(Harness.customer, post, key: "legacy").result == first.result)
        harness.ok(Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m2", text: "hi")), key: "k2")
        let evicting = harness.run(Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m3", text: "hi")), key: "k3")
        #expect(evicting.changes.contains(RecordChange(key: legacyKey, value: nil)))
        #expect(!evicting.changes.contains { $0.key == RecordKey.idempotency(index: firstIndex) })
        #expect(!harness.desk.records().contains { $0.key == legacyKey })
    }

    @Test func aRecordUnderAnotherEntrysKeyIsRefused() throws {
        var harness = Harness.populated()
        harness.ok(Harness.customer, post, key: "k")
        var records = harness.desk.records()
        let position = try #require(records.firstIndex { RecordKey.legacyIdempotencyScopedKey($0.key) == nil && String(decoding: $0.key, as: UTF8.self).hasPrefix("sd/idempotency/") })
        records[position].key = RecordKey.legacyIdempotency("customer:c1|other")
        #expect(throws: DeskDecodingError.self) { try Desk(records: records) }
        records[position].key = RecordKey.idempotency(index: 999)
        #expect(throws: DeskDecodingError.self) { try Desk(records: records) }
    }

    @Test func tableNeverExceedsItsBoundAndEvictsOldestFirst() {
        var limits = DeskLimits()
        limits.idempotencyEntriesMax = 3
        var harness = Harness.populated(limits: limits)
        for number in 1...5 {
            harness.ok(Harness.customer, .postMessage(PostMessage(conversationID: "v1", messageID: "m\(number)", text: "hi")), key: "k\(number)")
            #expect(harness.desk.idempotencyEntryCount == min(number, 3))
        }
        #expect(harness.run(Harness.customer, post, key: "k3").replayed)
        #expect(!harness.run(Harness.customer, post, key: "k2").replayed, "k2 was evicted")
    }

    @Test func tableSurvivesSnapshotAndRecords() throws {
        var harness = Harness.populated()
        let first = harness.run(Harness.customer, post, key: "k")
        harness.desk = try Desk(snapshot: harness.desk.snapshotData())
        #expect(harness.run(Harness.customer, post, key: "k").result == first.result)
        harness.desk = try Desk(records: harness.desk.records())
        #expect(harness.run(Harness.customer, post, key: "k").replayed)
    }
}

@Suite struct IdempotencyTableTests {
    /// The table takes room for its whole window at the first key, so filling it never
    /// rehashes every key on the Raft thread; keys in and out still behave as before.
    @Test func theFirstKeyReservesTheWholeWindow() {
        var limits = DeskLimits()
        limits.idempotencyEntriesMax = 1_000
        var table = IdempotencyTable()
        let result = DeskResult.cannedResponseDeleted(id: "r1")
        _ = table.insert(IdempotencyEntry(key: "k0", index: 1, result: result), limits: limits)
        let capacity = table.entries.capacity
        #expect(capacity > limits.idempotencyEntriesMax)
        var forgotten = 0
        for number in 1...1_500 {
            forgotten += table.insert(IdempotencyEntry(key: "k\(number)", index: UInt64(number + 1), result: result), limits: limits).count
        }
        #expect(table.entries.capacity == capacity)
        #expect(table.entries.count == limits.idempotencyEntriesMax && forgotten == 501)
    }

    /// Loaded entries come in index order (their records are keyed by index) or, with entries
    /// of an earlier build keyed by their scoped key, in any order: either way the table forgets
    /// the oldest index first.
    @Test func loadedEntriesInAnyOrderAreForgottenOldestFirst() {
        var limits = DeskLimits()
        limits.idempotencyEntriesMax = 3
        let result = DeskResult.cannedResponseDeleted(id: "r1")
        let entries = [5, 2, 9].map { IdempotencyEntry(key: "k\($0)", index: UInt64($0), result: result) }
        for loaded in [entries, entries.sorted { $0.index < $1.index }] {
            var table = IdempotencyTable(entries: loaded)
            let forgotten = table.insert(IdempotencyEntry(key: "k10", index: 10, result: result), limits: limits)
            #expect(forgotten == [RecordKey.idempotency(index: 2)])
            #expect(table.entries.keys.sorted() == ["k10", "k5", "k9"])
        }
    }
}

@Suite struct RecordWriterTests {
    @Test func theLastWriteOfAKeyWinsAndChangesComeSortedByKey() {
        var writer = RecordWriter()
        writer.put([3, 1], [1])
        writer.put([2], [2])
        writer.delete([3, 1])
        writer.put([3], [3])
        writer.put([2], [4])
        writer.delete([1])
        writer.put([3, 1], [5])
        #expect(writer.changes == [
            RecordChange(key: [1], value: nil), RecordChange(key: [2], value: [4]),
            RecordChange(key: [3], value: [3]), RecordChange(key: [3, 1], value: [5]),
        ])
    }

    @Test func aDeleteAfterAPutOfTheSameKeyDeletes() {
        var writer = RecordWriter()
        writer.put([9], [1])
        writer.delete([9])
        #expect(writer.changes == [RecordChange(key: [9], value: nil)])
        #expect(RecordWriter().changes.isEmpty)
    }
}
