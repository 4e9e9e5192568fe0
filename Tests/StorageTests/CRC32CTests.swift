import Testing

import Checksum

@Suite struct CRC32CTests {
    @Test func matchesTheStandardCheckValue() {
        // The check value of CRC-32C from the RFC 3720 catalogue of CRC parameters.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    }

    @Test func emptyInputHasZeroChecksum() {
        #expect(CRC32C.checksum([UInt8]()) == 0)
    }

    @Test func matchesRFC3720TestVectors() {
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func detectsASingleFlippedBit() {
        let bytes = Array("a Raft log entry".utf8)
        var flipped = bytes
        flipped[3] ^= 0x10
        #expect(CRC32C.checksum(bytes) != CRC32C.checksum(flipped))
    }
}
