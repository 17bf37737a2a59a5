import XCTest

@testable import HypencoderIndex

/// The allocator settings the daemon relies on exist on this C library and are accepted.
final class FreedMemoryTests: XCTestCase {
    /// glibc accepts the top pad the daemon sets at start-up (without it every query faults its
    /// buffers in again: DESIGN.md §5, "Freed memory between requests"), and trimming still runs
    /// after it.
    func testTheDaemonsTopPadIsAcceptedAndTrimmingStillRuns() throws {
        #if canImport(Glibc)
            XCTAssertTrue(FreedMemory.keepPaddingBetweenRequests(), "mallopt(M_TOP_PAD) was refused or not found")
            let bytes = 48 << 20
            let block = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)
            block.deallocate()
            FreedMemory.returnToSystem()
        #else
            throw XCTSkip("glibc only")
        #endif
    }
}
