import Foundation
import Hummingbird
import ServiceDesk

/// Live supervision figures.
extension APIRoutes {
    func addStatsRoutes(to api: RouterGroup<APIContext>) {
        api.get("/stats/live") { request, context in try await liveStats(request, context) }
    }

    /// Supervisors and admins; `?consistency=stale` answers from this node without a quorum round.
    private func liveStats(_ request: Request, _ context: APIContext) async throws -> Response {
        try context.identity.require(.supervisor, to: "watch live figures")
        let now = Timestamp.now
        return try jsonResponse(try await query(request) { $0.liveStats(now: now) })
    }
}
