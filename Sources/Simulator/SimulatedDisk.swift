import RaftCore

/// One write to a node's disk. Each is atomic: after a crash it is there entirely or not at all.
enum DiskWrite {
    /// The persist step of a Ready; a snapshot replaces the machine in the same write.
    case raft(snapshot: Snapshot?, entries: [Entry], hardState: HardState?, machine: DigestMachine?)
    /// The apply step: the machine with its applied index, and the membership in force there.
    case applied(machine: DigestMachine, confState: ConfState?)
    /// A snapshot of the machine at `index`, and the log compacted up to it.
    case compaction(index: LogIndex, confState: ConfState, data: [UInt8])
}

/// A node's disk: what the running node sees (`storage`) and what survives a crash. Unsynced
/// writes sit in a volatile buffer, as in an OS page cache; a synced write makes them durable
/// together with itself, since the disk persists writes in order.
struct SimulatedDisk {
    /// The view the running node reads: every write, synced or not.
    private(set) var storage: MemoryStorage
    private var durableStorage: MemoryStorage
    private(set) var durableMachine = DigestMachine()
    private var volatileWrites: [DiskWrite] = []

    /// Unsynced writes the page cache holds before it writes them back by itself.
    static let volatileWritesMax = 64

    /// A disk formatted for a node that starts with the given boot membership.
    init(voters: [NodeID]) {
        storage = MemoryStorage(voters: voters)
        durableStorage = MemoryStorage(voters: voters)
    }

    var hasVolatileWrites: Bool { !volatileWrites.isEmpty }

    /// Carries out `write`; with `sync` it and everything before it become durable.
    /// Throws (changing nothing) if the write does not fit the stored log.
    mutating func write(_ write: DiskWrite, sync: Bool) throws(RaftError) {
        try Self.apply(write, to: storage)
        volatileWrites.append(write)
        if sync || volatileWrites.count > Self.volatileWritesMax {
            flush()
        }
    }

    /// Makes every volatile write durable, as an fsync or a page-cache write-back does.
    mutating func flush() {
        for write in volatileWrites {
            do {
                try Self.apply(write, to: durableStorage)
            } catch {
                preconditionFailure("a write that fitted the live disk must fit the durable one: \(error)")
            }
            if case .raft(_, _, _, let machine?) = write { durableMachine = machine }
            if case .applied(let machine, _) = write { durableMachine = machine }
        }
        volatileWrites = []
    }

    /// Loses every volatile write: the node restarts from what is durable.
    mutating func crash() {
        volatileWrites = []
        storage = Self.copy(of: durableStorage)
    }

    private static func apply(_ write: DiskWrite, to storage: MemoryStorage) throws(RaftError) {
        switch write {
        case .raft(let snapshot, let entries, let hardState, _):
            if let snapshot { try storage.applySnapshot(snapshot) }
            storage.append(entries)
            if let hardState { storage.setHardState(hardState) }
        case .applied(_, let confState):
            if let confState { storage.setConfState(confState) }
        case .compaction(let index, let confState, let data):
            try storage.createSnapshot(index: index, confState: confState, data: data)
            try storage.compact(to: index)
        }
    }

    /// A storage holding exactly what `source` holds.
    private static func copy(of source: MemoryStorage) -> MemoryStorage {
        let copy = MemoryStorage()
        let snapshot = (try? source.snapshot()) ?? Snapshot()
        if !snapshot.isEmpty {
            do {
                try copy.applySnapshot(snapshot)
            } catch {
                preconditionFailure("an empty storage must accept any snapshot: \(error)")
            }
        }
        copy.setConfState(source.initialState().confState)
        let first = source.firstIndex()
        let last = source.lastIndex()
        if last >= first, let entries = try? source.entries(from: first, to: last + 1, bytesMax: .max) {
            copy.append(entries)
        }
        copy.setHardState(source.hardState)
        return copy
    }
}
