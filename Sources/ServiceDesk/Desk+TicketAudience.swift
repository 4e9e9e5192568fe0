extension Viewer {
    /// Whether the viewer may see a ticket: as for conversations, with the requester as the
    /// customer.
    public func canSee(_ ticket: Ticket) -> Bool {
        canSee(customerID: ticket.requesterID, assigneeID: ticket.assigneeID, teamID: ticket.teamID)
    }
}

extension Desk {
    /// Who a ticket-side event concerns: ticket events go to staff who may see the ticket and
    /// to its requester; internal comments, history entries and SLA alerts to staff only;
    /// policies and calendars to staff.
    func ticketAudience(of event: DeskEvent) -> EventAudience {
        switch event.payload {
        case .ticket(let ticket):
            return audience(ticket, formerAssigneeID: event.formerAssigneeID, internal: false)
        case .ticketComment(let comment):
            return audience(ofTicket: comment.ticketID, internal: comment.internal)
        case .ticketHistoryEntry(let entry):
            // A history names internal comments and every field that changed: staff only.
            return audience(ofTicket: entry.ticketID, internal: true)
        case .ticketAlert(let alert):
            return audience(alert.ticket, formerAssigneeID: event.formerAssigneeID, internal: true)
        case .outboxItem(let item):
            return audience(ofTicket: item.ticketID, internal: true)
        default:
            return EventAudience(staffOnly: true)
        }
    }

    /// The audience of something attached to a ticket; staff only if there is no such ticket.
    private func audience(ofTicket ticketID: String?, internal: Bool) -> EventAudience {
        guard let ticket = ticketID.flatMap({ tickets[$0] }) else { return EventAudience(staffOnly: true) }
        return audience(ticket, formerAssigneeID: nil, internal: `internal`)
    }

    private func audience(_ ticket: Ticket, formerAssigneeID: String?, internal: Bool) -> EventAudience {
        EventAudience(
            customerID: ticket.requesterID, assigneeID: ticket.assigneeID, teamID: ticket.teamID,
            formerAssigneeID: formerAssigneeID, internal: `internal`, ticketID: ticket.id)
    }
}
