import CBLAS
import XCTest

@testable import HypencoderModel

final class BLASTests: XCTestCase {
    func testLoadsAndPassesItsOwnCheck() throws {
        let selection = try BLAS.load()
        XCTAssertFalse(selection.corename.isEmpty)
        XCTAssertNil(KernelCheck.run())
    }

    func testKernelChoiceFollowsCPUFeatures() {
        let avx512: Set = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]
        XCTAssertEqual(KernelChoice(environment: [:], cpuFlags: avx512).candidates.first, "SkylakeX")
        XCTAssertEqual(KernelChoice(environment: [:], cpuFlags: ["avx2", "fma"]).candidates.first, "Haswell")
        XCTAssertEqual(KernelChoice(environment: [:], cpuFlags: ["sse3"]).source, .libraryDefault)
        let forced = KernelChoice(environment: ["OPENBLAS_CORETYPE": "Zen"], cpuFlags: avx512)
        XCTAssertEqual(forced.candidates, ["Zen"])
        XCTAssertEqual(forced.source, .environment)
        let off = KernelChoice(environment: ["HYPENCODER_BLAS_SELECT": "off"], cpuFlags: avx512)
        XCTAssertEqual(off.candidates, [])
    }

    func testSwitchingKernelsAtRunTimeStillComputesCorrectly() throws {
        try BLAS.load()
        let before = BLAS.selection!.corename
        for core in ["Prescott", "Haswell", before] {
            XCTAssertEqual(hcSelectCore(core), 0)
            XCTAssertNil(KernelCheck.run(), "kernel \(core)")
        }
    }
}

private func hcSelectCore(_ name: String) -> Int32 { hc_blas_select_core(name) }
