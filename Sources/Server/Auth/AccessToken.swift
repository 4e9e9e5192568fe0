import Crypto
import Foundation

/// What a signed token says about its holder.
struct TokenClaims: Codable, Sendable, Hashable {
    enum Kind: String, Codable, Sendable {
        /// A staff user's bearer token, from `POST /v1/auth/login`.
        case staff
        /// A short-lived ticket that lets a browser open the event WebSocket, which cannot
        /// carry an `Authorization` header.
        case ticket
        /// A website visitor's token from `POST /v1/widget/sessions`: acts as that customer.
        case customer
        /// A customer's WebSocket ticket.
        case customerTicket
    }

    var kind: Kind
    /// The staff user's id.
    var subject: String
    /// Seconds since 1970 after which the token is refused.
    var expiresAt: Int64
    /// A fingerprint of the password hash the token was issued under: changing the password
    /// revokes every token issued before. Empty for customers, who have no password.
    var passwordStamp: String
    /// The widget a customer token was issued through, whose queue and team their
    /// conversations get.
    var widgetID: String?
}

/// Signs and checks tokens with HMAC-SHA256 under a key derived from the cluster secret, so a
/// token issued by one node is accepted by every node of the cluster and by no other cluster.
///
/// Format: `sb1.` + base64url(JSON claims) + `.` + base64url(MAC over the first two parts).
struct TokenSigner: Sendable {
    static let prefix = "sb1."
    static let tokenBytesMax = 2_048
    /// Raw bytes: `SymmetricKey` is not `Sendable`.
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    init(clusterSecret: [UInt8]) {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("switchboard access tokens v1".utf8), using: SymmetricKey(data: clusterSecret))
        keyBytes = Array(mac)
    }

    func sign(_ claims: TokenClaims) -> String {
        let payload = Self.prefix + Self.base64URL(Array((try? JSONEncoder.sorted.encode(claims)) ?? Data()))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(payload.utf8), using: key)
        return payload + "." + Self.base64URL(Array(mac))
    }

    /// The claims of a well-signed token that has not expired at `now`, else nil.
    func verify(_ token: String, now: Date = Date()) -> TokenClaims? {
        guard token.utf8.count <= Self.tokenBytesMax, token.hasPrefix(Self.prefix),
            let dot = token.lastIndex(of: ".") else { return nil }
        let payload = String(token[..<dot])
        guard let signature = Self.decodeBase64URL(String(token[token.index(after: dot)...])),
            HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Array(payload.utf8), using: key),
            let json = Self.decodeBase64URL(String(payload.dropFirst(Self.prefix.count))),
            let claims = try? JSONDecoder().decode(TokenClaims.self, from: Data(json)),
            Double(claims.expiresAt) > now.timeIntervalSince1970
        else { return nil }
        return claims
    }

    /// A short fingerprint of a password hash for `TokenClaims.passwordStamp`.
    static func passwordStamp(_ passwordHash: String) -> String {
        let digest = SHA256.hash(data: Array(passwordHash.utf8))
        return base64URL(Array(digest.prefix(9)))
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeBase64URL(_ text: String) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}
