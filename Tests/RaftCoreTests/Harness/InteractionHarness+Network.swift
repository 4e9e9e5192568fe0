@testable import RaftCore

/// Commands that move, lose, delay and copy messages, and split the network.
extension InteractionHarness {
    /// `deliver [from=X] [to=Y] [type=MsgApp] [count=K] [drop=true] [reverse=true]`
    mutating func deliver(_ command: ScenarioCommand) throws {
        try command.check(options: MessageFilter.options.union(["drop", "reverse"]), argumentsMax: 0)
        let filter = try MessageFilter(command)
        let drop = try command.flag("drop", default: false)
        let reverse = try command.flag("reverse", default: false)
        _ = try deliverAll(filter, drop: drop, reverse: reverse)
    }

    /// Delivers (or drops) the pending messages `filter` matches, grouped by receiver in id
    /// order; returns how many it took off the network.
    mutating func deliverAll(_ filter: MessageFilter, drop: Bool, reverse: Bool = false) throws -> Int {
        let taken = network.take(filter)
        let receivers = Set(taken.map(\.to)).sorted()
        for receiver in receivers {
            let inbox = taken.filter { $0.to == receiver }
            try deliver(reverse ? inbox.reversed() : inbox, to: receiver, drop: drop)
        }
        return taken.count
    }

    private mutating func deliver(_ inbox: [Message], to receiver: NodeID, drop: Bool) throws {
        if drop || nodes[receiver]?.isUp != true {
            let reason = drop ? "" : " (\(receiver) is down)"
            inbox.forEach { emit("dropped " + Describe.message($0) + reason) }
            return
        }
        emit("> \(receiver) receiving messages")
        indent = "  "
        for message in inbox {
            emit(Describe.message(message))
            try updateRaft(receiver) { $0.step(message) }
        }
        indent = ""
    }

    /// `hold [filter]` sets messages aside; `release` sends them late, after everything queued
    /// meanwhile; `duplicate [filter]` queues copies. The filter is that of `deliver`.
    mutating func reorder(_ command: ScenarioCommand) throws {
        let takesFilter = command.name != "release"
        try command.check(options: takesFilter ? MessageFilter.options : [], argumentsMax: 0)
        switch command.name {
        case "hold":
            try network.hold(MessageFilter(command)).forEach { emit("held " + Describe.message($0)) }
        case "release":
            network.release().forEach { emit("released " + Describe.message($0)) }
        default:
            try network.duplicate(MessageFilter(command)).forEach {
                emit("duplicated " + Describe.message($0))
            }
        }
    }

    /// `partition 1,2 | 3`: only nodes in the same group can talk; a node listed in no group
    /// is alone. Messages already on their way across the cut are lost.
    mutating func partition(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: Int.max)
        let text = command.arguments.joined(separator: " ")
        let groups = try text.split(separator: "|").map { group in
            try group.split(whereSeparator: { $0 == "," || $0 == " " }).map {
                try ScenarioCommand.nodeID(String($0))
            }
        }
        guard groups.count >= 2, groups.allSatisfy({ !$0.isEmpty }) else {
            throw ScenarioError("partition needs at least two groups, like `partition 1,2 | 3`")
        }
        network.partition(groups).forEach { emit("dropped " + Describe.message($0)) }
    }

    mutating func heal(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 0)
        network.heal()
    }
}
