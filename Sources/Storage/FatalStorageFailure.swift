#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The exit status of a node stopped by a storage failure (`EX_IOERR` from sysexits.h).
public let storageFailureExitStatus: Int32 = 74

/// Stops the process after a storage write, fsync or read failed.
///
/// A node whose disk failed must not go on: after a failed fsync the kernel may have dropped
/// the dirty pages, so retrying can report success for data that is gone, and a node that
/// acknowledged such data would break Raft's guarantees. Stopping is always safe; Raft treats
/// the node as crashed and it recovers from what is really on disk when restarted.
///
/// The message goes straight to the stderr file descriptor (no buffering to lose), and the
/// process ends with `_exit`, which skips atexit handlers and C++ static destructors that could
/// race RocksDB's background threads.
public func fatalStorageFailure(_ error: any Error, file: StaticString = #fileID, line: UInt = #line) -> Never {
    var message = "fatal: storage failure at \(file):\(line), stopping the node: \(error)\n"
    message.withUTF8 { bytes in
        var remaining = UnsafeRawBufferPointer(bytes)
        while !remaining.isEmpty {
            let written = write(STDERR_FILENO, remaining.baseAddress, remaining.count)
            if written <= 0 { break }
            remaining = UnsafeRawBufferPointer(rebasing: remaining[written...])
        }
    }
    _exit(storageFailureExitStatus)
}
