/// The answer to a proposer in its encoded form: what the state machine returns through Raft
/// to the node that proposed the command.
///
/// Holds `v` (1), then `result` or `error` (`code`, `message`), plus `replayed` (true) for an
/// idempotent retry; in the binary form of `DeskCoding` (JSON from earlier builds decodes too).
public struct DeskReply: Sendable, Hashable, Codable {
    /// The reply format this build writes.
    public static let encodingVersion = 1

    public var result: Result<DeskResult, CommandError>
    public var replayed: Bool

    public init(result: Result<DeskResult, CommandError>, replayed: Bool) {
        self.result = result
        self.replayed = replayed
    }

    /// The reply to an applied command.
    public init(_ outcome: ApplyOutcome) {
        self.init(result: outcome.result, replayed: outcome.replayed)
    }

    private enum CodingKeys: String, CodingKey {
        case version = "v", result, error, replayed
    }

    /// Encodes the reply (`DeskCoding`).
    public func encoded() -> [UInt8] { DeskCoding.encode(self) }

    /// Decodes a reply, rejecting unknown versions.
    public static func decode(_ bytes: [UInt8]) throws(DeskDecodingError) -> DeskReply {
        try DeskCoding.decode(DeskReply.self, from: bytes)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .version)
        guard version == Self.encodingVersion else { throw DeskDecodingError.unsupportedVersion(version) }
        replayed = try container.decodeIfPresent(Bool.self, forKey: .replayed) ?? false
        if let error = try container.decodeIfPresent(CommandError.self, forKey: .error) {
            result = .failure(error)
        } else {
            result = .success(try container.decode(DeskResult.self, forKey: .result))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.encodingVersion, forKey: .version)
        if replayed { try container.encode(true, forKey: .replayed) }
        switch result {
        case .success(let value): try container.encode(value, forKey: .result)
        case .failure(let error): try container.encode(error, forKey: .error)
        }
    }
}
