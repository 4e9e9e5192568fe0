import Testing
@testable import ServiceDesk

@Suite struct CustomerTests {
    @Test func createCustomerStoresNormalizedProfile() throws {
        var harness = Harness.populated()
        let outcome = harness.run(
            Harness.agent,
            .createCustomer(CreateCustomer(id: "c3", name: "  Mia ", email: "Mia@Example.COM", language: "en", externalIDs: [.email: "mia@example.com"], tier: .vip)))
        let customer = try #require(try outcome.result.get().customer)
        #expect(customer.name == "Mia" && customer.email == "mia@example.com" && customer.tier == .vip)
        #expect(outcome.events.map(\.type) == [.customerCreated])
        #expect(outcome.changes.map { String(decoding: $0.key, as: UTF8.self) } == ["sd/audit/00000000000000000009", "sd/customer/c3"])
        #expect(harness.desk.customer(channel: .email, externalID: "mia@example.com")?.id == "c3")
        #expect(harness.desk.auditLog(afterIndex: 8, limit: 10).map(\.action) == ["customer.create"])
    }

    @Test func createCustomerRejections() {
        var harness = Harness.populated()
        harness.rejects(Harness.customer, .createCustomer(CreateCustomer(id: "c9", name: "X")), .forbidden)
        harness.rejects(.system, .createCustomer(CreateCustomer(id: "c1", name: "X")), .conflict)
        harness.rejects(.system, .createCustomer(CreateCustomer(id: "c9", name: "X", externalIDs: [.wechat: "wx-1"])), .conflict)
        harness.rejects(.system, .createCustomer(CreateCustomer(id: "c9", name: "  ")), .invalid)
        harness.rejects(.system, .createCustomer(CreateCustomer(id: "bad/id", name: "X")), .invalid)
        harness.rejects(.system, .createCustomer(CreateCustomer(id: "c9", name: "X", email: "nope")), .invalid)
        harness.rejects(.system, .createCustomer(CreateCustomer(id: "c9", name: String(repeating: "x", count: 201))), .invalid)
        harness.rejects(.customer(id: "ghost"), .createCustomer(CreateCustomer(id: "c9", name: "X")), .forbidden)
    }

    @Test func customerUpdatesOwnProfileAndClearsFields() throws {
        var harness = Harness.populated()
        harness.ok(.system, .updateCustomer(UpdateCustomer(customerID: "c1", email: .set("li@example.com"))))
        let result = harness.ok(
            Harness.customer, .updateCustomer(UpdateCustomer(customerID: "c1", name: "Wei", email: .clear, language: .set("zh-CN"))))
        let customer = try #require(result?.customer)
        #expect(customer.name == "Wei" && customer.email == nil && customer.language == "zh-CN")
        #expect(harness.desk.auditLog(limit: 100).allSatisfy { $0.target != "c1" }, "customer and system actions are not audited")
    }

    @Test func updateCustomerRejections() {
        var harness = Harness.populated()
        harness.rejects(Harness.otherCustomer, .updateCustomer(UpdateCustomer(customerID: "c1", name: "X")), .forbidden)
        harness.rejects(Harness.customer, .updateCustomer(UpdateCustomer(customerID: "c1", tier: .vip)), .forbidden)
        harness.rejects(.system, .updateCustomer(UpdateCustomer(customerID: "nobody", name: "X")), .notFound)
        harness.rejects(.system, .updateCustomer(UpdateCustomer(customerID: "c2", externalIDs: [.wechat: "wx-1"])), .conflict)
        harness.rejects(.system, .updateCustomer(UpdateCustomer(customerID: "c2", phone: .set(" "))), .invalid)
    }

    @Test func replacingExternalIDsMovesTheUpsertIndex() {
        var harness = Harness.populated()
        harness.ok(.system, .updateCustomer(UpdateCustomer(customerID: "c1", externalIDs: [.messenger: "psid-1"])))
        #expect(harness.desk.customer(channel: .wechat, externalID: "wx-1") == nil)
        #expect(harness.desk.customer(channel: .messenger, externalID: "psid-1")?.id == "c1")
        harness.ok(.system, .updateCustomer(UpdateCustomer(customerID: "c2", externalIDs: [.wechat: "wx-1"])))
        #expect(harness.desk.customer(channel: .wechat, externalID: "wx-1")?.id == "c2")
    }
}
