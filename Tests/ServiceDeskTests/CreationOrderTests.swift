import Testing
@testable import ServiceDesk

/// Newest-first listings walk an index in creation order instead of sorting the table: the
/// pages must be those of filtering and sorting everything, in whatever order items came.
@Suite struct CreationOrderTests {
    struct Item: ListedNewestFirst, Hashable {
        var id: String
        var createdAt: Timestamp
    }

    /// The listing as it was computed before the index: filter, sort newest first, cut.
    private func reference(_ items: [Item], after cursor: String?, limit: Int, include: (Item) -> Bool) -> Page<Item> {
        let position = cursor.flatMap(ListingCursor.init(encoded:))
        let sorted = items.filter { item in include(item) && position.map { ListingCursor(item) < $0 } ?? true }
            .sorted { ListingCursor($1) < ListingCursor($0) }
        let page = Array(sorted.prefix(limit))
        return Page(items: page, nextCursor: sorted.count > limit ? page.last.map { ListingCursor($0).encoded } : nil)
    }

    @Test(arguments: 1...20) func pagesMatchFilteringAndSortingEverything(seed: UInt64) {
        var generator = SeededRandom(state: seed)
        // Few distinct times, so many items tie on time and are ordered by id.
        let items = (0..<Int.random(in: 0...300, using: &generator)).map { number in
            Item(id: "i\(number)-\(generator.next() % 1000)", createdAt: Timestamp(millisecondsSinceEpoch: Int64(generator.next() % 40)))
        }
        var order = CreationOrder()
        for item in items.shuffled(using: &generator) { order.insert(item) }
        #expect(order == CreationOrder(items))
        let table = Dictionary(items.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let modulus = UInt64.random(in: 1...4, using: &generator)
        let include: (Item) -> Bool = { item in UInt64(item.id.utf8.count) % modulus == 0 || modulus == 1 }
        let limit = Int.random(in: 1...40, using: &generator)
        var cursor: String? = nil
        var pages = 0
        repeat {
            let page = order.page(after: cursor, limit: limit) { id in table[id].flatMap { include($0) ? $0 : nil } }
            #expect(page == reference(Array(table.values), after: cursor, limit: limit, include: include))
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 400
        // A cursor of an item that is not there, or not a cursor at all.
        for stray in ["20:zzz", "-5:a", "not a cursor", "99999999999:"] {
            let page = order.page(after: stray, limit: limit) { id in table[id].flatMap { include($0) ? $0 : nil } }
            #expect(page == reference(Array(table.values), after: stray, limit: limit, include: include))
        }
    }

    /// Conversations created while the clock steps back (a new leader behind the old one) list
    /// by their times all the same, and a restarted desk lists them alike.
    @Test func conversationsCreatedAsTheClockStepsBackListInTimeOrder() throws {
        var harness = Harness.populated()
        for (number, offset) in [0, -5_000, 3_000, -5_000, 1_000].enumerated() {
            harness.time += Int64(offset)
            harness.ok(.system, .createConversation(CreateConversation(id: "s\(number)", customer: .existing(id: "c2"), channel: .web)))
        }
        let listed = harness.desk.conversations(matching: ConversationFilter(customerID: "c2"), limit: 2)
        let all = harness.desk.allConversations.filter { $0.customerID == "c2" }
            .sorted { ListingCursor($1) < ListingCursor($0) }.map(\.id)
        #expect(listed.items.map(\.id) == Array(all.prefix(2)))
        let rest = harness.desk.conversations(matching: ConversationFilter(customerID: "c2"), limit: 10, after: listed.nextCursor)
        #expect(rest.items.map(\.id) == Array(all.dropFirst(2)) && rest.nextCursor == nil)
        let restarted = try Desk(records: harness.store.sorted)
        #expect(restarted == harness.desk)
    }
}
