/// Session slots: conversations and tickets hash into a fixed number of slots, and each slot
/// has one owner node that runs its live work (routing, timers, outbox). The map lives in the
/// replicated state; every command an owner proposes carries a ``SlotFence`` that `apply`
/// checks, so after a slot moves, the old owner's late commands are refused.
public struct SlotMap: Sendable, Hashable, Codable {
    /// How many slots there are; fixed for the life of a cluster.
    public static let slotCount = 64

    /// The owner node of each slot; 0 while unassigned.
    public private(set) var owners: [UInt64]
    /// Raised every time a slot changes owner: the fencing token of its commands.
    public private(set) var epochs: [UInt64]
    /// Nodes being drained: the planner moves their slots away and gives them none.
    public private(set) var draining: [UInt64]

    public init() {
        owners = Array(repeating: 0, count: Self.slotCount)
        epochs = Array(repeating: 0, count: Self.slotCount)
        draining = []
    }

    /// The slot of an entity id: FNV-1a over its UTF-8 bytes, the same on every node and
    /// every build (Swift's `Hasher` is seeded per process, so it cannot be used).
    public static func slot(of id: String) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Int(hash % UInt64(slotCount))
    }

    /// The slots `node` owns, ascending.
    public func slots(ownedBy node: UInt64) -> [Int] {
        owners.indices.filter { owners[$0] == node }
    }

    /// The fence a command about slot `slot` must carry now.
    public func fence(for slot: Int) -> SlotFence {
        SlotFence(slot: slot, epoch: epochs[slot], owner: owners[slot])
    }

    mutating func move(_ slot: Int, to owner: UInt64) {
        guard owners[slot] != owner else { return }
        owners[slot] = owner
        epochs[slot] += 1
    }

    mutating func setDraining(_ node: UInt64, _ isDraining: Bool) {
        var nodes = Set(draining)
        if isDraining { nodes.insert(node) } else { nodes.remove(node) }
        draining = nodes.sorted()
    }

    /// Checks the stored shape, for records read back from disk.
    var isWellFormed: Bool {
        owners.count == Self.slotCount && epochs.count == Self.slotCount
    }
}

/// The owner, slot and epoch a slot owner's command was decided under.
public struct SlotFence: Sendable, Hashable, Codable {
    public var slot: Int
    public var epoch: UInt64
    public var owner: UInt64

    public init(slot: Int, epoch: UInt64, owner: UInt64) {
        self.slot = slot
        self.epoch = epoch
        self.owner = owner
    }
}

/// One slot given to a new owner.
public struct SlotMove: Sendable, Hashable, Codable {
    public var slot: Int
    public var owner: UInt64

    public init(slot: Int, owner: UInt64) {
        self.slot = slot
        self.owner = owner
    }
}

/// Decides which slots move when nodes come, go or drain: slots of nodes that are not
/// eligible go to the least-loaded eligible nodes, then single slots move from the most to the
/// least loaded node until no two differ by more than one. Nothing else moves, so a joining
/// node takes only its share and a healthy cluster sees no movement at all.
public enum SlotPlanner {
    public static func plan(owners: [UInt64], eligible: Set<UInt64>) -> [SlotMove] {
        guard !eligible.isEmpty else { return [] }
        var load = Dictionary(uniqueKeysWithValues: eligible.map { ($0, [Int]()) })
        var orphans: [Int] = []
        for (slot, owner) in owners.enumerated() {
            if load[owner] != nil { load[owner]!.append(slot) } else { orphans.append(slot) }
        }
        var moves: [SlotMove] = []
        for slot in orphans {
            let target = leastLoaded(load)
            load[target]!.append(slot)
            moves.append(SlotMove(slot: slot, owner: target))
        }
        while true {
            let most = mostLoaded(load), least = leastLoaded(load)
            guard load[most]!.count - load[least]!.count > 1 else { break }
            let slot = load[most]!.removeLast()
            load[least]!.append(slot)
            moves.removeAll { $0.slot == slot }
            moves.append(SlotMove(slot: slot, owner: least))
        }
        return moves.sorted { $0.slot < $1.slot }
    }

    /// Ties go to the lowest node id, so every planner run is deterministic.
    private static func leastLoaded(_ load: [UInt64: [Int]]) -> UInt64 {
        load.min { ($0.value.count, $0.key) < ($1.value.count, $1.key) }!.key
    }

    private static func mostLoaded(_ load: [UInt64: [Int]]) -> UInt64 {
        load.max { ($0.value.count, $1.key) < ($1.value.count, $0.key) }!.key
    }
}

/// Gives slots to new owners; proposed by the leader's balancer.
public struct AssignSlots: Sendable, Hashable, Codable {
    public var moves: [SlotMove]

    public init(moves: [SlotMove]) {
        self.moves = moves
    }
}

/// Starts or ends draining a node.
public struct SetDraining: Sendable, Hashable, Codable {
    public var node: UInt64
    public var draining: Bool

    public init(node: UInt64, draining: Bool) {
        self.node = node
        self.draining = draining
    }
}

extension Desk {
    func assignSlots(
        _ body: AssignSlots, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        guard context.principal.isSystem || context.principal.hasRole(.admin) else {
            throw .forbidden("only the cluster or an admin assigns slots")
        }
        guard !body.moves.isEmpty, body.moves.count <= SlotMap.slotCount else { throw .invalid("1 to \(SlotMap.slotCount) moves") }
        var map = changeset.slots ?? slots
        for move in body.moves {
            guard (0..<SlotMap.slotCount).contains(move.slot) else { throw .invalid("slot \(move.slot) does not exist") }
            guard move.owner != 0 else { throw .invalid("slots need an owner node") }
            map.move(move.slot, to: move.owner)
        }
        changeset.slots = map
        changeset.emit(.slotsChanged, .slots(map))
        return .slots(map)
    }

    func setDraining(
        _ body: SetDraining, _ context: CommandContext, _ changeset: inout Changeset
    ) throws(CommandError) -> DeskResult {
        try context.principal.requireRole(.admin, to: "drain nodes")
        guard body.node != 0 else { throw .invalid("node ids are positive") }
        var map = changeset.slots ?? slots
        map.setDraining(body.node, body.draining)
        changeset.slots = map
        changeset.emit(.slotsChanged, .slots(map))
        changeset.note(body.draining ? "node.drain" : "node.undrain", target: String(body.node))
        return .slots(map)
    }

    /// Refuses a slot owner's command decided under an old slot map: the slot must be the
    /// entity's, still owned by the same node, at the same epoch.
    func requireFence(_ fence: SlotFence, for entityID: String) throws(CommandError) {
        guard fence.slot == SlotMap.slot(of: entityID) else {
            throw .invalid("\(entityID) is in slot \(SlotMap.slot(of: entityID)), not \(fence.slot)")
        }
        let current = slots.fence(for: fence.slot)
        guard current == fence else {
            throw .conflict("stale slot fence for slot \(fence.slot): epoch \(fence.epoch) of node \(fence.owner), now epoch \(current.epoch) of node \(current.owner)")
        }
    }

    /// The current slot map.
    public var slotMap: SlotMap { slots }
}
