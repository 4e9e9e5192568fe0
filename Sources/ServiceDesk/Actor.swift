/// Who issued a command, as authenticated by the server that proposed it.
///
/// `apply` trusts the identity but not the privileges: a staff actor's role and active flag are
/// taken from the replicated state at apply time, so a demotion takes effect for every command
/// applied after it, even one authenticated before it.
public enum Actor: Sendable, Hashable, Codable {
    /// An operator holding the cluster's admin token (bootstrap and break-glass access).
    case adminToken
    /// A staff user; `role` is the role seen at authentication time.
    case staff(id: String, role: StaffRole)
    /// A customer writing through a channel or the web widget.
    case customer(id: String)
    /// The cluster itself: channel adapters, the bot, routing and timers.
    case system

    /// The namespace an idempotency key lives in, so two actors never see each other's results.
    var idempotencyScope: String {
        switch self {
        case .adminToken: "admin"
        case .staff(let id, _): "staff:" + id
        case .customer(let id): "customer:" + id
        case .system: "system"
        }
    }
}
