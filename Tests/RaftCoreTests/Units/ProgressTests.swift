import Testing
@testable import RaftCore

@Suite("Progress")
struct ProgressTests {
    private func progress(match: LogIndex, next: LogIndex, state: ProgressState = .probe) -> Progress {
        var progress = Progress(next: next, isLearner: false, inflightMessagesMax: 2, inflightBytesMax: 0)
        progress.match = match
        switch state {
        case .probe: progress.becomeProbe()
        case .replicate: progress.becomeReplicate()
        case .snapshot: progress.becomeSnapshot(index: next)
        }
        progress.next = next
        return progress
    }

    @Test("an acknowledgement moves match and next forward, never back")
    func update() {
        var peer = progress(match: 3, next: 4)
        let forward = peer.maybeUpdate(5)
        #expect(forward)
        #expect(peer.match == 5 && peer.next == 6)
        let backward = peer.maybeUpdate(4)
        #expect(!backward)
        #expect(peer.match == 5 && peer.next == 6)
    }

    @Test("in replicate, a rejection at or below match is stale")
    func staleRejectionWhileReplicating() {
        var peer = progress(match: 5, next: 9, state: .replicate)
        let stale = peer.maybeDecrease(rejected: 5, matchHint: 2)
        #expect(!stale)
        #expect(peer.next == 9)
        let fresh = peer.maybeDecrease(rejected: 7, matchHint: 2)
        #expect(fresh)
        #expect(peer.next == 6)
    }

    @Test("in probe, only the rejection of the latest probe counts, and the hint jumps back")
    func probeRejection() {
        var peer = progress(match: 0, next: 10)
        let stale = peer.maybeDecrease(rejected: 7, matchHint: 2)
        #expect(!stale)
        let latest = peer.maybeDecrease(rejected: 9, matchHint: 3)
        #expect(latest)
        #expect(peer.next == 4)
        #expect(!peer.probeSent)
    }

    @Test("a probe never moves next below 1")
    func probeFloor() {
        var peer = progress(match: 0, next: 1)
        let decreased = peer.maybeDecrease(rejected: 0, matchHint: 0)
        #expect(decreased)
        #expect(peer.next == 1)
    }

    @Test("leaving snapshot state resumes after the snapshot that was sent")
    func probeAfterSnapshot() {
        var peer = progress(match: 2, next: 3)
        peer.becomeSnapshot(index: 10)
        #expect(peer.isPaused)
        peer.becomeProbe()
        #expect(peer.next == 11)
        #expect(peer.state == .probe)
    }

    @Test("a probe pauses after one append; replicate pauses when the window is full")
    func pausing() {
        var probing = progress(match: 1, next: 2)
        #expect(!probing.isPaused)
        probing.sentEntries(count: 1, lastIndex: 2, bytes: 10)
        #expect(probing.isPaused)
        #expect(probing.next == 2)

        var replicating = progress(match: 1, next: 2, state: .replicate)
        replicating.sentEntries(count: 1, lastIndex: 2, bytes: 10)
        replicating.sentEntries(count: 0, lastIndex: 0, bytes: 0)
        #expect(!replicating.isPaused)
        replicating.sentEntries(count: 2, lastIndex: 4, bytes: 20)
        #expect(replicating.isPaused)
        #expect(replicating.next == 5)
    }
}
