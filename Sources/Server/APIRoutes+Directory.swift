import Foundation
import Hummingbird
import ServiceDesk

/// Customers, teams, canned responses and the audit log.
extension APIRoutes {
    func addDirectoryRoutes(to api: RouterGroup<APIContext>) {
        api.post("/customers") { request, context in try await createCustomer(request, context) }
        api.get("/customers") { request, context in try await listCustomers(request, context) }
        api.get("/customers/:id") { request, context in try await getCustomer(request, context) }
        api.patch("/customers/:id") { request, context in try await updateCustomer(request, context) }
        api.post("/teams") { request, context in try await createTeam(request, context) }
        api.get("/teams") { request, context in try await listTeams(request, context) }
        api.get("/teams/:id") { request, context in try await getTeam(request, context) }
        api.patch("/teams/:id") { request, context in try await updateTeam(request, context) }
        api.post("/canned-responses") { request, context in try await createCanned(request, context) }
        api.get("/canned-responses") { request, context in try await listCanned(request, context) }
        api.get("/canned-responses/:id") { request, context in try await getCanned(request, context) }
        api.patch("/canned-responses/:id") { request, context in try await updateCanned(request, context) }
        api.delete("/canned-responses/:id") { request, context in try await deleteCanned(request, context) }
        api.get("/audit") { request, context in try await auditLog(request, context) }
    }

    // MARK: - Customers

    struct CreateCustomerRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["id", "name", "email", "phone", "language", "externalIDs", "attributes", "tier"]
        var id: String?
        var name: String
        var email: String?
        var phone: String?
        var language: String?
        var externalIDs: [Channel: String]?
        var attributes: [String: String]?
        var tier: CustomerTier?
    }

    private func createCustomer(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.agent, to: "create customers")
        let body = try await decodeBody(CreateCustomerRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.createCustomer(CreateCustomer(
            id: body.id ?? Self.newID(), name: body.name, email: body.email, phone: body.phone, language: body.language,
            externalIDs: body.externalIDs ?? [:], attributes: body.attributes ?? [:], tier: body.tier ?? .standard))
        return try await propose(action, context: context, request: request, status: .created)
    }

    /// PATCH body: absent fields stay; `null` clears email, phone or language.
    struct UpdateCustomerRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["name", "email", "phone", "language", "externalIDs", "attributes", "tier"]
        var name: String?
        var email: Patch<String>?
        var phone: Patch<String>?
        var language: Patch<String>?
        var externalIDs: [Channel: String]?
        var attributes: [String: String]?
        var tier: CustomerTier?
    }

    private func updateCustomer(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.agent, to: "change customers")
        let body = try await decodeBody(UpdateCustomerRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.updateCustomer(UpdateCustomer(
            customerID: id, name: body.name, email: body.email, phone: body.phone, language: body.language,
            externalIDs: body.externalIDs, attributes: body.attributes, tier: body.tier))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func getCustomer(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        if context.identity.customerID != id { try context.identity.require(.agent, to: "read customers") }
        guard let customer = try await query(request, { $0.customer(id: id) }) else {
            throw APIError.notFound("customer \(id) does not exist")
        }
        return try jsonResponse(customer)
    }

    /// `?email=` matches exactly (case-insensitive); `?q=` matches a substring of the name or email.
    private func listCustomers(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.agent, to: "list customers")
        let parameters = request.uri.queryParameters
        let email = parameters.get("email")?.lowercased()
        let text = parameters.get("q")?.lowercased()
        if let text, text.utf8.count > 200 { throw APIError.badRequest("q is at most 200 bytes") }
        let limit = try pageLimit(request)
        let cursor = parameters.get("cursor")
        let page = try await query(request) { desk in
            desk.customers(limit: limit, after: cursor) { customer in
                let customerEmail = customer.email?.lowercased()
                if let email, customerEmail != email { return false }
                guard let text else { return true }
                return customer.name.lowercased().contains(text) || (customerEmail?.contains(text) ?? false)
            }
        }
        return try jsonResponse(ItemsPage(items: page.items, nextCursor: page.nextCursor))
    }

    // MARK: - Teams

    struct CreateTeamRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["id", "name", "description"]
        var id: String?
        var name: String
        var description: String?
    }

    private func createTeam(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.admin, to: "create teams")
        let body = try await decodeBody(CreateTeamRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.createTeam(CreateTeam(id: body.id ?? Self.newID(), name: body.name, description: body.description ?? ""))
        return try await propose(action, context: context, request: request, status: .created)
    }

    struct UpdateTeamRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["name", "description"]
        var name: String?
        var description: String?
    }

    private func updateTeam(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.admin, to: "change teams")
        let body = try await decodeBody(UpdateTeamRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.updateTeam(UpdateTeam(teamID: id, name: body.name, description: body.description))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func listTeams(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.agent, to: "list teams")
        let teams = try await query(request) { $0.allTeams() }
        return try jsonResponse(ItemsPage(items: teams, nextCursor: nil))
    }

    private func getTeam(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.agent, to: "read teams")
        guard let team = try await query(request, { $0.team(id: id) }) else { throw APIError.notFound("team \(id) does not exist") }
        return try jsonResponse(team)
    }

    // MARK: - Canned responses

    struct CreateCannedRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["id", "title", "text", "shortcut", "teamID"]
        var id: String?
        var title: String
        var text: String
        var shortcut: String
        var teamID: String?
    }

    private func createCanned(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.supervisor, to: "manage canned responses")
        let body = try await decodeBody(CreateCannedRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.createCannedResponse(CreateCannedResponse(
            id: body.id ?? Self.newID(), title: body.title, text: body.text, shortcut: body.shortcut, teamID: body.teamID))
        return try await propose(action, context: context, request: request, status: .created)
    }

    /// PATCH body: absent fields stay; `"teamID": null` makes the response available to all teams.
    struct UpdateCannedRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["title", "text", "shortcut", "teamID"]
        var title: String?
        var text: String?
        var shortcut: String?
        var teamID: Patch<String>?
    }

    private func updateCanned(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.supervisor, to: "manage canned responses")
        let body = try await decodeBody(UpdateCannedRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.updateCannedResponse(UpdateCannedResponse(
            cannedResponseID: id, title: body.title, text: body.text, shortcut: body.shortcut, teamID: body.teamID))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func deleteCanned(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.supervisor, to: "manage canned responses")
        let action = Command.Action.deleteCannedResponse(DeleteCannedResponse(cannedResponseID: id))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    /// `?team=` lists the responses of that team plus those for everyone.
    private func listCanned(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.agent, to: "list canned responses")
        let team = request.uri.queryParameters.get("team")
        let responses = try await query(request) { $0.cannedResponses(teamID: team) }
        return try jsonResponse(ItemsPage(items: responses, nextCursor: nil))
    }

    private func getCanned(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.agent, to: "read canned responses")
        guard let response = try await query(request, { $0.cannedResponse(id: id) }) else {
            throw APIError.notFound("canned response \(id) does not exist")
        }
        return try jsonResponse(response)
    }

    // MARK: - Audit

    /// The newest staff actions, oldest first, after log index `?after=`.
    private func auditLog(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.admin, to: "read the audit log")
        let after = try afterParameter(request)
        let limit = try pageLimit(request)
        let entries = try await query(request) { $0.auditLog(afterIndex: after, limit: limit) }
        return try jsonResponse(ItemsPage(items: entries, nextCursor: entries.last.map { String($0.index) }))
    }
}

extension KeyedDecodingContainer {
    /// A request field that may be absent (leave as is: nil), `null` (`.clear`) or a value
    /// (`.set`). More specific than the standard library's `decodeIfPresent`, so the
    /// synthesized `Decodable` of a request with a `Patch<…>?` property reads it this way;
    /// the standard one would read `null` as absent.
    func decodeIfPresent<Value>(_ type: Patch<Value>.Type, forKey key: Key) throws -> Patch<Value>? {
        guard contains(key) else { return nil }
        if try decodeNil(forKey: key) { return .clear }
        return .set(try decode(Value.self, forKey: key))
    }
}
