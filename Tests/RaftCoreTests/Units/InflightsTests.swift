import Testing
@testable import RaftCore

@Suite("Inflights")
struct InflightsTests {
    @Test("fills up by count and frees acknowledged appends in order")
    func countLimit() {
        var inflights = Inflights(countMax: 3, bytesMax: 0)
        inflights.add(index: 2, bytes: 10)
        inflights.add(index: 4, bytes: 10)
        #expect(!inflights.isFull)
        inflights.add(index: 7, bytes: 10)
        #expect(inflights.isFull)
        inflights.freeLE(4)
        #expect(inflights.count == 1)
        #expect(inflights.bytes == 10)
        #expect(!inflights.isFull)
    }

    @Test("an acknowledgement inside an append frees nothing past it")
    func partialAcknowledgement() {
        var inflights = Inflights(countMax: 4, bytesMax: 0)
        inflights.add(index: 5, bytes: 1)
        inflights.add(index: 9, bytes: 1)
        inflights.freeLE(7)
        #expect(inflights.items.map(\.index) == [9])
        inflights.freeLE(3)
        #expect(inflights.count == 1)
    }

    @Test("fills up by bytes when a byte limit is set")
    func byteLimit() {
        var inflights = Inflights(countMax: 100, bytesMax: 25)
        inflights.add(index: 1, bytes: 20)
        #expect(!inflights.isFull)
        inflights.add(index: 2, bytes: 20)
        #expect(inflights.isFull)
        inflights.freeFirst()
        #expect(inflights.bytes == 20)
        #expect(!inflights.isFull)
    }

    @Test("a zero byte limit means no byte limit")
    func noByteLimit() {
        var inflights = Inflights(countMax: 2, bytesMax: 0)
        inflights.add(index: 1, bytes: 1 << 30)
        #expect(!inflights.isFull)
    }

    @Test("reset and freeFirst on an empty window are harmless")
    func emptyWindow() {
        var inflights = Inflights(countMax: 2, bytesMax: 0)
        inflights.freeFirst()
        inflights.add(index: 3, bytes: 5)
        inflights.reset()
        #expect(inflights.count == 0)
        #expect(inflights.bytes == 0)
    }
}
