import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RaftCore
import Replica
import ServiceDesk

/// The one error shape of the HTTP API: `{"error":{"code":"…","message":"…"}}` with the
/// matching status, plus optional details (such as where the leader is).
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [String: String] = [:]
    public var retryAfterSeconds: Int?

    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headerFields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try body())))
    }

    /// `{"error":{…}}` with the code, the message and the details.
    func body() throws -> Data {
        var fields: [String: String] = ["code": code, "message": message]
        fields.merge(details) { first, _ in first }
        return try JSONEncoder.sorted.encode(["error": fields])
    }

    var headerFields: HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfterSeconds { headers[.retryAfter] = String(retryAfterSeconds) }
        return headers
    }

    static func badRequest(_ message: String) -> APIError {
        APIError(.badRequest, code: "bad_request", message: message)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(.notFound, code: "not_found", message: message)
    }

    static let unauthorized = APIError(.unauthorized, code: "unauthorized", message: "a valid bearer token is required")

    /// Translates a replica failure into the status a client can act on.
    static func from(_ error: ReplicaError, directory: Directory) -> APIError {
        switch error {
        case .notLeader(let hint):
            var apiError = APIError(.serviceUnavailable, code: "no_leader", message: "this node knows no leader; retry shortly")
            if hint != noNode {
                apiError = APIError(.misdirectedRequest, code: "not_leader", message: "send this request to the leader")
                apiError.details["leader"] = String(hint)
                if let http = directory.members[hint]?.http { apiError.details["leaderURL"] = "http://\(http)" }
            }
            apiError.retryAfterSeconds = 1
            return apiError
        case .timedOut:
            var apiError = APIError(.serviceUnavailable, code: "timeout", message: "no answer in time; the outcome is unknown, retry with the same idempotency key")
            apiError.retryAfterSeconds = 1
            return apiError
        case .overloaded:
            var apiError = APIError(.serviceUnavailable, code: "overloaded", message: "too many requests are waiting")
            apiError.retryAfterSeconds = 1
            return apiError
        case .dropped:
            var apiError = APIError(.serviceUnavailable, code: "dropped", message: "leadership changed before the write committed; it was not applied")
            apiError.retryAfterSeconds = 1
            return apiError
        case .stopped:
            return APIError(.serviceUnavailable, code: "stopping", message: "this node is shutting down")
        case .removed:
            return APIError(.gone, code: "removed", message: "this node was removed from the cluster; send requests to a member")
        case .rejected(let raftError):
            return rejected(raftError)
        }
    }

    private static func rejected(_ error: RaftError) -> APIError {
        switch error {
        case .confChangePending:
            return APIError(.conflict, code: "change_pending", message: "another membership change is in progress")
        case .invalidConfChange(let reason):
            return APIError(.badRequest, code: "invalid_change", message: reason)
        case .learnerNotCaughtUp:
            return APIError(.conflict, code: "not_caught_up", message: "the learner has not caught up yet")
        case .invalidTransferTarget:
            return APIError(.badRequest, code: "invalid_target", message: "the target must be another voter")
        case .proposalTooLarge:
            return APIError(.contentTooLarge, code: "too_large", message: "the command is too large")
        default:
            var apiError = APIError(.serviceUnavailable, code: "unavailable", message: "the cluster cannot take this request now (\(error))")
            apiError.retryAfterSeconds = 1
            return apiError
        }
    }
}

extension JSONEncoder {
    /// Sorted keys, so that responses are stable and diffable.
    static let sorted: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
}

/// Encodes `value` as a JSON response.
func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    jsonResponse(bytes: try JSONEncoder.sorted.encode(value), status: status)
}

private func jsonResponse(bytes: some Sequence<UInt8>, status: HTTPResponse.Status) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
}

/// A desk result as a JSON response, in the form `ResultView` gives it.
func resultResponse(_ result: DeskResult, status: HTTPResponse.Status) throws -> Response {
    jsonResponse(bytes: try JSONWriter.result(result), status: status)
}

/// Reads and decodes a JSON body of at most `bytesMax`, with clear errors for each failure.
func decodeBody<Value: Decodable>(_ type: Value.Type, from request: Request, bytesMax: Int = 1 << 20) async throws -> Value {
    let buffer = try await collectBody(request, bytesMax: bytesMax)
    return try decodeJSON(Value.self, from: Data(buffer.readableBytesView))
}

/// Like `decodeBody`, reading the body's usual shapes with `JSONReader` and leaving the rest,
/// errors among them, to `JSONDecoder`.
func decodeBody<Value: Decodable & JSONReadable>(
    _ type: Value.Type, from request: Request, bytesMax: Int = 1 << 20
) async throws -> Value {
    let buffer = try await collectBody(request, bytesMax: bytesMax)
    let fast = buffer.withUnsafeReadableBytes { bytes in JSONReader.object(bytes).flatMap(Value.init(fields:)) }
    if let fast { return fast }
    return try decodeJSON(Value.self, from: Data(buffer.readableBytesView))
}

/// The whole body, at most `bytesMax` of it.
func collectBody(_ request: Request, bytesMax: Int) async throws -> ByteBuffer {
    do {
        return try await request.body.collect(upTo: bytesMax)
    } catch {
        throw APIError(.contentTooLarge, code: "too_large", message: "the body exceeds \(bytesMax) bytes")
    }
}

/// A body `JSONReader` can read: built from the fields of its object, or nil when `JSONDecoder`
/// must decide (a field or shape this reading does not take, or an error to report).
protocol JSONReadable {
    init?(fields: [(key: String, value: JSONReader.Value)])
}

func decodeJSON<Value: Decodable>(_ type: Value.Type, from data: Data) throws -> Value {
    do {
        return try JSONDecoder().decode(CheckedBody<Value>.self, from: data).value
    } catch let error as APIError {
        throw error
    } catch DecodingError.keyNotFound(let key, _) {
        throw APIError.badRequest("missing field \"\(key.stringValue)\"")
    } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
        throw APIError.badRequest("the body must be a JSON object")
    } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
        throw APIError.badRequest("wrong type for \"\(fieldPath(context))\"")
    } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
        // Well-formed JSON with a value the field does not take (an unknown enum case, say).
        throw APIError.badRequest("invalid value for \"\(fieldPath(context))\"")
    } catch {
        throw APIError.badRequest("the body is not valid JSON")
    }
}

private func fieldPath(_ context: DecodingError.Context) -> String {
    context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
}

/// Decodes a body in one pass: the top-level field names are checked against `KnownFields`
/// from the same parsed JSON the value is then decoded from.
private struct CheckedBody<Value: Decodable>: Decodable {
    let value: Value

    init(from decoder: any Decoder) throws {
        if let known = (Value.self as? any KnownFields.Type)?.knownFields {
            let fields = try decoder.container(keyedBy: AnyFieldKey.self).allKeys.map(\.stringValue)
            if let unknown = fields.sorted().first(where: { !known.contains($0) }) {
                throw APIError.badRequest("unknown field \"\(unknown)\"")
            }
        }
        value = try Value(from: decoder)
    }
}

private struct AnyFieldKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A request body whose top-level fields are checked: a misspelt field is an error rather than
/// a change silently not made.
protocol KnownFields {
    static var knownFields: Set<String> { get }
}

