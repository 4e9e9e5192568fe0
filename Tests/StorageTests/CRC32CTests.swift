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

    /// Eight bytes at a time must give what one byte at a time gives, for every length and
    /// alignment (slices start at every offset), and for sequences without contiguous storage.
    @Test func eightBytesAtATimeMatchesBytewise() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for start in 0..<9 {
            for end in stride(from: start, through: bytes.count, by: 7) {
                let slice = bytes[start..<end]
                #expect(CRC32C.checksum(slice) == bytewise(slice))
            }
        }
        #expect(CRC32C.checksum(bytes.lazy.map { $0 }) == bytewise(bytes[...]))
    }

    private func bytewise(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
