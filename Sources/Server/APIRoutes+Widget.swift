import Foundation
import Hummingbird
import ServiceDesk

/// The website chat widget: widgets (admin), visitor sessions (no token needed: the widget's
/// public key and the visitor's id), typing signals and read marks.
extension APIRoutes {
    /// How long a visitor's token stays valid; the widget renews it by opening a new session.
    static let customerTokenLifetimeSeconds: Int64 = 30 * 24 * 3600

    func addOpenWidgetRoutes(to open: RouterGroup<APIContext>) {
        open.post("/widget/sessions") { request, _ in try await openVisitorSession(request) }
    }

    func addWidgetRoutes(to api: RouterGroup<APIContext>) {
        api.post("/widgets") { request, context in try await createWidget(request, context) }
        api.get("/widgets") { request, context in try await listWidgets(request, context) }
        api.get("/widgets/:id") { request, context in try await getWidget(request, context) }
        api.patch("/widgets/:id") { request, context in try await updateWidget(request, context) }
        api.post("/conversations/:id/typing") { request, context in try await signalTyping(request, context) }
        api.post("/conversations/:id/read") { request, context in try await markRead(request, context) }
    }

    // MARK: - Visitor sessions

    struct SessionRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["widgetKey", "visitorId", "name", "email"]
        var widgetKey: String
        var visitorId: String?
        var name: String?
        var email: String?
    }

    struct SessionResponse: Encodable {
        var token: String
        var expiresAt: Int64
        var customerId: String
        var visitorId: String
        var widget: WidgetView
    }

    struct WidgetView: Encodable {
        var id: String
        var name: String
        var greeting: String
    }

    /// Signs a visitor in as the customer known on the web channel by `visitorId`, creating the
    /// customer the first time. The visitor id is a random secret the widget keeps in the
    /// browser; without one a new visitor (and id) is made.
    private func openVisitorSession(_ request: Request) async throws -> Response {
        let body = try await decodeBody(SessionRequest.self, from: request, bytesMax: 16_384)
        let visitorID = try body.visitorId.map(Self.checkedVisitorID) ?? Self.newVisitorID()
        let key = body.widgetKey
        let widget = try await perform { try await replica.read { ($0 as? NodeStateMachine)?.desk.widget(publicKey: key) } } ?? nil
        guard let widget else { throw APIError(.unauthorized, code: "invalid_widget_key", message: "no active widget has this key") }
        let customerID = try await visitorCustomer(visitorID, name: body.name, email: body.email)
        let expiresAt = Int64(Date().timeIntervalSince1970) + Self.customerTokenLifetimeSeconds
        let token = authenticator.signer.sign(TokenClaims(
            kind: .customer, subject: customerID, expiresAt: expiresAt, passwordStamp: "", widgetID: widget.id))
        return try jsonResponse(SessionResponse(
            token: token, expiresAt: expiresAt, customerId: customerID, visitorId: visitorID,
            widget: WidgetView(id: widget.id, name: widget.name, greeting: widget.greeting)))
    }

    /// The customer id of a visitor, created with an idempotency key derived from the visitor
    /// id so that two racing first sessions make one customer.
    private func visitorCustomer(_ visitorID: String, name: String?, email: String?) async throws -> String {
        let existing = try await perform {
            try await replica.read { ($0 as? NodeStateMachine)?.desk.customer(channel: .web, externalID: visitorID)?.id }
        } ?? nil
        if let existing { return existing }
        let action = Command.Action.createCustomer(CreateCustomer(
            id: Self.newID(), name: name.flatMap { $0.isEmpty ? nil : $0 } ?? "Visitor", email: email.flatMap { $0.isEmpty ? nil : $0 },
            externalIDs: [.web: visitorID]))
        guard case (.customer(let customer), _) = try await apply(action, actor: .system, idempotencyKey: "visitor-" + visitorID) else {
            throw APIError(.internalServerError, code: "internal", message: "unexpected result")
        }
        return customer.id
    }

    /// Visitor ids are random secrets: 22 to 64 URL-safe characters.
    private static func checkedVisitorID(_ text: String) throws -> String {
        let allowed = text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        guard allowed, (22...64).contains(text.utf8.count) else {
            throw APIError.badRequest("visitorId must be 22 to 64 URL-safe characters")
        }
        return text
    }

    private static func newVisitorID() -> String {
        var generator = SystemRandomNumberGenerator()
        return TokenSigner.base64URL((0..<18).map { _ in generator.next() })
    }

    // MARK: - Widgets

    struct CreateWidgetRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["id", "name", "queue", "team", "greeting"]
        var id: String?
        var name: String
        var queue: String?
        var team: String?
        var greeting: String?
    }

    private func createWidget(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.admin, to: "manage widgets")
        let body = try await decodeBody(CreateWidgetRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        var generator = SystemRandomNumberGenerator()
        let publicKey = "wk_" + TokenSigner.base64URL((0..<18).map { _ in generator.next() })
        let action = Command.Action.createWidget(CreateWidget(
            id: body.id ?? Self.newID(), name: body.name, publicKey: publicKey, queue: body.queue, teamID: body.team,
            greeting: body.greeting ?? ""))
        return try await propose(action, context: context, request: request, status: .created)
    }

    struct UpdateWidgetRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["name", "queue", "team", "greeting", "active"]
        var name: String?
        var queue: Patch<String>?
        var team: Patch<String>?
        var greeting: String?
        var active: Bool?
    }

    private func updateWidget(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.admin, to: "manage widgets")
        let body = try await decodeBody(UpdateWidgetRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.updateWidget(UpdateWidget(
            widgetID: id, name: body.name, queue: body.queue, teamID: body.team, greeting: body.greeting, active: body.active))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func listWidgets(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.supervisor, to: "list widgets")
        let widgets = try await query(request) { $0.allWidgets() }
        return try jsonResponse(ItemsPage(items: widgets, nextCursor: nil))
    }

    private func getWidget(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.supervisor, to: "read widgets")
        guard let widget = try await query(request, { $0.widget(id: id) }) else { throw APIError.notFound("widget \(id) does not exist") }
        return try jsonResponse(widget)
    }

    // MARK: - Typing and reading

    private func signalTyping(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try await requireVisible(id, to: context.identity)
        return try await propose(.signalTyping(SignalTyping(conversationID: id)), context: context, request: request, status: .ok)
    }

    struct ReadRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["seq"]
        var seq: UInt64
    }

    private func markRead(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let body = try await decodeBody(ReadRequest.self, from: request, bytesMax: 4_096)
        try await requireVisible(id, to: context.identity)
        return try await propose(.markRead(MarkRead(conversationID: id, seq: body.seq)), context: context, request: request, status: .ok)
    }
}
