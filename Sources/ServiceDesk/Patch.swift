/// A change to an optional field: set a new value or clear it. An update command leaves a
/// field alone by leaving its patch `nil`, which keeps "no change" apart from "clear".
///
/// Encodes as `{"set": value}` or `{"clear": true}`, never as JSON `null`, so an absent key
/// and a cleared field cannot be confused by any JSON library.
public enum Patch<Value: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    case set(Value)
    case clear

    /// The field's value after the patch.
    public var value: Value? {
        switch self {
        case .set(let value): value
        case .clear: nil
        }
    }

    private enum CodingKeys: String, CodingKey {
        case set, clear
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if container.contains(.set) {
            self = .set(try container.decode(Value.self, forKey: .set))
        } else if try container.decodeIfPresent(Bool.self, forKey: .clear) == true {
            self = .clear
        } else {
            throw DecodingError.dataCorruptedError(
                forKey: .clear, in: container, debugDescription: "a patch needs \"set\" or \"clear\": true")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .set(let value): try container.encode(value, forKey: .set)
        case .clear: try container.encode(true, forKey: .clear)
        }
    }
}
