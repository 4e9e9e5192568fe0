import Foundation

/// Runs `body` with the path of a fresh directory under the system temporary directory and
/// removes the directory afterwards, whatever happens. Databases opened inside `body` must not
/// escape it, so they are closed before the files go.
func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("switchboard-storage-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    try body(url.path)
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of `text`, for readable keys in tests.
    init(text: String) { self = Array(text.utf8) }
}
