extension Desk {
    func createCustomer(
        _ body: CreateCustomer, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        if case .customer = context.principal { throw .forbidden("customers cannot create customers") }
        try limits.checkID(body.id, "customer id")
        guard customers[body.id] == nil else { throw .conflict("customer \(body.id) already exists") }
        let externalIDs = try limits.externalIDs(body.externalIDs)
        try requireExternalIDsFree(externalIDs, for: body.id)
        let customer = Customer(
            id: body.id, name: try limits.name(body.name, "name"), email: try body.email.map(limits.email),
            phone: try body.phone.map(limits.phone), language: try body.language.map(limits.language),
            externalIDs: externalIDs, attributes: try limits.attributes(body.attributes), tier: body.tier,
            createdAt: context.time, updatedAt: context.time)
        changeset.customers.append(customer)
        changeset.emit(.customerCreated, .customer(customer))
        changeset.note("customer.create", target: customer.id)
        return .customer(customer)
    }

    func updateCustomer(
        _ body: UpdateCustomer, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        guard var customer = customers[body.customerID] else { throw .notFound("customer \(body.customerID)") }
        if case .customer(let me) = context.principal {
            guard me.id == customer.id else { throw .forbidden("customers may change only their own profile") }
            guard body.isSelfService else { throw .forbidden("customers may not change ids, attributes or tier") }
        }
        if let name = body.name { customer.name = try limits.name(name, "name") }
        if let email = body.email { customer.email = try email.value.map(limits.email) }
        if let phone = body.phone { customer.phone = try phone.value.map(limits.phone) }
        if let language = body.language { customer.language = try language.value.map(limits.language) }
        if let externalIDs = body.externalIDs {
            customer.externalIDs = try limits.externalIDs(externalIDs)
            try requireExternalIDsFree(customer.externalIDs, for: customer.id)
        }
        if let attributes = body.attributes { customer.attributes = try limits.attributes(attributes) }
        if let tier = body.tier { customer.tier = tier }
        customer.updatedAt = context.time
        changeset.customers.append(customer)
        changeset.emit(.customerUpdated, .customer(customer))
        changeset.note("customer.update", target: customer.id)
        return .customer(customer)
    }

    /// Each (channel, external id) pair identifies one customer, or channel upserts would
    /// attach a conversation to the wrong person.
    func requireExternalIDsFree(_ externalIDs: [Channel: String], for customerID: String) throws(CommandError) {
        for (channel, id) in externalIDs.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            if let owner = customerIDByExternalID[ExternalID(channel: channel, id: id)], owner != customerID {
                throw .conflict("\(channel.rawValue) id \(id) belongs to customer \(owner)")
            }
        }
    }
}
