import RaftCore
import Replica
import Testing

struct ForwardCodecTests {
    @Test func proposalsAndAnswersSurviveTheWire() throws {
        let items: [ForwardCodec.Item] = [
            .proposal(ForwardedProposal(requestID: 7, origin: 2, leader: 1, data: [1, 2, 3])),
            .answer(ForwardedAnswer(requestID: 7, origin: 2, outcome: .applied(index: 1_234_567, answer: [9, 8]))),
            .answer(ForwardedAnswer(requestID: 8, origin: 3, outcome: .applied(index: 1, answer: []))),
            .answer(ForwardedAnswer(requestID: 9, origin: 2, outcome: .failed(.notLeader(leaderHint: 3)))),
            .answer(ForwardedAnswer(requestID: 10, origin: 2, outcome: .failed(.rejected(.proposalTooLarge)))),
        ]
        for item in items {
            #expect(try ForwardCodec.decode(ForwardCodec.encode(item)) == item)
        }
    }

    @Test func anAppliedAnswerCarriesItsEntryIndexFirst() {
        let bytes = ForwardCodec.encode(.answer(ForwardedAnswer(
            requestID: 1, origin: 2, outcome: .applied(index: 0x0102_0304_0506_0708, answer: [0xAA]))))
        // tag, request id, origin, outcome code, then the index and the answer.
        #expect(Array(bytes[18...]) == [1, 2, 3, 4, 5, 6, 7, 8, 0xAA])
    }

    @Test func aTruncatedAnswerIsRefused() {
        let bytes = ForwardCodec.encode(.answer(ForwardedAnswer(
            requestID: 1, origin: 2, outcome: .applied(index: 5, answer: []))))
        for length in 0..<bytes.count {
            #expect(throws: EnvelopeError.self) { try ForwardCodec.decode(Array(bytes[..<length])) }
        }
        #expect(throws: EnvelopeError.self) { try ForwardCodec.decode([3] + bytes.dropFirst()) }
    }
}
