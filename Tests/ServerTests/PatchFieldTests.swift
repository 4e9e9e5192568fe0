import Foundation
import ServiceDesk
import Testing

@testable import Server

/// Request bodies read `Patch` fields through their synthesized `Decodable`: absent leaves a
/// field as it is, `null` clears it, a value sets it.
@Suite struct PatchFieldTests {
    private func decode<Body: Decodable>(_ type: Body.Type, _ json: String) throws -> Body {
        try JSONDecoder().decode(Body.self, from: Data(json.utf8))
    }

    @Test func absentNullAndAValueAreThreeDifferentPatches() throws {
        let absent = try decode(APIRoutes.UpdateTicketRequest.self, #"{"subject": "S"}"#)
        #expect(absent.team == nil && absent.slaPolicy == nil && absent.subject == "S")
        let cleared = try decode(APIRoutes.UpdateTicketRequest.self, #"{"team": null, "slaPolicy": null}"#)
        #expect(cleared.team == .clear && cleared.slaPolicy == .clear && cleared.subject == nil)
        let set = try decode(APIRoutes.UpdateTicketRequest.self, #"{"assignee": "alex"}"#)
        #expect(set.assignee == .set("alex") && set.team == nil)
        let priority = try decode(APIRoutes.UpdateRuleRequest.self, #"{"raisePriorityTo": "high"}"#)
        #expect(priority.raisePriorityTo == .set(.high))
    }

    @Test func aNewTicketTellsTheDefaultPolicyFromNone() throws {
        let none = try decode(APIRoutes.TicketFieldsInput.self, #"{"slaPolicy": null}"#)
        #expect(none.action(requester: "c1", conversation: nil).createTicketBody?.withoutSLAPolicy == true)
        let standard = try decode(APIRoutes.TicketFieldsInput.self, #"{}"#)
        #expect(standard.action(requester: "c1", conversation: nil).createTicketBody?.withoutSLAPolicy == nil)
        let named = try decode(APIRoutes.TicketFieldsInput.self, #"{"slaPolicy": "vip"}"#)
        #expect(named.action(requester: "c1", conversation: nil).createTicketBody?.slaPolicyID == "vip")
    }

    @Test func aWrongTypeIsStillAnError() {
        #expect(throws: DecodingError.self) { try decode(APIRoutes.UpdateTicketRequest.self, #"{"team": 7}"#) }
    }
}

extension Command.Action {
    fileprivate var createTicketBody: CreateTicket? {
        if case .createTicket(let body) = self { body } else { nil }
    }
}
