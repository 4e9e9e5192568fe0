import Foundation
import ServiceDesk

/// Writes JSON text byte for byte as `JSONEncoder.sorted` does (Foundation's encoder with
/// sorted keys), for the values the API answers most often; `ResultView` encodes the rest.
///
/// Foundation's encoder goes through `Codable`: a container per object, a boxed value per
/// field, a sort of each object's keys. That was a sixth of a message post at the leader.
/// Writers here put fields in sorted key order themselves; tests compare them with the encoder
/// over random values and every character class a string can hold.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// A string in quotes, escaped as Foundation escapes it: quote, backslash and slash with a
    /// backslash, the control characters with their short forms or `\u00XX`.
    mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for (position, byte) in utf8.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x2F {
                bytes.append(contentsOf: utf8[start..<position])
                appendEscape(byte)
                start = position + 1
            }
            bytes.append(contentsOf: utf8[start...])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func integer(_ value: some BinaryInteger) {
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func bool(_ value: Bool) {
        raw(value ? "true" : "false")
    }

    /// Text that is already JSON: punctuation and quoted keys.
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func appendEscape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case 0x22, 0x5C, 0x2F: bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            raw("u00")
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0xF)])
        }
    }

    /// Lowercase hexadecimal digits, for `\u00XX` escapes and the ids `RandomID` writes.
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}

extension JSONWriter {
    /// A message as its `Codable` form with sorted keys.
    mutating func message(_ message: Message) {
        raw("{\"attachments\":[")
        for (position, attachment) in message.attachments.enumerated() {
            if position > 0 { raw(",") }
            raw("{\"bytes\":")
            integer(attachment.bytes)
            raw(",\"contentType\":")
            string(attachment.contentType)
            raw(",\"name\":")
            string(attachment.name)
            raw(",\"url\":")
            string(attachment.url)
            raw("}")
        }
        raw("],\"author\":{\"id\":")
        string(message.author.id)
        raw(",\"type\":")
        string(message.author.type.rawValue)
        raw("},\"conversationID\":")
        string(message.conversationID)
        raw(",\"createdAt\":")
        integer(message.createdAt.millisecondsSinceEpoch)
        raw(",\"id\":")
        string(message.id)
        raw(",\"index\":")
        integer(message.index)
        raw(",\"internal\":")
        bool(message.internal)
        raw(",\"seq\":")
        integer(message.seq)
        raw(",\"text\":")
        string(message.text)
        raw("}")
    }

    /// The JSON of a desk result as `ResultView` encodes it; written here for a message,
    /// through `JSONEncoder.sorted` for everything else.
    static func result(_ result: DeskResult) throws -> [UInt8] {
        if case .message(let message) = result {
            var writer = JSONWriter(capacity: 256 + message.text.utf8.count)
            writer.message(message)
            return writer.bytes
        }
        return Array(try JSONEncoder.sorted.encode(ResultView(result)))
    }
}
