import Foundation
import HTTPTypes
import Testing
@testable import Server

/// The signature of both directions with a gateway: made for deliveries, checked on inbound requests.
struct GatewaySignatureTests {
    private let secret = "whsec_test-secret-0123456789abcdefghij"
    private let body = Array(#"{"a":1}"#.utf8)
    private let now = Date(timeIntervalSince1970: 1_700_000_100)

    private func headers(timestamp: String? = "1700000000", signature: String?) -> HTTPFields {
        var fields = HTTPFields()
        if let timestamp { fields[GatewaySignature.timestampField] = timestamp }
        if let signature { fields[GatewaySignature.signatureField] = signature }
        return fields
    }

    private func refusal(_ fields: HTTPFields, body: [UInt8]? = nil, now: Date? = nil) -> String? {
        do {
            try GatewaySignature.verify(fields, body: body ?? self.body, secret: secret, now: now ?? self.now)
            return nil
        } catch let error as APIError {
            #expect(error.status == .unauthorized && error.code == "bad_signature")
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func aSignatureMadeWithTheSecretIsAccepted() {
        // The vector of `OutboxDelivererTests`, computed with Python's hmac.
        let good = "v1=9b0d9f8e6c0292eaa7ad19181a0f4bc088d183105e62e1b9eefb5b9201dfb64a"
        #expect(refusal(headers(signature: good)) == nil)
        #expect(refusal(headers(signature: good.uppercased().replacingOccurrences(of: "V1=", with: "v1="))) == nil)
        let made = GatewaySignature.sign(secret: secret, timestamp: "1700000000", body: body)
        #expect(made == good)
    }

    @Test func anythingElseIsRefused() {
        let good = GatewaySignature.sign(secret: secret, timestamp: "1700000000", body: body)
        #expect(refusal(headers(signature: good), body: Array(#"{"a":2}"#.utf8))?.contains("does not match") == true)
        #expect(refusal(headers(signature: GatewaySignature.sign(secret: secret + "x", timestamp: "1700000000", body: body)))?
            .contains("does not match") == true)
        #expect(refusal(headers(signature: nil))?.contains("missing or malformed") == true)
        #expect(refusal(headers(signature: "v1=zz"))?.contains("missing or malformed") == true)
        #expect(refusal(headers(signature: "v2=" + good.dropFirst(3)))?.contains("missing or malformed") == true)
        #expect(refusal(headers(timestamp: nil, signature: good))?.contains("Timestamp") == true)
        // Extreme timestamps are refused, not a trap on overflow (the endpoint needs no token).
        for extreme in [Int64.min, Int64.max] {
            let signature = GatewaySignature.sign(secret: secret, timestamp: String(extreme), body: body)
            #expect(refusal(headers(timestamp: String(extreme), signature: signature))?.contains("Timestamp") == true)
        }
        // Replayed ten minutes later: refused, though the signature is good.
        #expect(refusal(headers(signature: good), now: Date(timeIntervalSince1970: 1_700_000_600))?.contains("Timestamp") == true)
    }
}
