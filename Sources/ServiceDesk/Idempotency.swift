/// The remembered answer to a command that carried an idempotency key.
struct IdempotencyEntry: Sendable, Hashable, Codable {
    /// The actor's scope and the client's key, joined.
    var key: String
    /// The log index that first applied the key.
    var index: UInt64
    var result: DeskResult
}

/// Recently seen idempotency keys, bounded by age (in log indexes) and by count.
///
/// `order` lists keys oldest first. A key that expired and was used again stays in `order`
/// twice; the older position is stale and recognised by its index no longer matching.
struct IdempotencyTable: Sendable, Hashable {
    private(set) var entries: [String: IdempotencyEntry] = [:]
    private var order = FIFO<OrderItem>()
    /// Scoped keys whose entry is stored under its scoped key by an earlier build
    /// (`RecordKey.legacyIdempotency`); every other entry is stored under its index.
    private var legacyKeys: Set<String> = []

    private struct OrderItem: Sendable, Hashable {
        var key: String
        var index: UInt64
    }

    init() {}

    /// Rebuilds the table from stored entries; indexes are unique, so the order is total.
    init(entries loaded: [IdempotencyEntry], legacyKeys: Set<String> = []) {
        // Records keyed by index load in index order already; sorting them anyway moves every
        // entry (a whole result each) several times on a restart.
        let inOrder = zip(loaded, loaded.dropFirst()).allSatisfy { $0.index < $1.index }
        let sorted = inOrder ? loaded : loaded.sorted { $0.index < $1.index }
        entries = Dictionary(uniqueKeysWithValues: sorted.map { ($0.key, $0) })
        order = FIFO(sorted.map { OrderItem(key: $0.key, index: $0.index) })
        self.legacyKeys = legacyKeys.filter { entries[$0] != nil }
    }

    /// The key of the record that stores `entry`.
    func recordKey(of entry: IdempotencyEntry) -> [UInt8] {
        !legacyKeys.isEmpty && legacyKeys.contains(entry.key) ? RecordKey.legacyIdempotency(entry.key) : RecordKey.idempotency(index: entry.index)
    }

    /// Two tables are equal when they remember the same entries; stale positions in `order`
    /// are an artifact of history, not state.
    static func == (lhs: IdempotencyTable, rhs: IdempotencyTable) -> Bool { lhs.entries == rhs.entries }

    func hash(into hasher: inout Hasher) { hasher.combine(entries) }

    /// The entry for `key` if it is still inside the window at `index`.
    func liveEntry(_ key: String, at index: UInt64, limits: DeskLimits) -> IdempotencyEntry? {
        guard let entry = entries[key], !isExpired(entry.index, at: index, limits: limits) else { return nil }
        return entry
    }

    /// Forgets expired entries, adds `entry` (its key is new or expired, so no live entry is
    /// replaced), then forgets the oldest beyond the count bound. Returns the record keys of
    /// the forgotten entries, whose records must be deleted.
    mutating func insert(_ entry: IdempotencyEntry, limits: DeskLimits) -> [[UInt8]] {
        // Room for the whole window at once: growing there step by step rehashes every key at
        // each doubling, on the Raft thread, and the last doublings (tens of thousands of
        // keys) stall every write behind them in a node's first minutes of traffic.
        if entries.capacity <= limits.idempotencyEntriesMax {
            entries.reserveCapacity(limits.idempotencyEntriesMax + 1)
        }
        var forgotten = evict(at: entry.index, limits: limits)
        let replaced = entries.updateValue(entry, forKey: entry.key)
        precondition(replaced == nil, "an idempotency key is remembered again only after it expired")
        order.append(OrderItem(key: entry.key, index: entry.index))
        while entries.count > limits.idempotencyEntriesMax {
            forgotten += removeOldest()
        }
        return forgotten
    }

    private func isExpired(_ entryIndex: UInt64, at index: UInt64, limits: DeskLimits) -> Bool {
        entryIndex &+ limits.idempotencyWindowIndexes <= index
    }

    private mutating func evict(at index: UInt64, limits: DeskLimits) -> [[UInt8]] {
        var forgotten: [[UInt8]] = []
        while let oldest = order.first, isExpired(oldest.index, at: index, limits: limits) {
            forgotten += removeOldest()
        }
        return forgotten
    }

    /// Pops the oldest position; removes its entry unless the position is stale.
    private mutating func removeOldest() -> [[UInt8]] {
        let item = order.removeFirst()
        // One hash of the key finds the entry and removes it.
        guard let position = entries.index(forKey: item.key), entries.values[position].index == item.index else { return [] }
        let recordKey = recordKey(of: entries.values[position])
        entries.remove(at: position)
        if !legacyKeys.isEmpty { legacyKeys.remove(item.key) }
        return [recordKey]
    }
}
