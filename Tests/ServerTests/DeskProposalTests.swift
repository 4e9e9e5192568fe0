import ServiceDesk
import Testing
@testable import Server

/// Which desk proposals carry an idempotency key, and so may be sent again to a new leader.
struct DeskProposalTests {
    private let action = Command.Action.updateConversation(UpdateConversation(conversationID: "c1", priority: .high))

    private func key(of proposal: APIRoutes.DeskProposal) throws -> String? {
        #expect(proposal.command.first == NodeStateMachine.Part.desk.rawValue)
        return try Command.decode(Array(proposal.command.dropFirst())).idempotencyKey
    }

    /// Wherever it is proposed, the leader it reaches may lose its leadership before applying
    /// it, so a write without the client's key gets one the server made.
    @Test func aProposalWithoutAKeyGetsOneTheServerMade() throws {
        let first = APIRoutes.DeskProposal(action, actor: .adminToken, idempotencyKey: nil)
        let second = APIRoutes.DeskProposal(action, actor: .adminToken, idempotencyKey: nil)
        let firstKey = try #require(try key(of: first))
        #expect(firstKey.hasPrefix(APIRoutes.DeskProposal.serverKeyPrefix))
        #expect(firstKey.utf8.count <= DeskLimits.standard.idempotencyKeyBytesMax)
        #expect(try key(of: second) != firstKey)
        #expect(first.retryable)
        // A retry the next leader answers from the first application is the client's first
        // answer, not a replay of a key the client never sent.
        #expect(!first.reportsReplay)
        #expect(first.successStatus(replayed: true, created: .created) == .created)
    }

    /// A typing signal or a read mark may be applied twice to the same effect: it is sent
    /// again without a key, and takes no place in the desk's table of recent keys.
    @Test func anActionThatRepeatsHarmlesslyGetsNoKeyAndIsRetryable() throws {
        for action in [
            Command.Action.signalTyping(SignalTyping(conversationID: "c1")),
            .markRead(MarkRead(conversationID: "c1", seq: 3)),
        ] {
            let proposal = APIRoutes.DeskProposal(action, actor: .adminToken, idempotencyKey: nil)
            #expect(try key(of: proposal) == nil)
            #expect(proposal.retryable && !proposal.reportsReplay)
        }
        #expect(!action.repeatsHarmlessly)
    }

    @Test func theClientsKeyIsKeptAndItsReplayReported() throws {
        let proposal = APIRoutes.DeskProposal(action, actor: .adminToken, idempotencyKey: "client-1")
        #expect(try key(of: proposal) == "client-1")
        #expect(proposal.retryable && proposal.reportsReplay)
        #expect(proposal.successStatus(replayed: true, created: .created) == .ok)
        #expect(proposal.successStatus(replayed: false, created: .created) == .created)
    }
}
