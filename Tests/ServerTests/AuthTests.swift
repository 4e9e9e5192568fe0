import Foundation
import Testing
@testable import Server

@Suite struct TokenSignerTests {
    private let signer = TokenSigner(clusterSecret: Array("a cluster secret of enough length".utf8))
    private func claims(expiresIn seconds: Double = 60, kind: TokenClaims.Kind = .staff) -> TokenClaims {
        TokenClaims(kind: kind, subject: "a1", expiresAt: Int64(Date().timeIntervalSince1970 + seconds), passwordStamp: "stamp")
    }

    @Test func aSignedTokenVerifies() {
        // One set of claims: two calls to `claims()` may fall on either side of a second.
        let signed = claims()
        let token = signer.sign(signed)
        #expect(token.hasPrefix("sb1."))
        #expect(signer.verify(token) == signed)
    }

    @Test func expiredTokensAreRefused() {
        #expect(signer.verify(signer.sign(claims(expiresIn: -1))) == nil)
    }

    @Test func anotherClustersTokensAreRefused() {
        let other = TokenSigner(clusterSecret: Array("another cluster's secret, also long".utf8))
        #expect(other.verify(signer.sign(claims())) == nil)
    }

    @Test func everyAlteredCharacterIsRefused() {
        let token = signer.sign(claims())
        var refused = 0
        for offset in 4..<token.count {
            var characters = Array(token)
            characters[offset] = characters[offset] == "A" ? "B" : "A"
            if signer.verify(String(characters)) == nil { refused += 1 }
        }
        // Changing the last base64 character may only flip padding bits the decoder ignores.
        #expect(refused >= token.count - 4 - 1)
    }

    @Test func garbageIsRefused() {
        for text in ["", "sb1.", "sb1..", "Bearer x", "sb1.e30.AAAA", String(repeating: "x", count: 5_000)] {
            #expect(signer.verify(text) == nil)
        }
    }

    @Test func passwordStampsDifferPerHash() {
        #expect(TokenSigner.passwordStamp("h1") != TokenSigner.passwordStamp("h2"))
        #expect(TokenSigner.passwordStamp("h1") == TokenSigner.passwordStamp("h1"))
    }
}

@Suite struct PasswordHasherTests {
    private let hasher = PasswordHasher(rounds: 1_000)

    @Test func theRightPasswordVerifiesAndOthersDoNot() throws {
        let stored = try hasher.hash("correct horse battery")
        #expect(stored.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(PasswordHasher.verify("correct horse battery", against: stored))
        #expect(!PasswordHasher.verify("correct horse batterY", against: stored))
        #expect(!PasswordHasher.verify("", against: stored))
    }

    @Test func theSamePasswordHashesDifferently() throws {
        #expect(try hasher.hash("same password 1") != hasher.hash("same password 1"))
    }

    @Test func malformedHashesMatchNothing() {
        for stored in ["", "plain", "pbkdf2-sha256$x$AA==$AA==", "md5$1$AA==$AA==", "pbkdf2-sha256$0$AA==$AA==", hasher.decoy] {
            #expect(!PasswordHasher.verify("anything at all", against: stored))
        }
    }

    @Test func thePolicyNamesWhatIsWrong() {
        #expect(PasswordHasher.policyViolation("short") != nil)
        #expect(PasswordHasher.policyViolation(String(repeating: "x", count: 2_000)) != nil)
        #expect(PasswordHasher.policyViolation("long enough password") == nil)
    }
}

@Suite struct LoginThrottleTests {
    @Test func blocksAfterTheLimitUntilTheWindowEnds() {
        let throttle = LoginThrottle(failuresMax: 3, windowSeconds: 100)
        for _ in 0..<2 { throttle.recordFailure("a@x", now: 1_000) }
        #expect(throttle.retryAfterSeconds("a@x", now: 1_001) == nil)
        throttle.recordFailure("a@x", now: 1_002)
        #expect(throttle.retryAfterSeconds("a@x", now: 1_010) == 90)
        #expect(throttle.retryAfterSeconds("b@x", now: 1_010) == nil, "other emails are not affected")
        #expect(throttle.retryAfterSeconds("a@x", now: 1_101) == nil)
    }

    @Test func successClearsFailures() {
        let throttle = LoginThrottle(failuresMax: 2, windowSeconds: 100)
        throttle.recordFailure("a@x", now: 0)
        throttle.recordSuccess("a@x")
        throttle.recordFailure("a@x", now: 1)
        #expect(throttle.retryAfterSeconds("a@x", now: 2) == nil)
    }

    @Test func memoryStaysBounded() {
        let throttle = LoginThrottle(failuresMax: 2, windowSeconds: 100, emailsMax: 100)
        for number in 0..<1_000 { throttle.recordFailure("user\(number)@x", now: Double(number) / 100) }
        throttle.recordFailure("last@x", now: 10)
        throttle.recordFailure("last@x", now: 10)
        #expect(throttle.retryAfterSeconds("last@x", now: 11) != nil)
    }
}
