// libFuzzer entry point for the service desk's decoders, compiled into one module with the
// ServiceDesk sources by fuzz/run (so it reaches their internal types). Whatever the bytes,
// decoding must return a value or throw, never trap; and the hand-written binary readers must
// agree with the `Codable` path they replace: both fail, or both give the same value, which
// encodes back to bytes that decode to it again.
import Foundation

/// Seeds the corpus with the binary form of the JSON samples the tests keep (`FUZZ_SAMPLES`):
/// commands and records of every format version, each behind its selector.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    guard let samples = ProcessInfo.processInfo.environment["FUZZ_SAMPLES"],
        let names = try? FileManager.default.contentsOfDirectory(atPath: samples)
    else { return 0 }
    writeSeeds(names.filter { $0.hasSuffix(".json") }.compactMap { name in
        guard let json = FileManager.default.contents(atPath: samples + "/" + name).map(Array.init) else { return nil }
        if let command = try? Command.decode(json) { return (name, [0] + command.encoded()) }
        if let record = try? StoredRecord.decode(json) { return (name, [1] + record.encoded()) }
        return nil
    })
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let (selector, input) = selectedInput(data, size) else { return 0 }
    switch selector % 3 {
    case 0: check(Command.self, input)
    case 1: check(StoredRecord.self, input)
    default: check(DeskReply.self, input)
    }
    return 0
}

private func check<Value: Codable & Equatable>(_ type: Value.Type, _ input: [UInt8]) {
    let handWritten = try? BinaryCoding.decode(type, from: input, handWritten: true)
    let generic = try? BinaryCoding.decode(type, from: input, handWritten: false)
    precondition(
        (handWritten == nil) == (generic == nil),
        "\(type): the hand-written reader \(handWritten == nil ? "refused" : "accepted") what Codable \(generic == nil ? "refused" : "accepted")")
    precondition(handWritten == generic, "\(type): the two readers decoded different values")
    if let value = handWritten {
        let again = try? BinaryCoding.decode(type, from: DeskCoding.encode(value))
        precondition(again == value, "\(type): a decoded value does not survive encoding")
    }
    // JSON, the form earlier builds wrote, goes through the same entry point.
    _ = try? DeskCoding.decode(type, from: input)
}
