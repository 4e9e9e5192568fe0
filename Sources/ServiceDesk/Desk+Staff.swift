extension Desk {
    func createStaff(
        _ body: CreateStaff, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.admin, to: "create staff users")
        try limits.checkID(body.id, "staff id")
        guard staff[body.id] == nil else { throw .conflict("staff user \(body.id) already exists") }
        let email = try limits.email(body.email)
        try requireEmailFree(email, for: body.id)
        let user = StaffUser(
            id: body.id, email: email, name: try limits.name(body.name, "name"), role: body.role,
            passwordHash: try limits.passwordHash(body.passwordHash), skills: try limits.skills(body.skills),
            languages: try limits.languages(body.languages),
            concurrentConversationsMax: try limits.concurrentConversations(body.concurrentConversationsMax),
            teamIDs: try teamList(body.teamIDs), createdAt: context.time, updatedAt: context.time)
        changeset.staff.append(user)
        changeset.emit(.staffCreated, .staff(user.redacted))
        changeset.note("staff.create", target: user.id, details: "role=\(user.role.rawValue) email=\(user.email)")
        return .staff(user.redacted)
    }

    func updateStaff(
        _ body: UpdateStaff, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        guard let current = staff[body.staffID] else { throw .notFound("staff user \(body.staffID)") }
        try requireCanEdit(current, body, context.principal)
        var user = current
        if let email = body.email {
            user.email = try limits.email(email)
            try requireEmailFree(user.email, for: user.id)
        }
        if let name = body.name { user.name = try limits.name(name, "name") }
        if let role = body.role { user.role = role }
        if let hash = body.passwordHash { user.passwordHash = try limits.passwordHash(hash) }
        if let skills = body.skills { user.skills = try limits.skills(skills) }
        if let languages = body.languages { user.languages = try limits.languages(languages) }
        if let count = body.concurrentConversationsMax {
            user.concurrentConversationsMax = try limits.concurrentConversations(count)
        }
        if let teamIDs = body.teamIDs { user.teamIDs = try teamList(teamIDs) }
        if let active = body.active {
            user.active = active
            if !active { user.status = .offline }
        }
        user.updatedAt = context.time
        changeset.staff.append(user)
        changeset.emit(.staffUpdated, .staff(user.redacted))
        changeset.note("staff.update", target: user.id, details: Self.describeChanges(from: current, to: user))
        return .staff(user.redacted)
    }

    func setStaffStatus(
        _ body: SetStaffStatus, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        guard var user = staff[body.staffID] else { throw .notFound("staff user \(body.staffID)") }
        if !context.principal.isSystem && !context.principal.isStaff(user.id) {
            try context.principal.requireRole(.supervisor, to: "set another user's presence")
        }
        guard user.active || body.status == .offline else { throw .conflict("staff user \(user.id) is inactive") }
        user.status = body.status
        user.updatedAt = context.time
        changeset.staff.append(user)
        changeset.emit(.agentStatus, .staff(user.redacted))
        changeset.note("staff.status", target: user.id, details: "status=\(user.status.rawValue)")
        return .staff(user.redacted)
    }

    /// Admins edit everyone; other users only their own name, languages and password.
    private func requireCanEdit(_ user: StaffUser, _ body: UpdateStaff, _ principal: Principal) throws(CommandError) {
        if principal.hasRole(.admin) { return }
        guard case .staff(let me) = principal, me.id == user.id else {
            throw .forbidden("only an admin may change another staff user")
        }
        guard body.isSelfService else { throw .forbidden("only an admin may change email, role, skills, teams, limits or activity") }
    }

    private func requireEmailFree(_ email: String, for staffID: String) throws(CommandError) {
        if let owner = staffIDByEmail[email], owner != staffID {
            throw .conflict("email \(email) is already used by staff user \(owner)")
        }
    }

    /// Checks that every team exists; returns the ids unique and sorted.
    private func teamList(_ ids: [String]) throws(CommandError) -> [String] {
        guard ids.count <= limits.staffListMax else { throw .invalid("at most \(limits.staffListMax) teams") }
        for id in ids { try requireTeam(id) }
        return Set(ids).sorted()
    }

    static func describeChanges(from old: StaffUser, to new: StaffUser) -> String {
        var parts: [String] = []
        if old.email != new.email { parts.append("email=\(new.email)") }
        if old.name != new.name { parts.append("name") }
        if old.role != new.role { parts.append("role=\(new.role.rawValue)") }
        if old.passwordHash != new.passwordHash { parts.append("password") }
        if old.skills != new.skills { parts.append("skills") }
        if old.languages != new.languages { parts.append("languages") }
        if old.concurrentConversationsMax != new.concurrentConversationsMax {
            parts.append("concurrentConversationsMax=\(new.concurrentConversationsMax)")
        }
        if old.teamIDs != new.teamIDs { parts.append("teams=\(new.teamIDs.joined(separator: ","))") }
        if old.active != new.active { parts.append("active=\(new.active)") }
        return parts.joined(separator: " ")
    }
}
