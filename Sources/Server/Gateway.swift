import Crypto
import Foundation
import HTTPTypes
import ServiceDesk

/// The signature both directions between the cluster and a channel's gateway carry: the
/// deliveries the cluster posts and the customer messages the gateway brings in.
/// `X-Switchboard-Timestamp` (seconds since the epoch) and `X-Switchboard-Signature`: `v1=` and
/// the hex HMAC-SHA256, keyed by the channel webhook's secret, of `<timestamp>.<body>`.
enum GatewaySignature {
    /// How far an inbound timestamp may be from this node's clock, so a captured request
    /// cannot be replayed later.
    static let toleranceSeconds: Int64 = 300

    static let timestampField = HTTPField.Name("X-Switchboard-Timestamp")!
    static let signatureField = HTTPField.Name("X-Switchboard-Signature")!

    /// The signature header's value for `body` sent at `timestamp`.
    static func sign(secret: String, timestamp: String, body: [UInt8]) -> String {
        "v1=" + Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: signed(timestamp, body), using: key(secret))))
    }

    /// Refuses (401 `bad_signature`) a request whose timestamp is missing or too far from
    /// `now`, or whose signature does not match (compared in constant time).
    static func verify(_ headers: HTTPFields, body: [UInt8], secret: String, now: Date) throws {
        // Bounds rather than a difference: any Int64 may arrive, and a subtraction could overflow.
        let nowSeconds = Int64(now.timeIntervalSince1970)
        guard let timestamp = headers[timestampField], let seconds = Int64(timestamp),
            seconds >= nowSeconds - toleranceSeconds, seconds <= nowSeconds + toleranceSeconds
        else { throw refusal("X-Switchboard-Timestamp is missing or more than \(toleranceSeconds) s from now") }
        guard let signature = headers[signatureField], signature.hasPrefix("v1="),
            let mac = Hex.decode(signature.dropFirst(3)), mac.count == 32
        else { throw refusal("X-Switchboard-Signature is missing or malformed") }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed(timestamp, body), using: key(secret)) else {
            throw refusal("the signature does not match")
        }
    }

    private static func signed(_ timestamp: String, _ body: [UInt8]) -> [UInt8] {
        Array(timestamp.utf8) + [UInt8(ascii: ".")] + body
    }

    private static func key(_ secret: String) -> SymmetricKey { SymmetricKey(data: Array(secret.utf8)) }

    private static func refusal(_ message: String) -> APIError {
        APIError(.unauthorized, code: "bad_signature", message: message)
    }
}

/// A customer as the gateway and the cluster name them to each other: in a delivery, whom it
/// is for (with the cluster's `id`); in an inbound message, who wrote (by `externalId`).
struct GatewayCustomer: Codable {
    var id: String?
    /// The customer's id on the channel (WeChat OpenID, Messenger PSID, address, number).
    var externalId: String?
    var name: String?
    var email: String?
    var phone: String?
    var language: String?
}

/// Lowercase hexadecimal text of bytes, and back.
enum Hex {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        for byte in bytes {
            text.append(JSONWriter.hexDigits[Int(byte >> 4)])
            text.append(JSONWriter.hexDigits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of `text` (either case), or nil when it is not an even run of hex digits.
    static func decode(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
