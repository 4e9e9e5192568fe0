import ArgumentParser
import Foundation
import Server

/// Printing for the operator commands: a table for people, the raw JSON with `--json`.
enum OperatorOutput {
    static func fetchCluster(_ endpoint: EndpointOptions) async throws -> HTTPClient.Reply {
        let reply = try await endpoint.client.send("GET", endpoint.base + "/v1/cluster")
        guard reply.status == 200 else { throw failure(reply) }
        // Only the leader knows every member's match index: ask it when it is not this node.
        // A node removed from the cluster answers for itself, so that the operator sees it.
        if let json = reply.json(), json["removed"] as? Bool != true,
            let leader = json["leader"] as? String, leader != (json["nodeId"] as? String),
            let members = json["members"] as? [[String: Any]],
            let http = members.first(where: { $0["id"] as? String == leader })?["httpAddress"] as? String, !http.isEmpty,
            let leaderReply = try? await endpoint.client.send("GET", "http://\(http)/v1/cluster"), leaderReply.status == 200
        {
            return leaderReply
        }
        return reply
    }

    static func printJSON(_ body: Data) {
        print(String(decoding: body, as: UTF8.self))
    }

    static func printClusterSummary(_ json: [String: Any]) {
        let leader = (json["leader"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? "none"
        print("cluster \(json["clusterId"] ?? "?")  leader \(leader)  term \(json["term"] ?? "?")  commit \(json["commit"] ?? "?")")
        if json["removed"] as? Bool == true {
            print("node \(json["nodeId"] ?? "?") was removed from the cluster: it refuses writes; stop it (members below are its last view)")
        }
    }

    static func printMembers(_ json: [String: Any]) {
        let members = json["members"] as? [[String: Any]] ?? []
        print(pad("ID", 6) + pad("ROLE", 9) + pad("PEER", 22) + pad("HTTP", 22) + pad("REACHABLE", 11) + pad("MATCH", 10) + "SLOTS")
        for member in members {
            let reachable = (member["reachable"] as? Bool).map { $0 ? "yes" : "no" } ?? "?"
            let match = (member["match"] as? NSNumber)?.stringValue ?? "-"
            var slots = String((member["slots"] as? [Int] ?? []).count)
            if member["draining"] as? Bool == true { slots += " (draining)" }
            print(
                pad(member["id"] as? String ?? "?", 6) + pad(member["role"] as? String ?? "?", 9)
                    + pad(member["peerAddress"] as? String ?? "", 22) + pad(member["httpAddress"] as? String ?? "", 22)
                    + pad(reachable, 11) + pad(match, 10) + slots)
        }
    }

    static func finish(_ reply: HTTPClient.Reply, json: Bool, success: String) throws {
        guard (200..<300).contains(reply.status) else { throw failure(reply) }
        if json { printJSON(reply.body) } else { print(success) }
    }

    static func failure(_ reply: HTTPClient.Reply) -> ValidationError {
        let error = reply.error ?? [:]
        return ValidationError("HTTP \(reply.status) \(error["code"] ?? ""): \(error["message"] ?? String(decoding: reply.body, as: UTF8.self))")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}
