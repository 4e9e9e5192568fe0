/// Random (version 4) UUIDs in lowercase text, the form every id the API draws takes.
///
/// Foundation's `UUID()` opens and reads `/dev/urandom` for each id on Linux, a file open per
/// message post; the system generator reads the same kernel source with one `getrandom` call.
enum RandomID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return text(high: generator.next(), low: generator.next())
    }

    /// The UUID text of 128 random bits, with the version (4) and variant (10xx) bits set.
    static func text(high: UInt64, low: UInt64) -> String {
        let high = (high & ~0xF000) | 0x4000
        let low = (low & ~(0xC << 60)) | (0x8 << 60)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, digits: Int) {
                for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
                    buffer[position] = JSONWriter.hexDigits[Int((value >> UInt64(shift)) & 0xF)]
                    position += 1
                }
            }
            func dash() {
                buffer[position] = UInt8(ascii: "-")
                position += 1
            }
            put(high >> 32, digits: 8)
            dash()
            put(high >> 16, digits: 4)
            dash()
            put(high, digits: 4)
            dash()
            put(low >> 48, digits: 4)
            dash()
            put(low, digits: 12)
            return position
        }
    }
}
