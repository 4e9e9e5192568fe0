extension Desk {
    func createTeam(
        _ body: CreateTeam, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.admin, to: "create teams")
        try limits.checkID(body.id, "team id")
        guard teams[body.id] == nil else { throw .conflict("team \(body.id) already exists") }
        let team = Team(
            id: body.id, name: try limits.name(body.name, "name"),
            description: try limits.bounded(body.description, "description", bytesMax: limits.subjectBytesMax),
            createdAt: context.time, updatedAt: context.time)
        changeset.teams.append(team)
        changeset.emit(.teamCreated, .team(team))
        changeset.note("team.create", target: team.id)
        return .team(team)
    }

    func updateTeam(
        _ body: UpdateTeam, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.admin, to: "change teams")
        guard var team = teams[body.teamID] else { throw .notFound("team \(body.teamID)") }
        if let name = body.name { team.name = try limits.name(name, "name") }
        if let description = body.description {
            team.description = try limits.bounded(description, "description", bytesMax: limits.subjectBytesMax)
        }
        team.updatedAt = context.time
        changeset.teams.append(team)
        changeset.emit(.teamUpdated, .team(team))
        changeset.note("team.update", target: team.id)
        return .team(team)
    }

    func createCannedResponse(
        _ body: CreateCannedResponse, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage canned responses")
        try limits.checkID(body.id, "canned response id")
        guard cannedResponses[body.id] == nil else { throw .conflict("canned response \(body.id) already exists") }
        if let teamID = body.teamID { try requireTeam(teamID) }
        let response = CannedResponse(
            id: body.id, title: try limits.name(body.title, "title"),
            text: try cannedText(body.text), shortcut: try freeShortcut(body.shortcut, for: body.id),
            teamID: body.teamID, createdAt: context.time, updatedAt: context.time)
        changeset.cannedResponses.append(response)
        changeset.emit(.cannedResponseCreated, .cannedResponse(response))
        changeset.note("canned_response.create", target: response.id, details: "shortcut=\(response.shortcut)")
        return .cannedResponse(response)
    }

    func updateCannedResponse(
        _ body: UpdateCannedResponse, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage canned responses")
        guard var response = cannedResponses[body.cannedResponseID] else {
            throw .notFound("canned response \(body.cannedResponseID)")
        }
        if let title = body.title { response.title = try limits.name(title, "title") }
        if let text = body.text { response.text = try cannedText(text) }
        if let shortcut = body.shortcut { response.shortcut = try freeShortcut(shortcut, for: response.id) }
        if let team = body.teamID {
            if let teamID = team.value { try requireTeam(teamID) }
            response.teamID = team.value
        }
        response.updatedAt = context.time
        changeset.cannedResponses.append(response)
        changeset.emit(.cannedResponseUpdated, .cannedResponse(response))
        changeset.note("canned_response.update", target: response.id)
        return .cannedResponse(response)
    }

    func deleteCannedResponse(
        _ body: DeleteCannedResponse, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.supervisor, to: "manage canned responses")
        guard cannedResponses[body.cannedResponseID] != nil else {
            throw .notFound("canned response \(body.cannedResponseID)")
        }
        changeset.deletedCannedResponseIDs.append(body.cannedResponseID)
        changeset.emit(.cannedResponseDeleted, .cannedResponseDeleted(id: body.cannedResponseID))
        changeset.note("canned_response.delete", target: body.cannedResponseID)
        return .cannedResponseDeleted(id: body.cannedResponseID)
    }

    private func cannedText(_ text: String) throws(CommandError) -> String {
        guard !text.allSatisfy(\.isWhitespace) else { throw .invalid("text must not be empty") }
        return try limits.bounded(text, "text", bytesMax: limits.textBytesMax)
    }

    /// Shortcuts are typed by agents, so they are matched case-insensitively and must be unique.
    private func freeShortcut(_ value: String, for id: String) throws(CommandError) -> String {
        let shortcut = try limits.label(value, "shortcut")
        let owner = cannedResponses.values.first { $0.shortcut == shortcut && $0.id != id }
        if let owner { throw .conflict("shortcut \(shortcut) is used by canned response \(owner.id)") }
        return shortcut
    }
}
