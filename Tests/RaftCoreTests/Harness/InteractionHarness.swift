@testable import RaftCore

/// Runs scenario commands against an in-memory cluster and collects what happened as text.
///
/// Nothing happens behind the scenario's back: messages move only on `deliver`/`stabilize`,
/// Readies are handled only on `process-ready`/`stabilize`, time passes only on `tick…`.
/// That makes every interleaving explicit and every output deterministic.
///
/// Commands (N, M are node ids; options are `key=value`):
/// - cluster voters=1,2,3 [learners=4] [prevote=] [checkquorum=] [election=] [heartbeat=]
///   [inflight=] [inflightbytes=] [maxbytes=] [uncommitted=] [committedbytes=] [lag=]
///   [snapshot-timeout=] [seed=] [fault=PlantedFault] [leasereads=]
/// - add-node N [voters=…], crash N, restart N, compact N INDEX
/// - campaign N, tick N… [count=K], tick-heartbeat N, tick-election N
/// - propose N data…, propose-conf N add-learner|promote|remove M, transfer-leader N to=M,
///   read-index N ctx, report-unreachable N to=M, report-snapshot N to=M [failed=true]
/// - ready N…, process-ready N…, stabilize [N…]
/// - deliver / hold / duplicate [from=N] [to=M] [type=MsgApp] [count=K] (deliver also takes
///   drop=true and reverse=true), release, partition 1,2 | 3, heal
/// - status N, log N, raft-state, output on|off
///
/// Besides printing, it checks after every step that no term has two leaders, that every
/// node applies each index once and in order, and that all nodes apply the same entry at an
/// index; a broken promise prints a line starting with `violation:`.
struct InteractionHarness {
    var nodes: [NodeID: ScenarioNode] = [:]
    /// The settings of the `cluster` command, reused for nodes added later.
    var clusterConfig: Config?
    var network = ScenarioNetwork()
    /// The first entry applied at each index by any node, to check that all nodes apply the
    /// same log (state machine safety).
    var appliedLog: [LogIndex: Entry] = [:]
    /// The node that led each term, to check that no term has two leaders (election safety).
    var leaders: [Term: NodeID] = [:]
    /// Readies handed out by `ready N` whose persist, apply and advance steps are still to come.
    var readiesInProgress: [NodeID: Ready] = [:]
    private(set) var output: [String] = []
    /// Prefix of the lines written inside a section (a Ready, a delivery).
    var indent = ""
    /// False while `output off` hides the details of a scenario's setup steps.
    var isPrinting = true

    /// Runs a block's commands and returns their output (`ok` if they printed nothing).
    mutating func run(_ block: ScenarioBlock) throws -> [String] {
        output = []
        for line in block.commands {
            do {
                try run(ScenarioCommand(text: line.text))
            } catch let error as ScenarioError {
                throw ScenarioError("line \(line.number): \(error.description)")
            }
        }
        indent = ""
        return output.isEmpty ? ["ok"] : output
    }

    /// Writes an output line. Violations found by the harness's own checks print even while
    /// output is off, so hiding a setup can never hide one.
    mutating func emit(_ line: String) {
        guard isPrinting || line.hasPrefix(Self.violation) else { return }
        output.append(indent + line)
    }

    /// Starts every line that reports a broken promise (RaftCore's or the storage's).
    static let violation = "violation:"

    var sortedIDs: [NodeID] { nodes.keys.sorted() }

    private mutating func run(_ command: ScenarioCommand) throws {
        switch command.name {
        case "cluster": try createCluster(command)
        case "add-node": try addNode(command)
        case "crash": try crash(command)
        case "restart": try restart(command)
        case "compact": try compact(command)
        case "campaign": try campaign(command)
        case "tick", "tick-heartbeat", "tick-election": try tick(command)
        case "propose": try propose(command)
        case "propose-conf": try proposeConfChange(command)
        case "transfer-leader": try transferLeader(command)
        case "read-index": try readIndex(command)
        case "report-unreachable": try reportUnreachable(command)
        case "report-snapshot": try reportSnapshot(command)
        case "ready": try startReady(command)
        case "process-ready": try processReady(command)
        case "stabilize": try stabilize(command)
        case "deliver": try deliver(command)
        case "hold", "release", "duplicate": try reorder(command)
        case "partition": try partition(command)
        case "heal": try heal(command)
        case "status": try status(command)
        case "log": try log(command)
        case "raft-state": try raftState(command)
        case "output": try setOutput(command)
        default: throw ScenarioError("unknown command \(command.name)")
        }
    }

    /// `output off|on`
    private mutating func setOutput(_ command: ScenarioCommand) throws {
        try command.check(options: [], argumentsMax: 1)
        switch try command.argument(0) {
        case "on": isPrinting = true
        case "off": isPrinting = false
        case let other: throw ScenarioError("output takes on or off, not \(other)")
        }
    }

    // MARK: - Driving one node

    func node(_ id: NodeID) throws -> ScenarioNode {
        guard let node = nodes[id] else { throw ScenarioError("there is no node \(id)") }
        return node
    }

    func raft(_ id: NodeID) throws -> RaftNode {
        guard let raft = try node(id).raft else { throw ScenarioError("node \(id) is down") }
        return raft
    }

    /// Runs `change` on node `id` and reports the change of role or term it caused.
    mutating func updateRaft(_ id: NodeID, _ change: (inout RaftNode) -> Void) throws {
        var raft = try raft(id)
        nodes[id]!.raft = nil  // leave the only reference with `raft`, so nothing is copied
        let before = (role: raft.role, term: raft.term)
        change(&raft)
        nodes[id]!.raft = raft
        if before.role != raft.role || before.term != raft.term {
            emit("\(id) becomes \(Describe.roleWord(raft.role)) at term \(raft.term)")
        }
        if raft.role == .leader && before.role != .leader {
            checkElectionSafety(leader: id, term: raft.term)
        }
    }

    private mutating func checkElectionSafety(leader id: NodeID, term: Term) {
        if let earlier = leaders[term], earlier != id {
            emit("\(Self.violation) \(id) leads term \(term), which \(earlier) already leads")
        } else {
            leaders[term] = id
        }
    }

    /// Like `updateRaft`, for calls that can be refused: a refusal is printed, as it is part
    /// of the behaviour a scenario checks.
    mutating func attempt(_ id: NodeID, _ action: (inout RaftNode) throws(RaftError) -> Void) throws {
        var failure: RaftError?
        try updateRaft(id) { raft in
            do throws(RaftError) {
                try action(&raft)
            } catch {
                failure = error
            }
        }
        if let failure { emit(Describe.error(failure)) }
    }
}
