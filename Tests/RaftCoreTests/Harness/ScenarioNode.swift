@testable import RaftCore

/// One member of a scenario cluster. `raft` is the in-memory state that a crash loses;
/// `storage` and `state` are the disk, written only while a Ready is handled, and survive.
struct ScenarioNode {
    let id: NodeID
    var config: Config
    var raft: RaftNode?
    let storage: MemoryStorage
    var state: AppliedState

    init(config: Config, storage: MemoryStorage) {
        id = config.id
        self.config = config
        self.storage = storage
        state = AppliedState(confState: storage.initialState().confState)
        raft = RaftNode(config: config, storage: storage)
    }

    var isUp: Bool { raft != nil }
}

/// The application state machine of a scenario node: the payloads of the applied entries.
/// It is durable, like a state machine that writes its applied index with its data.
struct AppliedState {
    struct Value: Equatable {
        var index: LogIndex
        var text: String
    }

    private(set) var appliedIndex: LogIndex = 0
    private(set) var values: [Value] = []
    /// The membership after each applied change, so a snapshot at any applied index can name
    /// the membership in force there.
    private var confHistory: [(index: LogIndex, confState: ConfState)]

    init(confState: ConfState) {
        confHistory = [(0, confState)]
    }

    /// Applies the entry that directly follows `appliedIndex`.
    mutating func apply(_ entry: Entry) {
        precondition(entry.index == appliedIndex + 1, "entries are applied in order")
        appliedIndex = entry.index
        switch entry.kind {
        case .normal where !entry.data.isEmpty:
            values.append(Value(index: entry.index, text: Describe.plain(entry.data)))
        case .confChange:
            if let change = ConfChange(encoded: entry.data) {
                confHistory.append((entry.index, confState(at: entry.index).applying(change)))
            }
        case .normal:
            break
        }
    }

    /// Replaces everything with the state a snapshot carries.
    mutating func restore(_ snapshot: Snapshot) {
        appliedIndex = snapshot.metadata.index
        values = Self.decode(snapshot.data)
        confHistory = [(snapshot.metadata.index, snapshot.metadata.confState)]
    }

    func confState(at index: LogIndex) -> ConfState {
        confHistory.last { $0.index <= index }?.confState ?? ConfState()
    }

    /// The state at `index` in the snapshot encoding: one `index=value` line per value.
    func snapshotData(through index: LogIndex) -> [UInt8] {
        let lines = values.filter { $0.index <= index }.map { "\($0.index)=\($0.text)" }
        return Array(lines.joined(separator: "\n").utf8)
    }

    private static func decode(_ data: [UInt8]) -> [Value] {
        String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            let parts = line.split(separator: "=", maxSplits: 1)
            precondition(parts.count == 2, "snapshot line \(line) is not index=value")
            return Value(index: LogIndex(parts[0])!, text: String(parts[1]))
        }
    }
}
