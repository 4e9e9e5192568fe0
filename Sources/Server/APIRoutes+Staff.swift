import Foundation
import Hummingbird
import NIOPosix
import ServiceDesk

/// Staff users (agents, supervisors, admins) and their presence.
extension APIRoutes {
    func addStaffRoutes(to api: RouterGroup<APIContext>) {
        api.post("/agents") { request, context in try await createStaff(request, context) }
        api.get("/agents") { request, context in try await listStaff(request, context) }
        api.get("/agents/:id") { request, context in try await getStaff(request, context) }
        api.patch("/agents/:id") { request, context in try await updateStaff(request, context) }
        api.put("/agents/:id/status") { request, context in try await setStatus(request, context) }
    }

    struct CreateStaffRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = [
            "id", "email", "name", "role", "password", "skills", "languages", "concurrentConversationsMax", "teamIDs",
        ]
        var id: String?
        var email: String
        var name: String
        var role: StaffRole?
        var password: String
        var skills: [String: Int]?
        var languages: [String]?
        var concurrentConversationsMax: Int?
        var teamIDs: [String]?
    }

    private func createStaff(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.admin, to: "create staff users")
        let body = try await decodeBody(CreateStaffRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let passwordHash = try await hashNewPassword(body.password)
        let action = Command.Action.createStaff(CreateStaff(
            id: body.id ?? Self.newID(), email: body.email, name: body.name, role: body.role ?? .agent,
            passwordHash: passwordHash, skills: body.skills ?? [:], languages: body.languages ?? [],
            concurrentConversationsMax: body.concurrentConversationsMax ?? 5, teamIDs: body.teamIDs ?? []))
        return try await propose(action, context: context, request: request, status: .created)
    }

    struct UpdateStaffRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = [
            "email", "name", "role", "password", "skills", "languages", "concurrentConversationsMax", "teamIDs", "active",
        ]
        var email: String?
        var name: String?
        var role: StaffRole?
        var password: String?
        var skills: [String: Int]?
        var languages: [String]?
        var concurrentConversationsMax: Int?
        var teamIDs: [String]?
        var active: Bool?
    }

    private func updateStaff(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.agent, to: "change staff users")
        let body = try await decodeBody(UpdateStaffRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        var passwordHash: String?
        if let password = body.password {
            // Refused before hashing, which costs a core ~half a second on purpose: a caller who
            // may not change this user must not get to spend it. The desk decides again.
            guard context.identity.role.map({ $0 >= .admin }) == true || context.identity.staffID == id else {
                throw APIError(.forbidden, code: "forbidden", message: "only an admin may change another staff user")
            }
            passwordHash = try await hashNewPassword(password)
        }
        // The desk decides who may change what (admins everything, users some of their own).
        let action = Command.Action.updateStaff(UpdateStaff(
            staffID: id, email: body.email, name: body.name, role: body.role, passwordHash: passwordHash,
            skills: body.skills, languages: body.languages, concurrentConversationsMax: body.concurrentConversationsMax,
            teamIDs: body.teamIDs, active: body.active))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    struct StatusRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["status"]
        var status: PresenceStatus
    }

    /// Presence: a user sets their own; supervisors and admins anyone's.
    private func setStatus(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let body = try await decodeBody(StatusRequest.self, from: request, bytesMax: 4_096)
        let action = Command.Action.setStaffStatus(SetStaffStatus(staffID: id, status: body.status))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func listStaff(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.agent, to: "list staff users")
        let parameters = request.uri.queryParameters
        let status = try parameters.get("status").map { text in
            guard let value = PresenceStatus(rawValue: text) else { throw APIError.badRequest("unknown status \(text)") }
            return value
        }
        let role = try parameters.get("role").map { text in
            guard let value = StaffRole(rawValue: text) else { throw APIError.badRequest("unknown role \(text)") }
            return value
        }
        let team = parameters.get("team")
        let limit = try pageLimit(request)
        let cursor = parameters.get("cursor")
        let page = try await query(request) { desk in
            desk.staffUsers(limit: limit, after: cursor) { user in
                (status == nil || user.status == status) && (role == nil || user.role == role)
                    && (team == nil || user.teamIDs.contains(team!))
            }
        }
        return try jsonResponse(ItemsPage(items: page.items.map(StaffView.init), nextCursor: page.nextCursor))
    }

    private func getStaff(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.agent, to: "read staff users")
        guard let user = try await query(request, { $0.staffUser(id: id) }) else {
            throw APIError.notFound("staff user \(id) does not exist")
        }
        return try jsonResponse(StaffView(user))
    }

    /// Checks the password policy, then hashes off the event loop: PBKDF2 takes a while on
    /// purpose.
    private func hashNewPassword(_ password: String) async throws -> String {
        if let violation = PasswordHasher.policyViolation(password) { throw APIError.badRequest(violation) }
        let hasher = passwordHasher
        return try await NIOThreadPool.singleton.runIfActive { try hasher.hash(password) }
    }
}
