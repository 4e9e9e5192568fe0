internal import CRocksDB

/// The C API's way of reporting failure: a `char**` that RocksDB sets to a malloc'ed message.
typealias ErrorPointer = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

/// Runs one RocksDB C call and turns the message it reports through `errptr` into a
/// `StorageError`, so no RocksDB failure can be dropped on the floor.
func rocksDBCall<Result>(_ operation: String, _ call: (ErrorPointer) -> Result) throws(StorageError)
    -> Result
{
    var message: UnsafeMutablePointer<CChar>? = nil
    let result = call(&message)
    if let message {
        let text = String(cString: message)
        rocksdb_free(message)
        throw .rocksDB(operation: operation, message: text)
    }
    return result
}

extension Array where Element == UInt8 {
    /// Lends the bytes to a C call as `const char*` plus length. An empty array still gets a
    /// valid pointer, because RocksDB builds a `Slice` from it and must never see NULL.
    func withCChars<Result>(_ body: (UnsafePointer<CChar>, Int) -> Result) -> Result {
        if isEmpty {
            var placeholder: CChar = 0
            return withUnsafePointer(to: &placeholder) { body($0, 0) }
        }
        return withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in body(chars.baseAddress!, chars.count) }
        }
    }

    /// Copies `count` bytes that RocksDB owns into a Swift array, so no pointer into RocksDB
    /// memory outlives the call that produced it.
    init(copying pointer: UnsafePointer<CChar>?, count: Int) {
        guard let pointer, count > 0 else {
            self = []
            return
        }
        self = Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
