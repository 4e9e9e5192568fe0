import Foundation
import Hummingbird
import ServiceDesk

/// Tickets, their comments and history, SLA policies, business calendars and the outbox.
extension APIRoutes {
    func addTicketRoutes(to api: RouterGroup<APIContext>) {
        api.post("/tickets") { request, context in try await createTicket(request, context) }
        api.get("/tickets") { request, context in try await listTickets(request, context) }
        api.get("/tickets/:id") { request, context in try await getTicket(request, context) }
        api.patch("/tickets/:id") { request, context in try await updateTicket(request, context) }
        api.post("/tickets/:id/comments") { request, context in try await addComment(request, context) }
        api.get("/tickets/:id/comments") { request, context in try await listComments(request, context) }
        api.get("/tickets/:id/history") { request, context in try await ticketHistory(request, context) }
        api.post("/tickets/:id/merge") { request, context in try await mergeTicket(request, context) }
        api.post("/conversations/:id/ticket") { request, context in try await ticketFromConversation(request, context) }
        api.post("/sla-policies") { request, context in try await createPolicy(request, context) }
        api.get("/sla-policies") { request, context in try await listPolicies(request, context) }
        api.get("/sla-policies/:id") { request, context in try await getPolicy(request, context) }
        api.patch("/sla-policies/:id") { request, context in try await updatePolicy(request, context) }
        api.post("/business-calendars") { request, context in try await createCalendar(request, context) }
        api.get("/business-calendars") { request, context in try await listCalendars(request, context) }
        api.get("/business-calendars/:id") { request, context in try await getCalendar(request, context) }
        api.patch("/business-calendars/:id") { request, context in try await updateCalendar(request, context) }
        api.get("/outbox") { request, context in try await listOutbox(request, context) }
    }

    // MARK: - Tickets

    /// The fields a new ticket may set, whether created directly or from a conversation.
    /// `slaPolicy` absent: the desk's default policy, if one is marked; `null`: none.
    struct TicketFieldsInput: Decodable {
        var id: String?
        var subject: String?
        var description: String?
        var channel: Channel?
        var priority: Priority?
        var type: TicketType?
        var team: String?
        var assignee: String?
        var tags: [String]?
        var fields: [String: String]?
        var watchers: [String]?
        var slaPolicy: Patch<String>?

        func action(requester: String?, conversation: String?) -> Command.Action {
            .createTicket(CreateTicket(
                id: id ?? APIRoutes.newID(), subject: subject, description: description ?? "", requesterID: requester,
                conversationID: conversation, channel: channel, priority: priority ?? .normal, type: type ?? .question,
                teamID: team, assigneeID: assignee, tags: tags ?? [], fields: fields ?? [:], watcherIDs: watchers ?? [],
                slaPolicyID: slaPolicy?.value, withoutSLAPolicy: slaPolicy == .clear ? true : nil))
        }
    }

    struct CreateTicketRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = [
            "id", "subject", "description", "requester", "channel", "priority", "type", "team", "assignee", "tags",
            "fields", "watchers", "slaPolicy",
        ]
        var requester: String
        var ticket: TicketFieldsInput

        enum Key: String, CodingKey { case requester }

        init(from decoder: any Decoder) throws {
            requester = try decoder.container(keyedBy: Key.self).decode(String.self, forKey: .requester)
            ticket = try TicketFieldsInput(from: decoder)
        }
    }

    private func createTicket(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.agent, to: "create tickets")
        let body = try await decodeBody(CreateTicketRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        return try await propose(
            body.ticket.action(requester: body.requester, conversation: nil), context: context, request: request,
            status: .created)
    }

    struct TicketFromConversationRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = [
            "id", "subject", "description", "channel", "priority", "type", "team", "assignee", "tags", "fields",
            "watchers", "slaPolicy",
        ]
        var ticket: TicketFieldsInput

        init(from decoder: any Decoder) throws {
            ticket = try TicketFieldsInput(from: decoder)
        }
    }

    private func ticketFromConversation(_ request: Request, _ context: APIContext) async throws -> Response {
        let conversationID = try pathID(context)
        try context.identity.require(.agent, to: "create tickets")
        let body = try await decodeBody(TicketFromConversationRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        try await requireVisible(conversationID, to: context.identity)
        return try await propose(
            body.ticket.action(requester: nil, conversation: conversationID), context: context, request: request,
            status: .created)
    }

    private func getTicket(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let viewer = context.identity.viewer
        let ticket = try await query(request) { $0.ticket(id: id).flatMap { viewer.canSee($0) ? $0 : nil } }
        // Hidden and missing look the same, so ids cannot be probed.
        guard let ticket else { throw APIError.notFound("ticket \(id) does not exist") }
        return try jsonResponse(ticket)
    }

    /// Refuses, as not found, a ticket the caller may not see.
    private func requireVisibleTicket(_ ticketID: String, to identity: Identity) async throws {
        let viewer = identity.viewer
        let visible = try await settled {
            try await staleMachineRead { machine in machine.desk.ticket(id: ticketID).map(viewer.canSee) == true ? true : nil }
        }
        guard visible != nil else { throw APIError.notFound("ticket \(ticketID) does not exist") }
    }

    /// PATCH body: absent fields stay as they are; `null` clears team, assignee or SLA policy.
    struct UpdateTicketRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = [
            "subject", "description", "status", "priority", "type", "team", "assignee", "tags", "fields", "watchers",
            "slaPolicy",
        ]
        var subject: String?
        var description: String?
        var status: TicketStatus?
        var priority: Priority?
        var type: TicketType?
        var team: Patch<String>?
        var assignee: Patch<String>?
        var tags: [String]?
        var fields: [String: String]?
        var watchers: [String]?
        var slaPolicy: Patch<String>?
    }

    private func updateTicket(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let body = try await decodeBody(UpdateTicketRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.updateTicket(UpdateTicket(
            ticketID: id, subject: body.subject, description: body.description, status: body.status,
            priority: body.priority, type: body.type, teamID: body.team, assigneeID: body.assignee, tags: body.tags,
            fields: body.fields, watcherIDs: body.watchers, slaPolicyID: body.slaPolicy))
        try await requireVisibleTicket(id, to: context.identity)
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func listTickets(_ request: Request, _ context: APIContext) async throws -> Response {
        let filter = try ticketFilter(request.uri.queryParameters)
        let limit = try pageLimit(request)
        let cursor = request.uri.queryParameters.get("cursor")
        let viewer = context.identity.viewer
        let page = try await query(request) { $0.tickets(matching: filter, limit: limit, after: cursor, where: viewer.canSee) }
        return try jsonResponse(ItemsPage(items: page.items, nextCursor: page.nextCursor))
    }

    private func ticketFilter(_ parameters: Parameters) throws -> TicketFilter {
        var filter = TicketFilter()
        // `status=new,open` lists tickets in any of the statuses.
        for text in parameters.get("status")?.split(separator: ",").map(String.init) ?? [] {
            guard let value = TicketStatus(rawValue: text) else { throw APIError.badRequest("unknown status \(text)") }
            filter.statuses.insert(value)
        }
        if let search = parameters.get("q") {
            guard search.utf8.count <= 200 else { throw APIError.badRequest("q is at most 200 bytes") }
            filter.words = search.lowercased().split(whereSeparator: \.isWhitespace).map(String.init)
        }
        filter.priority = try parameters.get("priority").map { text in
            guard let value = Priority(rawValue: text) else { throw APIError.badRequest("unknown priority \(text)") }
            return value
        }
        filter.breached = try parameters.get("breached").map { text in
            guard let value = Bool(text) else { throw APIError.badRequest("breached is true or false") }
            return value
        }
        if let assignee = parameters.get("assignee") {
            filter.assignee = assignee == "none" ? .unassigned : .staff(id: assignee)
        }
        filter.teamID = parameters.get("team")
        filter.requesterID = parameters.get("requester")
        return filter
    }

    struct CommentRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["author", "text", "internal", "attachments"]
        var author: AuthorInput?
        var text: String
        var `internal`: Bool?
        var attachments: [Attachment]?
    }

    private func addComment(_ request: Request, _ context: APIContext) async throws -> Response {
        let ticketID = try pathID(context)
        let body = try await decodeBody(CommentRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let actor = try await commentActor(body.author, ticketID: ticketID, identity: context.identity)
        let action = Command.Action.addTicketComment(AddTicketComment(
            ticketID: ticketID, text: body.text, attachments: body.attachments ?? [], internal: body.internal ?? false))
        return try await propose(action, actor: actor, request: request, status: .created)
    }

    /// Staff comment as themselves. The admin token may speak for anyone on a ticket (as the
    /// email channel does): the author named in the body becomes the command's actor.
    private func commentActor(_ author: AuthorInput?, ticketID: String, identity: Identity) async throws -> Actor {
        guard case .admin = identity else {
            if let author, author.type != .agent || (author.id != nil && author.id != identity.staffID) {
                throw APIError(.forbidden, code: "forbidden", message: "staff users comment only as themselves")
            }
            try await requireVisibleTicket(ticketID, to: identity)
            return identity.actor
        }
        guard let author else { throw APIError.badRequest("missing field \"author\"") }
        switch author.type {
        case .customer:
            let requesterID = try await settled { try await staleMachineRead { $0.desk.ticket(id: ticketID)?.requesterID } }
            guard let requesterID else { throw APIError.notFound("ticket \(ticketID) does not exist") }
            return .customer(id: requesterID)
        case .agent:
            guard let id = author.id else { throw APIError.badRequest("an agent author needs an id") }
            return .staff(id: id, role: .agent)
        case .bot, .system:
            return .system
        }
    }

    private func listComments(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let after = try afterParameter(request)
        let limit = try pageLimit(request, default: 100)
        let viewer = context.identity.viewer
        let comments = try await query(request) { desk -> [TicketComment]? in
            guard let ticket = desk.ticket(id: id), viewer.canSee(ticket) else { return nil }
            return desk.ticketComments(ticketID: id, afterSeq: after, limit: limit, includeInternal: viewer.isStaff)
        }
        guard let comments else { throw APIError.notFound("ticket \(id) does not exist") }
        return try jsonResponse(ItemsPage(items: comments, nextCursor: nil))
    }

    private func ticketHistory(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let after = try afterParameter(request)
        let limit = try pageLimit(request, default: 100)
        let viewer = context.identity.viewer
        let entries = try await query(request) { desk -> [TicketHistoryEntry]? in
            guard let ticket = desk.ticket(id: id), viewer.canSee(ticket) else { return nil }
            return desk.ticketHistory(ticketID: id, afterSeq: after, limit: limit)
        }
        guard let entries else { throw APIError.notFound("ticket \(id) does not exist") }
        return try jsonResponse(ItemsPage(items: entries, nextCursor: nil))
    }

    struct MergeRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["into"]
        var into: String
    }

    private func mergeTicket(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        let body = try await decodeBody(MergeRequest.self, from: request, bytesMax: 4_096)
        try await requireVisibleTicket(id, to: context.identity)
        try await requireVisibleTicket(body.into, to: context.identity)
        let action = Command.Action.mergeTickets(MergeTickets(sourceID: id, targetID: body.into))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    // MARK: - SLA policies

    /// Escalation as a client writes it; absent switches are off.
    struct EscalationInput: Decodable {
        var raisePriority: Bool?
        var teamID: String?
        var unassign: Bool?

        var escalation: SLAEscalation {
            SLAEscalation(raisePriority: raisePriority ?? false, teamID: teamID, unassign: unassign ?? false)
        }
    }

    struct CreatePolicyRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = [
            "id", "name", "targets", "calendarID", "warningMinutes", "reminderMinutes", "escalation", "isDefault",
        ]
        var id: String?
        var name: String
        var targets: [Priority: SLATargets]
        var calendarID: String?
        var warningMinutes: Int?
        var reminderMinutes: Int?
        var escalation: EscalationInput?
        var isDefault: Bool?
    }

    private func createPolicy(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.supervisor, to: "manage SLA policies")
        let body = try await decodeBody(CreatePolicyRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.createSLAPolicy(CreateSLAPolicy(
            id: body.id ?? Self.newID(), name: body.name, targets: body.targets, calendarID: body.calendarID,
            warningMinutes: body.warningMinutes ?? 0, reminderMinutes: body.reminderMinutes,
            escalation: body.escalation?.escalation ?? SLAEscalation(), isDefault: body.isDefault ?? false))
        return try await propose(action, context: context, request: request, status: .created)
    }

    /// PATCH body: absent fields stay; `null` clears the calendar or the reminder interval.
    struct UpdatePolicyRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = [
            "name", "targets", "calendarID", "warningMinutes", "reminderMinutes", "escalation", "isDefault",
        ]
        var name: String?
        var targets: [Priority: SLATargets]?
        var calendarID: Patch<String>?
        var warningMinutes: Int?
        var reminderMinutes: Patch<Int>?
        var escalation: EscalationInput?
        var isDefault: Bool?
    }

    private func updatePolicy(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.supervisor, to: "manage SLA policies")
        let body = try await decodeBody(UpdatePolicyRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.updateSLAPolicy(UpdateSLAPolicy(
            policyID: id, name: body.name, targets: body.targets, calendarID: body.calendarID,
            warningMinutes: body.warningMinutes, reminderMinutes: body.reminderMinutes,
            escalation: body.escalation?.escalation, isDefault: body.isDefault))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    private func listPolicies(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.agent, to: "list SLA policies")
        let policies = try await query(request) { $0.allSLAPolicies() }
        return try jsonResponse(ItemsPage(items: policies, nextCursor: nil))
    }

    private func getPolicy(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.agent, to: "read SLA policies")
        guard let policy = try await query(request, { $0.slaPolicy(id: id) }) else {
            throw APIError.notFound("SLA policy \(id) does not exist")
        }
        return try jsonResponse(policy)
    }

    // MARK: - Business calendars

    struct CreateCalendarRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["id", "name", "timeZone", "openingHours", "holidays"]
        var id: String?
        var name: String
        var timeZone: String
        var openingHours: [OpeningHours]
        var holidays: [String]?
    }

    private func createCalendar(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.supervisor, to: "manage business calendars")
        let body = try await decodeBody(CreateCalendarRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let action = Command.Action.createBusinessCalendar(CreateBusinessCalendar(
            id: body.id ?? Self.newID(), name: body.name, timeZone: body.timeZone,
            offsetChanges: try Self.expand(body.timeZone), openingHours: body.openingHours, holidays: body.holidays ?? []))
        return try await propose(action, context: context, request: request, status: .created)
    }

    struct UpdateCalendarRequest: Decodable, KnownFields {
        static let knownFields: Set<String> = ["name", "timeZone", "openingHours", "holidays"]
        var name: String?
        var timeZone: String?
        var openingHours: [OpeningHours]?
        var holidays: [String]?
    }

    /// Every update re-expands the calendar's zone (the new one, or the stored one) with this
    /// node's time-zone database, which is how a tzdata update reaches a calendar.
    private func updateCalendar(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.supervisor, to: "manage business calendars")
        let body = try await decodeBody(UpdateCalendarRequest.self, from: request, bytesMax: node.options.requestBodyBytesMax)
        let stored = try await query(request) { $0.businessCalendar(id: id)?.timeZone }
        guard let zone = body.timeZone ?? stored else { throw APIError.notFound("business calendar \(id) does not exist") }
        let action = Command.Action.updateBusinessCalendar(UpdateBusinessCalendar(
            calendarID: id, name: body.name, timeZone: zone, offsetChanges: try Self.expand(zone),
            openingHours: body.openingHours, holidays: body.holidays))
        return try await propose(action, context: context, request: request, status: .ok)
    }

    /// The zone's UTC offsets from 2000 to 2060, from this node's time-zone database.
    private static func expand(_ zone: String) throws -> [OffsetChange] {
        guard let changes = BusinessCalendar.offsetChanges(zoneIdentifier: zone) else {
            throw APIError.badRequest("unknown time zone \(zone)")
        }
        return changes
    }

    private func listCalendars(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.agent, to: "list business calendars")
        let calendars = try await query(request) { $0.allBusinessCalendars() }
        return try jsonResponse(ItemsPage(items: calendars, nextCursor: nil))
    }

    private func getCalendar(_ request: Request, _ context: APIContext) async throws -> Response {
        let id = try pathID(context)
        try context.identity.require(.agent, to: "read business calendars")
        guard let calendar = try await query(request, { $0.businessCalendar(id: id) }) else {
            throw APIError.notFound("business calendar \(id) does not exist")
        }
        return try jsonResponse(calendar)
    }

    // MARK: - Outbox

    /// Customer notifications waiting for delivery, oldest first, after the item `?after=`.
    private func listOutbox(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.supervisor, to: "read the outbox")
        let parameters = request.uri.queryParameters
        let after = parameters.get("after")
        let ticket = parameters.get("ticket")
        let status = try parameters.get("status").map { text in
            guard let status = OutboxStatus(rawValue: text) else { throw APIError.badRequest("status must be pending, delivered or failed") }
            return status
        }
        let limit = try pageLimit(request)
        let items = try await query(request) { $0.outboxItems(afterID: after, ticketID: ticket, status: status, limit: limit) }
        return try jsonResponse(ItemsPage(items: items, nextCursor: items.last?.id))
    }
}
