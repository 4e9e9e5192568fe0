/// An actor resolved against the state: who is really acting, with the privileges the
/// replicated state grants them right now.
enum Principal {
    case admin
    case staff(StaffUser)
    case customer(Customer)
    case system

    /// The staff role this principal acts with; the admin token counts as an admin.
    var staffRole: StaffRole? {
        switch self {
        case .admin: .admin
        case .staff(let user): user.role
        case .customer, .system: nil
        }
    }

    /// Whether the principal is the staff user `id` acting for themselves.
    func isStaff(_ id: String) -> Bool {
        if case .staff(let user) = self { user.id == id } else { false }
    }

    var isSystem: Bool {
        if case .system = self { true } else { false }
    }

    /// Whether the principal is staff (or the admin token) with at least `role`.
    func hasRole(_ role: StaffRole) -> Bool {
        guard let staffRole else { return false }
        return staffRole >= role
    }

    func requireRole(_ role: StaffRole, to action: String) throws(CommandError) {
        guard hasRole(role) else { throw .forbidden("only a \(role.rawValue) or above may \(action)") }
    }
}

extension Desk {
    /// Resolves an actor; unknown and deactivated staff, and unknown customers, may not act.
    func principal(for actor: Actor) throws(CommandError) -> Principal {
        switch actor {
        case .adminToken:
            return .admin
        case .system:
            return .system
        case .staff(let id, _):
            guard let user = staff[id], user.active else { throw .forbidden("staff user \(id) is unknown or inactive") }
            return .staff(user)
        case .customer(let id):
            guard let customer = customers[id] else { throw .forbidden("customer \(id) is unknown") }
            return .customer(customer)
        }
    }
}
