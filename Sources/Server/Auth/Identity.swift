import Hummingbird
import ServiceDesk

/// Who made a request, as established by `AuthMiddleware`.
enum Identity: Sendable, Hashable {
    case anonymous
    /// The cluster's admin token.
    case admin
    /// A signed-in staff user, with the role and teams the replicated state gives them now.
    case staff(id: String, role: StaffRole, teamIDs: Set<String>)
    /// A website visitor, through a widget.
    case customer(id: String, widgetID: String?)

    /// The actor commands of this request are proposed as.
    var actor: Actor {
        switch self {
        case .anonymous: preconditionFailure("anonymous requests never reach a handler that writes")
        case .admin: .adminToken
        case .staff(let id, let role, _): .staff(id: id, role: role)
        case .customer(let id, _): .customer(id: id)
        }
    }

    var viewer: Viewer {
        switch self {
        case .anonymous: preconditionFailure("anonymous requests never reach a handler that reads")
        case .admin: Viewer(kind: .admin)
        case .staff(let id, let role, let teams): Viewer(kind: .staff(id: id, role: role), teamIDs: teams)
        case .customer(let id, _): Viewer(kind: .customer(id: id))
        }
    }

    var role: StaffRole? {
        switch self {
        case .anonymous, .customer: nil
        case .admin: .admin
        case .staff(_, let role, _): role
        }
    }

    var staffID: String? {
        if case .staff(let id, _, _) = self { id } else { nil }
    }

    var customerID: String? {
        if case .customer(let id, _) = self { id } else { nil }
    }

    /// Refuses the request unless the caller has at least `role`.
    func require(_ role: StaffRole, to action: String) throws {
        guard let mine = self.role, mine >= role else {
            throw APIError(.forbidden, code: "forbidden", message: "only a \(role.rawValue) or above may \(action)")
        }
    }
}

/// The request context of the API: Hummingbird's own plus the caller's identity.
struct APIContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var identity: Identity = .anonymous

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}
