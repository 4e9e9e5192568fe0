@testable import RaftCore

/// The compact text form of Raft values in scenario output, modelled on etcd's
/// `raft.DescribeMessage` so that outputs read like etcd's interaction tests and diff well.
enum Describe {
    static func message(_ message: Message) -> String {
        var text = "\(message.from)->\(message.to) \(kind(message.kind)) Term:\(message.term)"
        text += " Log:\(message.logTerm)/\(message.index)"
        if message.commit != 0 { text += " Commit:\(message.commit)" }
        if message.reject { text += " Rejected (Hint: \(message.rejectHint))" }
        if !message.entries.isEmpty { text += " Entries:[\(entries(message.entries))]" }
        if let snapshot = message.snapshot {
            text += " Snapshot:[\(snapshotMetadata(snapshot.metadata))]"
        }
        if !message.context.isEmpty { text += " Context:\(plain(message.context))" }
        return text
    }

    static func kind(_ kind: MessageKind) -> String {
        switch kind {
        case .preVote: "MsgPreVote"
        case .preVoteResponse: "MsgPreVoteResp"
        case .vote: "MsgVote"
        case .voteResponse: "MsgVoteResp"
        case .append: "MsgApp"
        case .appendResponse: "MsgAppResp"
        case .heartbeat: "MsgHeartbeat"
        case .heartbeatResponse: "MsgHeartbeatResp"
        case .snapshot: "MsgSnap"
        case .timeoutNow: "MsgTimeoutNow"
        case .readIndex: "MsgReadIndex"
        case .readIndexResponse: "MsgReadIndexResp"
        }
    }

    static func entry(_ entry: Entry) -> String {
        "\(entry.term)/\(entry.index) " + payload(entry)
    }

    static func entries(_ entries: [Entry]) -> String {
        entries.map(entry).joined(separator: ", ")
    }

    private static func payload(_ entry: Entry) -> String {
        switch entry.kind {
        case .normal:
            return "EntryNormal " + quoted(entry.data)
        case .confChange:
            guard let change = ConfChange(encoded: entry.data) else {
                return "EntryConfChange <undecodable>"
            }
            return "EntryConfChange " + confChange(change)
        }
    }

    static func confChange(_ change: ConfChange) -> String {
        let kind: String
        switch change.kind {
        case .addLearner: kind = "add-learner"
        case .promote: kind = "promote"
        case .remove: kind = "remove"
        }
        return "\(kind) \(change.nodeID)"
    }

    static func snapshotMetadata(_ metadata: SnapshotMetadata) -> String {
        "Index:\(metadata.index) Term:\(metadata.term) " + confState(metadata.confState)
    }

    static func confState(_ confState: ConfState) -> String {
        "Voters:\(list(confState.voters)) Learners:\(list(confState.learners))"
    }

    static func hardState(_ hardState: HardState) -> String {
        "Term:\(hardState.term) Vote:\(hardState.vote) Commit:\(hardState.commit)"
    }

    static func role(_ role: Role) -> String {
        switch role {
        case .follower: "StateFollower"
        case .preCandidate: "StatePreCandidate"
        case .candidate: "StateCandidate"
        case .leader: "StateLeader"
        }
    }

    /// The role as a word in a sentence ("2 becomes pre-candidate at term 1").
    static func roleWord(_ role: Role) -> String {
        switch role {
        case .follower: "follower"
        case .preCandidate: "pre-candidate"
        case .candidate: "candidate"
        case .leader: "leader"
        }
    }

    static func progressState(_ state: ProgressState) -> String {
        switch state {
        case .probe: "StateProbe"
        case .replicate: "StateReplicate"
        case .snapshot: "StateSnapshot"
        }
    }

    static func list(_ nodes: [NodeID]) -> String {
        "[" + nodes.map(String.init).joined(separator: " ") + "]"
    }

    static func quoted(_ bytes: [UInt8]) -> String {
        "\"" + plain(bytes) + "\""
    }

    /// Printable ASCII as text, anything else as hex, so output stays one stable line.
    static func plain(_ bytes: [UInt8]) -> String {
        if bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        return "0x" + bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    static func error(_ error: RaftError) -> String {
        "error: \(error)"
    }
}
