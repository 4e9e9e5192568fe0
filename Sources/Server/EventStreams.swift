import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket

/// `GET /v1/events?after=SEQ` upgraded to a WebSocket: every service-desk event after `SEQ`,
/// in order, as JSON text frames `{"seq":…,"type":…,"conversationId":…,"data":…}`. A client
/// that reconnects (to any node) with the last `seq` it saw misses nothing and sees nothing
/// twice; if that node no longer holds events that old it first sends
/// `{"type":"resync","seq":N}`: reload the state, then continue after N.
struct EventStreams: Sendable {
    let node: ClusterNode

    func upgrade(_ request: HTTPRequest) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let path = request.path ?? ""
        guard path == "/v1/events" || path.hasPrefix("/v1/events?") else { return .dontUpgrade }
        // Without the token the upgrade is refused and the request falls through to the router,
        // which answers 401 like every other endpoint.
        guard bearerTokenMatches(request.headerFields[.authorization], token: node.options.adminToken) else {
            return .dontUpgrade
        }
        let after = URLComponents(string: path)?.queryItems?.first { $0.name == "after" }?.value.flatMap(UInt64.init) ?? 0
        let log = node.events
        let handler: WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context> = { inbound, outbound, _ in
            let (stream, cancel) = log.subscribe(after: after)
            defer { cancel() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await delivery in stream {
                        switch delivery {
                        case .event(let entry): try await outbound.write(.text(entry.json))
                        case .resync(let seq): try await outbound.write(.text("{\"type\":\"resync\",\"seq\":\(seq)}"))
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
}
