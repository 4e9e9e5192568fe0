import RaftCore

/// The last entries written to the log, in memory: a replica applies entries moments after it
/// writes them, and reading them back from RocksDB (an iterator, a copy and a checksum per
/// entry) was a twentieth of its Raft thread. Holds one contiguous run of the stored log,
/// bounded by `countMax` and `bytesMax`; the oldest leave first.
struct RecentEntries {
    private var entries: [Entry] = []
    private var head = 0
    private var totalBytes = 0
    var countMax: Int
    let bytesMax: Int

    init(countMax: Int, bytesMax: Int) {
        precondition(countMax >= 0 && bytesMax >= 0, "bounds must not be negative")
        self.countMax = countMax
        self.bytesMax = bytesMax
    }

    private var firstIndex: LogIndex? { head < entries.count ? entries[head].index : nil }

    /// Records `fresh`, just written at its indexes (replacing whatever the log held from the
    /// first of them on). Entries that do not follow the cached run replace it.
    mutating func written(_ fresh: [Entry]) {
        guard let start = fresh.first?.index else { return }
        if let first = firstIndex, start >= first, start <= first + LogIndex(entries.count - head) {
            dropSuffix(from: start)
        } else {
            removeAll()
        }
        for entry in fresh {
            entries.append(entry)
            totalBytes += entry.sizeBytes
        }
        trim()
    }

    /// Forgets every entry at or below `index` (compacted away).
    mutating func compacted(through index: LogIndex) {
        while let first = firstIndex, first <= index { dropFirst() }
    }

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        head = 0
        totalBytes = 0
    }

    /// The entries at `indexes` as `RaftLogStore.readEntries` returns them (stopping before the
    /// one that would pass `bytesMax`, never empty), or nil unless all of them are cached.
    func entries(_ indexes: Range<LogIndex>, bytesMax: Int) -> [Entry]? {
        guard let first = firstIndex, indexes.lowerBound >= first,
            indexes.upperBound <= first + LogIndex(entries.count - head)
        else { return nil }
        var result: [Entry] = []
        var total = 0
        for position in (head + Int(indexes.lowerBound - first))..<(head + Int(indexes.upperBound - first)) {
            total += entries[position].sizeBytes
            if !result.isEmpty && total > bytesMax { break }
            result.append(entries[position])
        }
        return result
    }

    private mutating func dropSuffix(from index: LogIndex) {
        let keep = head + Int(index - entries[head].index)
        for entry in entries[keep...] { totalBytes -= entry.sizeBytes }
        entries.removeSubrange(keep...)
    }

    private mutating func dropFirst() {
        totalBytes -= entries[head].sizeBytes
        head += 1
        // Moves the live entries down once the dead prefix is as long as they are.
        if head * 2 >= entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    private mutating func trim() {
        while firstIndex != nil, entries.count - head > countMax || totalBytes > bytesMax { dropFirst() }
    }
}
