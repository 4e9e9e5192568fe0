import Replica
import Storage
import Testing

@testable import Server
@testable import ServiceDesk

/// A node's state machine, fed desk commands as the replica applies them; with a database, each
/// command's record changes are written to it as the replica writes them.
final class AppliedNode {
    let access = ConversationAccess()
    let machine: NodeStateMachine
    let database: Database?
    var index: UInt64 = 1
    var time: Int64 = 1_700_000_000_000

    init(database: Database? = nil) {
        self.database = database
        machine = NodeStateMachine(nodeID: 1, events: EventLog(), accessDirectory: AccessDirectory(), conversationAccess: access)
    }

    func apply(_ actor: ServiceDesk.Actor, _ action: Command.Action) throws {
        index += 1
        time += 1_000
        let command = Command(time: Timestamp(millisecondsSinceEpoch: time), actor: actor, action: action)
        var changes = WriteBatch()
        let answer = machine.apply(
            NodeStateMachine.command(.desk, command.encoded()), index: index, answerWanted: true, changes: &changes)
        guard case .success = try DeskAnswer.reply(in: answer).result else { throw RejectedCommand(action: action) }
        try database?.write(changes, sync: false)
    }

    struct RejectedCommand: Error {
        let action: Command.Action
    }
}
