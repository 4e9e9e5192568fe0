// libFuzzer entry point for the peer protocol's payload decoders (Raft messages, snapshot
// chunks, membership changes), compiled by fuzz/run into one module with RaftCore and the
// transport's codec files. Whatever the bytes, decoding must return or throw, never trap; and
// what it accepts must be the one encoding of what it returns, so that two nodes never read
// the same bytes differently.
import Foundation

/// Seeds the corpus with one message of every kind, a snapshot chunk and a
/// membership change, each behind its selector.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let entries = [
        Entry(term: 2, index: 7, kind: .normal, data: Array("command".utf8)),
        Entry(term: 2, index: 8, kind: .confChange, data: ConfChange(kind: .addLearner, nodeID: 4, context: []).encoded()),
    ]
    let snapshot = Snapshot(
        metadata: SnapshotMetadata(index: 6, term: 2, confState: ConfState(voters: [1, 2, 3], learners: [4])),
        data: Array("state".utf8))
    var seeds: [(name: String, bytes: [UInt8])] = MessageKind.allCases.map { kind in
        let message = Message(
            kind: kind, from: 1, to: 2, term: 2, logTerm: 1, index: 6, entries: entries, commit: 5,
            reject: kind == .appendResponse, rejectHint: 3, snapshot: kind == .snapshot ? snapshot : nil,
            context: Array("read".utf8))
        return ("message-\(kind)", [0] + MessageCodec.encode(message))
    }
    seeds.append(("chunk", [1] + SnapshotChunk(streamID: 9, chunkIndex: 1, chunkCount: 3, totalBytes: 300, data: Array(repeating: 7, count: 100)).encoded()))
    seeds.append(("conf-change", [2] + ConfChange(kind: .remove, nodeID: 3, context: [1, 2]).encoded()))
    writeSeeds(seeds)
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let (selector, input) = selectedInput(data, size) else { return 0 }
    switch selector % 3 {
    case 0:
        if let message = try? MessageCodec.decode(input) {
            precondition(MessageCodec.encode(message) == input, "a Raft message decoded from bytes that are not its encoding")
        }
    case 1:
        if let chunk = try? SnapshotChunk(encoded: input) {
            precondition(chunk.encoded() == input, "a snapshot chunk decoded from bytes that are not its encoding")
        }
    default:
        if let change = ConfChange(encoded: input) {
            precondition(change.encoded() == input, "a membership change decoded from bytes that are not its encoding")
        }
    }
    return 0
}
