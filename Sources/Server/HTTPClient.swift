import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A small JSON-over-HTTP client for the CLI and for joining a cluster.
public struct HTTPClient: Sendable {
    public var token: String?
    public var timeoutSeconds: Double = 10

    public init(token: String?) {
        self.token = token
    }

    public struct Reply: Sendable {
        public var status: Int
        public var body: Data

        public func json() -> [String: Any]? {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        }

        /// The error object's fields of an error reply.
        public var error: [String: String]? {
            (json()?["error"] as? [String: Any])?.compactMapValues { $0 as? String }
        }
    }

    public func send(_ method: String, _ url: String, json: [String: Any]? = nil) async throws -> Reply {
        guard let target = URL(string: url) else { throw OptionsError("bad URL \(url)") }
        var request = URLRequest(url: target, timeoutInterval: timeoutSeconds)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    /// Sends the request and, when the node answers that another node leads, sends it there
    /// (at most a few hops, so a cluster in flux cannot bounce a request forever).
    public func sendToLeader(_ method: String, base: String, path: String, json: [String: Any]? = nil) async throws -> Reply {
        var target = base
        for _ in 0..<4 {
            let reply = try await send(method, target + path, json: json)
            guard reply.error?["code"] == "not_leader", let leaderURL = reply.error?["leaderURL"] else {
                return reply
            }
            target = leaderURL
        }
        throw OptionsError("the leader kept changing; try again")
    }
}
