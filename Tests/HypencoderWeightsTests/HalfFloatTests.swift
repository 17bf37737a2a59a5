import XCTest

@testable import HypencoderWeights

final class HalfFloatTests: XCTestCase {
    /// Every one of the 65,536 half-precision bit patterns widens exactly as the platform's
    /// own Float16 conversion does (NaNs compared by payload bits).
    func testEveryHalfWidensLikeFloat16() throws {
        #if arch(x86_64) || arch(arm64)
            if #available(macOS 11.0, *) {
                for bits in 0...UInt16.max {
                    let mine = HalfFloat.widen(bits)
                    let reference = Float(Float16(bitPattern: bits))
                    if reference.isNaN {
                        XCTAssertTrue(mine.isNaN, "bits \(bits)")
                        XCTAssertEqual(mine.bitPattern & 0x803F_E000, reference.bitPattern & 0x803F_E000, "NaN payload \(bits)")
                    } else {
                        XCTAssertEqual(mine.bitPattern, reference.bitPattern, "bits \(bits)")
                    }
                }
            }
        #else
            throw XCTSkip("Float16 unavailable on this architecture")
        #endif
    }
}
