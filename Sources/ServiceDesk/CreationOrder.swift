/// Entities listed newest first: by creation time, then by id.
protocol ListedNewestFirst {
    var id: String { get }
    var createdAt: Timestamp { get }
}

extension Conversation: ListedNewestFirst {}
extension Ticket: ListedNewestFirst {}

/// A place in a newest-first listing: the creation time and id of an item. Its text form is
/// the listings' opaque cursor.
struct ListingCursor: Sendable, Hashable, Comparable {
    var createdAt: Int64
    var id: String

    init(_ item: some ListedNewestFirst) {
        createdAt = item.createdAt.millisecondsSinceEpoch
        id = item.id
    }

    init?(encoded: String) {
        guard let colon = encoded.firstIndex(of: ":"), let time = Int64(encoded[..<colon]) else { return nil }
        createdAt = time
        id = String(encoded[encoded.index(after: colon)...])
    }

    var encoded: String { "\(createdAt):\(id)" }

    /// Older first: the order of the index, which listings walk backwards.
    static func < (left: ListingCursor, right: ListingCursor) -> Bool {
        left.createdAt != right.createdAt ? left.createdAt < right.createdAt : left.id < right.id
    }
}

/// The ids of a table in creation order, so that a newest-first page reads the items it shows
/// (and those its filter skips) instead of filtering and sorting the whole table on the Raft
/// thread for every request: at 100,000 conversations that stalled every write behind it.
/// Derived from the table, rebuilt on load; items are never removed.
struct CreationOrder: Sendable, Hashable {
    private var keys: [ListingCursor] = []

    init() {}

    init(_ items: some Sequence<some ListedNewestFirst>) {
        keys = items.map(ListingCursor.init).sorted()
    }

    var count: Int { keys.count }

    /// Adds a new item. Items arrive in about creation order, so this is an append but after
    /// a clock step back (a new leader's clock behind the old one's).
    mutating func insert(_ item: some ListedNewestFirst) {
        let key = ListingCursor(item)
        guard let last = keys.last, key < last else {
            keys.append(key)
            return
        }
        keys.insert(key, at: keys.partitionPoint { $0 < key })
    }

    /// Up to `limit` items older than the `after` cursor (from the start when nil or not a
    /// cursor), newest first, of those `include` gives; the cursor of the next page when more
    /// are left.
    func page<Item: ListedNewestFirst>(after cursor: String?, limit: Int, include: (String) -> Item?) -> Page<Item> {
        let end = cursor.flatMap(ListingCursor.init(encoded:)).map { cursor in keys.partitionPoint { $0 < cursor } } ?? keys.count
        var items: [Item] = []
        for key in keys[..<end].reversed() {
            guard let item = include(key.id) else { continue }
            guard items.count < limit else { return Page(items: items, nextCursor: items.last.map { ListingCursor($0).encoded }) }
            items.append(item)
        }
        return Page(items: items, nextCursor: nil)
    }
}
