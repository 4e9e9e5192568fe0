import Crypto
import _CryptoExtras
import Foundation

/// Staff passwords, stored as `pbkdf2-sha256$ROUNDS$SALT$HASH` (base64 salt and hash).
///
/// The hash is computed by the node that receives the password and replicated as an opaque
/// string, so `apply` never sees a password. The round count is stored with each hash: raising
/// it later does not invalidate existing passwords.
struct PasswordHasher: Sendable {
    /// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
    static let roundsDefault = 600_000
    static let scheme = "pbkdf2-sha256"
    static let saltBytes = 16
    static let hashBytes = 32
    /// Longer passwords are refused before hashing, so a request cannot buy minutes of CPU.
    static let passwordBytesMax = 1_024
    static let passwordCharactersMin = 10

    let rounds: Int

    init(rounds: Int = PasswordHasher.roundsDefault) {
        precondition(rounds >= 1, "PBKDF2 needs at least one round")
        self.rounds = rounds
    }

    /// Checks a new password against the policy; the message says what is wrong.
    static func policyViolation(_ password: String) -> String? {
        if password.count < passwordCharactersMin { return "passwords need at least \(passwordCharactersMin) characters" }
        if password.utf8.count > passwordBytesMax { return "passwords are at most \(passwordBytesMax) bytes" }
        return nil
    }

    func hash(_ password: String) throws -> String {
        var salt = [UInt8](repeating: 0, count: Self.saltBytes)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let derived = try Self.derive(password, salt: salt, rounds: rounds)
        return [Self.scheme, String(rounds), Data(salt).base64EncodedString(), Data(derived).base64EncodedString()]
            .joined(separator: "$")
    }

    /// Whether `password` matches `stored`; malformed stored hashes match nothing.
    static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == scheme, let rounds = Int(parts[1]), rounds >= 1, rounds <= 10_000_000,
            let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3])),
            password.utf8.count <= passwordBytesMax,
            let derived = try? derive(password, salt: Array(salt), rounds: rounds)
        else { return false }
        return constantTimeEqual(derived, Array(expected))
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int) throws -> [UInt8] {
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: hashBytes,
            unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }
}
