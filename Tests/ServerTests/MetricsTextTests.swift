import Foundation
import Testing

@testable import Server

@Suite struct MetricsTextTests {
    private let maps = """
        55d0c0a00000-55d0c0a21000 r--p 00000000 fd:01 1056 /usr/bin/switchboard
        7f1a2b000000-7f1a2b021000 rw-p 00000000 00:00 0
        7f1a2c400000-7f1a2c4a9000 r-xp 00010000 fd:01 2233 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2
        7f1a2c600000-7f1a2c7a0000 r-xp 00028000 fd:01 2240 /usr/lib/x86_64-linux-gnu/libc.so.6
        """

    @Test func theMappingHoldingAnAddressNamesItsLibrary() {
        #expect(MetricsText.library(containing: 0x7f1a_2c40_0000, maps: maps) == "libjemalloc.so.2")
        #expect(MetricsText.library(containing: 0x7f1a_2c4a_8fff, maps: maps) == "libjemalloc.so.2")
        #expect(MetricsText.library(containing: 0x7f1a_2c4a_9000, maps: maps) == nil, "the end is outside the mapping")
        #expect(MetricsText.library(containing: 0x7f1a_2c70_0000, maps: maps) == "libc.so.6")
        #expect(MetricsText.library(containing: 0x7f1a_2b00_0010, maps: maps) == nil, "an anonymous mapping names no file")
    }

    /// The test process links no other allocator, so its malloc is libc's; the whole of
    /// /proc/self/maps is read (it is longer than the 4 KB a plain file read of it returns).
    @Test func thisProcessAllocatesWithLibc() {
        #expect(MetricsText.allocatorLibrary == "libc.so.6")
    }
}
