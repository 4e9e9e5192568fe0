import Foundation
import Hummingbird
import NIOPosix
import Replica
import ServiceDesk

/// Staff sign-in, the caller's own identity, and WebSocket tickets.
extension APIRoutes {
    /// How long a staff token stays valid.
    static let staffTokenLifetimeSeconds: Int64 = 12 * 3600
    /// How long a WebSocket ticket stays valid: long enough to open one connection.
    static let ticketLifetimeSeconds: Int64 = 60

    func addOpenAuthRoutes(to open: RouterGroup<APIContext>) {
        open.post("/auth/login") { request, _ in try await login(request) }
    }

    func addAuthRoutes(to api: RouterGroup<APIContext>) {
        api.get("/auth/me") { request, context in try await me(request, context) }
        api.post("/auth/ticket") { _, context in try ticket(context) }
    }

    struct LoginRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["email", "password"]
        var email: String
        var password: String
    }

    struct LoginResponse: Encodable {
        var token: String
        var expiresAt: Int64
        var user: StaffView
    }

    private func login(_ request: Request) async throws -> Response {
        let body = try await decodeBody(LoginRequest.self, from: request, bytesMax: 16_384)
        let email = body.email.lowercased()
        if let seconds = loginThrottle.retryAfterSeconds(email) {
            var error = APIError(.tooManyRequests, code: "too_many_attempts", message: "too many failed sign-ins; try again later")
            error.retryAfterSeconds = seconds
            throw error
        }
        // Linearizable, so a user created a moment ago on another node can sign in here.
        let user = try await perform { try await replica.read { ($0 as? NodeStateMachine)?.desk.staffUser(email: email) } } ?? nil
        // An unknown email costs the same hashing time as a wrong password, so timing does
        // not tell which emails exist.
        let stored = user?.passwordHash ?? passwordHasher.decoy
        let matches = try await NIOThreadPool.singleton.runIfActive { PasswordHasher.verify(body.password, against: stored) }
        guard let user, matches, user.active else {
            loginThrottle.recordFailure(email)
            throw APIError(.unauthorized, code: "invalid_credentials", message: "the email or password is wrong, or the user is inactive")
        }
        loginThrottle.recordSuccess(email)
        let expiresAt = Int64(Date().timeIntervalSince1970) + Self.staffTokenLifetimeSeconds
        let token = authenticator.signer.sign(TokenClaims(
            kind: .staff, subject: user.id, expiresAt: expiresAt, passwordStamp: TokenSigner.passwordStamp(user.passwordHash)))
        return try jsonResponse(LoginResponse(token: token, expiresAt: expiresAt, user: StaffView(user)))
    }

    struct MeResponse: Encodable {
        var kind: String
        var role: String
        var user: StaffView?
    }

    private func me(_ request: Request, _ context: APIContext) async throws -> Response {
        if case .customer(let id, _) = context.identity {
            return try jsonResponse(["kind": "customer", "customerId": id])
        }
        guard let id = context.identity.staffID else {
            return try jsonResponse(MeResponse(kind: "admin_token", role: StaffRole.admin.rawValue, user: nil))
        }
        let user = try await query(request) { $0.staffUser(id: id) }
        guard let user else { throw APIError.unauthorized }
        return try jsonResponse(MeResponse(kind: "staff", role: user.role.rawValue, user: StaffView(user)))
    }

    private func ticket(_ context: APIContext) throws -> Response {
        let expiresAt = Int64(Date().timeIntervalSince1970) + Self.ticketLifetimeSeconds
        let claims: TokenClaims
        switch context.identity {
        case .staff(let id, _, _):
            guard let entry = authenticator.directory.entry(id) else { throw APIError.unauthorized }
            claims = TokenClaims(kind: .ticket, subject: id, expiresAt: expiresAt, passwordStamp: entry.passwordStamp)
        case .customer(let id, let widgetID):
            claims = TokenClaims(kind: .customerTicket, subject: id, expiresAt: expiresAt, passwordStamp: "", widgetID: widgetID)
        case .admin, .anonymous:
            throw APIError.badRequest("tickets are for staff users and customers; the admin token connects with the Authorization header")
        }
        return try jsonResponse(["ticket": authenticator.signer.sign(claims), "expiresAt": String(expiresAt)])
    }
}

extension PasswordHasher {
    /// A well-formed hash no password produces in practice, verified against when the email
    /// is unknown.
    var decoy: String {
        "\(Self.scheme)$\(rounds)$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    }
}

/// A staff user as the API shows them: everything but the password hash.
struct StaffView: Encodable {
    let user: StaffUser

    init(_ user: StaffUser) { self.user = user }

    enum Key: String, CodingKey {
        case id, email, name, role, skills, languages, concurrentConversationsMax, status, teamIDs, active, createdAt, updatedAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(user.id, forKey: .id)
        try container.encode(user.email, forKey: .email)
        try container.encode(user.name, forKey: .name)
        try container.encode(user.role, forKey: .role)
        try container.encode(user.skills, forKey: .skills)
        try container.encode(user.languages, forKey: .languages)
        try container.encode(user.concurrentConversationsMax, forKey: .concurrentConversationsMax)
        try container.encode(user.status, forKey: .status)
        try container.encode(user.teamIDs, forKey: .teamIDs)
        try container.encode(user.active, forKey: .active)
        try container.encode(user.createdAt, forKey: .createdAt)
        try container.encode(user.updatedAt, forKey: .updatedAt)
    }
}
