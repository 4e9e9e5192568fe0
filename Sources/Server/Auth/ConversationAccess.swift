import ServiceDesk
import Synchronization

/// Who each conversation concerns (its customer, assignee and team), readable from any thread,
/// kept in step with the desk as commands apply.
///
/// The request path checks access with it before proposing: a read on the Raft thread would
/// wait for the replica's current batch, fsync included, on every message post. It answers
/// as of the last applied command, as a stale read would; apply checks permissions again.
final class ConversationAccess: Sendable {
    struct Entry: Sendable, Hashable {
        var customerID: String
        var assigneeID: String?
        var teamID: String?
    }

    private let entries = Mutex<[String: Entry]>([:])

    func entry(_ conversationID: String) -> Entry? { entries.withLock { $0[conversationID] } }

    /// Whether `viewer` may see the conversation; false for one this node does not have.
    func isVisible(_ conversationID: String, to viewer: Viewer) -> Bool {
        guard let entry = entry(conversationID) else { return false }
        return viewer.canSee(customerID: entry.customerID, assigneeID: entry.assigneeID, teamID: entry.teamID)
    }

    func update(_ conversation: Conversation) {
        let entry = Self.entry(for: conversation)
        entries.withLock { $0[conversation.id] = entry }
    }

    func replaceAll(with conversations: some Sequence<Conversation>) {
        var fresh: [String: Entry] = [:]
        for conversation in conversations { fresh[conversation.id] = Self.entry(for: conversation) }
        entries.withLock { $0 = fresh }
    }

    private static func entry(for conversation: Conversation) -> Entry {
        Entry(customerID: conversation.customerID, assigneeID: conversation.assigneeID, teamID: conversation.teamID)
    }
}
