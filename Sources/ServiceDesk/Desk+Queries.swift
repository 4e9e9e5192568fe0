/// Which conversations a listing returns; `nil` fields do not filter.
public struct ConversationFilter: Sendable, Hashable {
    /// Matches by assignee.
    public enum Assignee: Sendable, Hashable {
        case unassigned
        case staff(id: String)
    }

    public var status: ConversationStatus?
    public var assignee: Assignee?
    public var queue: String?
    public var customerID: String?
    public var channel: Channel?
    public var teamID: String?

    public init(
        status: ConversationStatus? = nil, assignee: Assignee? = nil, queue: String? = nil,
        customerID: String? = nil, channel: Channel? = nil, teamID: String? = nil
    ) {
        self.status = status
        self.assignee = assignee
        self.queue = queue
        self.customerID = customerID
        self.channel = channel
        self.teamID = teamID
    }

    func matches(_ conversation: Conversation) -> Bool {
        if let status, conversation.status != status { return false }
        if let queue, conversation.queue != queue { return false }
        if let customerID, conversation.customerID != customerID { return false }
        if let channel, conversation.channel != channel { return false }
        if let teamID, conversation.teamID != teamID { return false }
        switch assignee {
        case nil: return true
        case .unassigned: return conversation.assigneeID == nil
        case .staff(let id): return conversation.assigneeID == id
        }
    }
}

/// One page of a listing and the cursor of the next page (`nil` on the last page).
public struct Page<Item: Sendable & Hashable>: Sendable, Hashable {
    public var items: [Item]
    /// Pass as `after` to get the next page.
    public var nextCursor: String?
}

extension Desk {
    // MARK: Conversations and messages

    /// The conversation with `id`.
    public func conversation(id: String) -> Conversation? { conversations[id] }

    /// Every conversation, in no particular order.
    public var allConversations: some Collection<Conversation> { conversations.values }

    /// Conversations matching `filter`, newest first (by creation time, then id descending).
    /// The cursor is opaque to callers.
    public func conversations(
        matching filter: ConversationFilter, limit: Int, after cursor: String? = nil,
        where include: (Conversation) -> Bool = { _ in true }
    ) -> Page<Conversation> {
        conversationOrder.page(after: cursor, limit: pageSize(limit)) { id in
            conversations[id].flatMap { filter.matches($0) && include($0) ? $0 : nil }
        }
    }

    // MARK: Customers

    /// The customer's newest conversation on `channel`, whatever its status.
    public func newestConversation(customerID: String, channel: Channel) -> Conversation? {
        newestConversationIDs[NewestKey(customerID: customerID, channel: channel)].flatMap { conversations[$0] }
    }

    /// Records `conversation` as its customer's newest on its channel if it is newer than the
    /// one recorded (creation time, then id): the same answer in whatever order they come.
    mutating func noteNewest(_ conversation: Conversation) {
        let key = NewestKey(customerID: conversation.customerID, channel: conversation.channel)
        if let current = newestConversationIDs[key].flatMap({ conversations[$0] }),
            (current.createdAt.millisecondsSinceEpoch, current.id) >= (conversation.createdAt.millisecondsSinceEpoch, conversation.id)
        {
            return
        }
        newestConversationIDs[key] = conversation.id
    }

    /// The customer with `id`.
    public func customer(id: String) -> Customer? { customers[id] }

    /// The customer known on `channel` as `externalID`.
    public func customer(channel: Channel, externalID: String) -> Customer? {
        customerIDByExternalID[ExternalID(channel: channel, id: externalID)].flatMap { customers[$0] }
    }

    /// Customers in id order, after the id `cursor`.
    public func customers(
        limit: Int, after cursor: String? = nil, where include: (Customer) -> Bool = { _ in true }
    ) -> Page<Customer> {
        pageByID(customers, limit: limit, after: cursor, where: include)
    }

    // MARK: Staff

    /// The staff user with `id`, including the password hash.
    public func staffUser(id: String) -> StaffUser? { staff[id] }

    /// The staff user with `email` (any case), including the password hash.
    public func staffUser(email: String) -> StaffUser? {
        staffIDByEmail[email.lowercased()].flatMap { staff[$0] }
    }

    /// The active staff user whose email and password hash both match, for sign-in with a
    /// deterministic (unsalted or per-server-salted) hash; `nil` otherwise.
    public func staffUser(email: String, passwordHash: String) -> StaffUser? {
        guard let user = staffUser(email: email), user.active, user.passwordHash == passwordHash else { return nil }
        return user
    }

    /// Every staff user with the password hash, for the server's authentication directory.
    public func allStaffUsers() -> [StaffUser] { staff.values.sorted { $0.id < $1.id } }

    /// Staff users in id order, without password hashes.
    public func staffUsers(
        limit: Int, after cursor: String? = nil, where include: (StaffUser) -> Bool = { _ in true }
    ) -> Page<StaffUser> {
        let page = pageByID(staff, limit: limit, after: cursor, where: include)
        return Page(items: page.items.map(\.redacted), nextCursor: page.nextCursor)
    }

    // MARK: Teams and canned responses

    /// The team with `id`.
    public func team(id: String) -> Team? { teams[id] }

    /// All teams in id order; bounded in practice by how many an admin creates.
    public func allTeams() -> [Team] { teams.values.sorted { $0.id < $1.id } }

    /// The canned response with `id`.
    public func cannedResponse(id: String) -> CannedResponse? { cannedResponses[id] }

    /// Canned responses in shortcut order; with `teamID`, those of that team plus the shared ones.
    public func cannedResponses(teamID: String? = nil) -> [CannedResponse] {
        cannedResponses.values
            .filter { teamID == nil || $0.teamID == nil || $0.teamID == teamID }
            .sorted { ($0.shortcut, $0.id) < ($1.shortcut, $1.id) }
    }

    // MARK: Audit

    /// Audit entries with index greater than `afterIndex`, oldest first.
    public func auditLog(afterIndex: UInt64 = 0, limit: Int) -> [AuditEntry] {
        Array(audit.elements.lazy.filter { $0.index > afterIndex }.prefix(pageSize(limit)))
    }

    /// How many idempotency keys are remembered.
    public var idempotencyEntryCount: Int { idempotency.entries.count }

    // MARK: Paging

    func pageSize(_ limit: Int) -> Int { min(max(limit, 1), limits.pageSizeMax) }

    /// A page of `table` in id order after the cursor id. One pass that keeps the page's
    /// items and one more in order, instead of copying and sorting the whole table: this runs
    /// on the Raft thread, and the customers are as many as the conversations.
    private func pageByID<Item: Identified>(
        _ table: [String: Item], limit: Int, after cursor: String?, where include: (Item) -> Bool
    ) -> Page<Item> {
        let size = pageSize(limit)
        var smallest: [Item] = []
        smallest.reserveCapacity(size + 1)
        for item in table.values {
            if let cursor, item.id <= cursor { continue }
            if smallest.count > size, let last = smallest.last, item.id > last.id { continue }
            guard include(item) else { continue }
            smallest.insert(item, at: smallest.partitionPoint { $0.id < item.id })
            if smallest.count > size + 1 { smallest.removeLast() }
        }
        let items = Array(smallest.prefix(size))
        return Page(items: items, nextCursor: smallest.count > size ? items.last?.id : nil)
    }
}

/// Entities listed by id.
protocol Identified: Sendable, Hashable {
    var id: String { get }
}

extension Customer: Identified {}
extension StaffUser: Identified {}
