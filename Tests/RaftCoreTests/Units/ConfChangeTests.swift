import Testing
@testable import RaftCore

@Suite("ConfChange and ConfState")
struct ConfChangeTests {
    @Test("the encoding is kind, big-endian node id, then context", arguments: [
        ConfChange(kind: .addLearner, nodeID: 4),
        ConfChange(kind: .promote, nodeID: 0x0102_0304_0506_0708, context: Array("10.0.0.4:7000".utf8)),
        ConfChange(kind: .remove, nodeID: .max),
    ])
    func roundTrip(_ change: ConfChange) {
        #expect(ConfChange(encoded: change.encoded()) == change)
    }

    @Test("the layout is fixed")
    func layout() {
        let bytes = ConfChange(kind: .remove, nodeID: 0x0102, context: [9]).encoded()
        #expect(bytes == [2, 0, 0, 0, 0, 0, 0, 1, 2, 9])
    }

    @Test("bytes that are not a conf change decode to nil", arguments: [
        [UInt8](),
        [0, 0, 0, 0, 0, 0, 0, 4],
        [7, 0, 0, 0, 0, 0, 0, 0, 4],
        [0, 0, 0, 0, 0, 0, 0, 0, 0],
    ])
    func invalid(_ bytes: [UInt8]) {
        #expect(ConfChange(encoded: bytes) == nil)
    }

    @Test("a configuration is sorted, without duplicates, and a voter is never also a learner")
    func normalized() {
        let confState = ConfState(voters: [3, 1, 3, 2], learners: [5, 2, 4, 4])
        #expect(confState.voters == [1, 2, 3])
        #expect(confState.learners == [4, 5])
        #expect(confState.members == [1, 2, 3, 4, 5])
    }

    @Test("applying a change that is already in effect changes nothing")
    func idempotent() {
        let confState = ConfState(voters: [1, 2], learners: [3])
        #expect(confState.applying(ConfChange(kind: .addLearner, nodeID: 2)) == confState)
        #expect(confState.applying(ConfChange(kind: .addLearner, nodeID: 3)) == confState)
        #expect(confState.applying(ConfChange(kind: .promote, nodeID: 1)) == confState)
        #expect(confState.applying(ConfChange(kind: .remove, nodeID: 9)) == confState)
    }

    @Test("learners are added, promoted and removed")
    func changes() {
        var confState = ConfState(voters: [1])
        confState = confState.applying(ConfChange(kind: .addLearner, nodeID: 2))
        #expect(confState == ConfState(voters: [1], learners: [2]))
        confState = confState.applying(ConfChange(kind: .promote, nodeID: 2))
        #expect(confState == ConfState(voters: [1, 2]))
        confState = confState.applying(ConfChange(kind: .remove, nodeID: 1))
        #expect(confState == ConfState(voters: [2]))
    }
}
