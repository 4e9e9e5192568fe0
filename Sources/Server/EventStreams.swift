import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import ServiceDesk

/// `GET /v1/events?after=SEQ` upgraded to a WebSocket: every service-desk event after `SEQ`
/// that the caller may see, in order, as JSON text frames
/// `{"seq":…,"type":…,"conversationId":…,"data":…}`. A client that reconnects (to any node)
/// with the last `seq` it saw misses nothing and sees nothing twice; if that node no longer
/// holds events that old it first sends `{"type":"resync","seq":N}`: reload the state, then
/// continue after N.
///
/// The upgrade authenticates with `Authorization: Bearer …` or, for browsers, which cannot set
/// that header on a WebSocket, with `?ticket=` from `POST /v1/auth/ticket`. A staff user
/// deactivated while connected is disconnected; role and team changes apply at once. When the
/// node is drained every connection is closed with code 4001: reconnect through the load
/// balancer and resume.
struct EventStreams: Sendable {
    let node: ClusterNode
    let authenticator: Authenticator
    /// Close code telling a client that this node is being drained: reconnect (through the
    /// load balancer) and resume with `?after=` the last `seq` it saw.
    static let drainingCloseCode: UInt16 = 4001

    func upgrade(_ request: HTTPRequest) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let path = request.path ?? ""
        guard path == "/v1/events" || path.hasPrefix("/v1/events?") else { return .dontUpgrade }
        let query = URLComponents(string: path)?.queryItems ?? []
        // Without valid credentials the upgrade is refused and the request falls through to the
        // router, which answers 401 like every other endpoint.
        let ticket = query.first { $0.name == "ticket" }?.value
        let identity = ticket.flatMap(authenticator.identity(ticket:))
            ?? authenticator.identity(authorization: request.headerFields[.authorization])
        guard let identity else { return .dontUpgrade }
        let after = query.first { $0.name == "after" }?.value.flatMap(UInt64.init) ?? 0
        let log = node.events
        let directory = authenticator.directory
        let handler: WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context> = { inbound, outbound, _ in
            let (stream, cancel) = log.subscribe(after: after)
            defer { cancel() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var viewer = identity.viewer
                    for try await delivery in stream {
                        switch delivery {
                        case .event(let entry):
                            guard let current = Self.refreshed(viewer, identity: identity, directory: directory) else {
                                try await outbound.close(.policyViolation, reason: "credentials revoked")
                                return
                            }
                            viewer = current
                            if viewer.canSee(entry.audience) { try await outbound.write(.text(entry.json)) }
                        case .resync(let seq):
                            try await outbound.write(.text("{\"type\":\"resync\",\"seq\":\(seq)}"))
                        case .draining:
                            try await outbound.close(.unknown(Self.drainingCloseCode), reason: "node draining; reconnect and resume")
                            return
                        }
                    }
                }
                group.addTask {
                    // Clients send nothing; the loop ends when they close the connection.
                    for try await _ in inbound {}
                }
                try await group.next()
                group.cancelAll()
            }
        }
        return .upgrade([:], handler)
    }

    /// The viewer with the role and teams the state gives a staff user now; nil once the user
    /// may no longer sign in.
    private static func refreshed(_ viewer: Viewer, identity: Identity, directory: AccessDirectory) -> Viewer? {
        guard let staffID = identity.staffID else { return viewer }
        guard let entry = directory.entry(staffID), entry.active else { return nil }
        return Viewer(kind: .staff(id: staffID, role: entry.role), teamIDs: entry.teamIDs)
    }
}
