import Hummingbird
import ServiceDesk
import Synchronization

/// What authentication needs to know — each staff user's role and standing, and which widgets
/// are active — kept current by the state machine as commands apply, so checking a token on
/// every request costs no trip to the replica.
final class AccessDirectory: Sendable {
    struct Entry: Sendable, Hashable {
        var role: StaffRole
        var active: Bool
        var teamIDs: Set<String>
        var passwordStamp: String
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// Widgets that may still open visitor sessions: turning a widget off also ends the
    /// tokens its visitors hold.
    private let activeWidgets = Mutex<Set<String>>([])

    func isWidgetActive(_ id: String) -> Bool { activeWidgets.withLock { $0.contains(id) } }

    func update(_ widget: Widget) {
        activeWidgets.withLock { active in
            if widget.active { active.insert(widget.id) } else { active.remove(widget.id) }
        }
    }

    func replaceAll(widgets: [Widget]) {
        let active = Set(widgets.filter(\.active).map(\.id))
        activeWidgets.withLock { $0 = active }
    }

    func entry(_ id: String) -> Entry? { entries.withLock { $0[id] } }

    func update(_ user: StaffUser) {
        entries.withLock { $0[user.id] = Self.entry(for: user) }
    }

    func replaceAll(with users: [StaffUser]) {
        let fresh = Dictionary(uniqueKeysWithValues: users.map { ($0.id, Self.entry(for: $0)) })
        entries.withLock { $0 = fresh }
    }

    private static func entry(for user: StaffUser) -> Entry {
        Entry(role: user.role, active: user.active, teamIDs: Set(user.teamIDs), passwordStamp: TokenSigner.passwordStamp(user.passwordHash))
    }
}

/// Turns credentials into an identity: the admin token, or a signed staff token whose user is
/// still active and has not changed their password since it was issued.
struct Authenticator: Sendable {
    let adminToken: String
    let signer: TokenSigner
    let directory: AccessDirectory

    func identity(authorization header: String?) -> Identity? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        let token = String(header.dropFirst(7))
        if bearerTokenMatches(header, token: adminToken) { return .admin }
        return identity(token: token, kinds: [.staff, .customer])
    }

    /// The identity behind a WebSocket ticket.
    func identity(ticket: String) -> Identity? {
        identity(token: ticket, kinds: [.ticket, .customerTicket])
    }

    private func identity(token: String, kinds: Set<TokenClaims.Kind>) -> Identity? {
        guard let claims = signer.verify(token), kinds.contains(claims.kind) else { return nil }
        switch claims.kind {
        case .customer, .customerTicket:
            if let widgetID = claims.widgetID, !directory.isWidgetActive(widgetID) { return nil }
            return .customer(id: claims.subject, widgetID: claims.widgetID)
        case .staff, .ticket:
            guard let entry = directory.entry(claims.subject), entry.active, entry.passwordStamp == claims.passwordStamp
            else { return nil }
            return .staff(id: claims.subject, role: entry.role, teamIDs: entry.teamIDs)
        }
    }
}

/// Requires a valid bearer token on every request it guards and records who sent it.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        guard let identity = authenticator.identity(authorization: request.headers.value(of: .authorization)) else {
            throw APIError.unauthorized
        }
        var context = context
        context.identity = identity
        return try await next(request, context)
    }
}
