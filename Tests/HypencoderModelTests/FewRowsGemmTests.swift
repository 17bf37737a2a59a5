import CVectorKernels
import XCTest

@testable import HypencoderModel

/// The few-row product kernel (`hc_few_rows_gemm`) against double-precision sums, and the
/// layers that use it against SGEMM. It runs only on CPUs with AVX2 and FMA; elsewhere these
/// tests skip, and every product goes to SGEMM (tested by the rest of the suite).
final class FewRowsGemmTests: XCTestCase {
    private var generator = SplitMix64(seed: 77)

    override func setUpWithError() throws {
        try XCTSkipUnless(FewRowsGemm.isAvailable, "this CPU has no AVX2+FMA (or HYPENCODER_FEW_ROWS_GEMM=off)")
    }

    private func random(_ count: Int) -> [Float] { (0..<count).map { _ in generator.nextUniform() } }

    /// The double-precision dot product of `k` values of `x` from `xStart` and of `y` from
    /// `yStart`, and the sum of its terms' magnitudes (what float rounding scales with).
    private static func dot(_ x: [Float], _ xStart: Int, _ y: [Float], _ yStart: Int, _ k: Int) -> (
        sum: Double, magnitude: Double
    ) {
        var sum = 0.0
        var magnitude = 0.0
        for p in 0..<k {
            let term = Double(x[xStart + p]) * Double(y[yStart + p])
            sum += term
            magnitude += abs(term)
        }
        return (sum, magnitude)
    }

    /// Every tile shape (3 × 4 and its row and column remainders), inner lengths with and
    /// without an 8-lane tail, padded strides: each result within float rounding of a double
    /// sum, and nothing written outside the result's rows and columns.
    func testMatchesDoubleSumsForEveryTileAndTail() {
        let sentinel: Float = 12345
        for m in [1, 2, 3, 4, 5, 7, 16, 17, 32] {
            for n in [1, 3, 4, 5, 8, 9, 13] {
                for k in [1, 7, 8, 9, 33, 768] {
                    let (lda, ldw, ldc) = (k + 3, k + 5, n + 2)
                    let a = random(m * lda)
                    let w = random(n * ldw)
                    var c = [Float](repeating: sentinel, count: m * ldc)
                    FewRowsGemm.multiply(m: m, n: n, k: k, a: a, lda: lda, w: w, ldw: ldw, c: &c, ldc: ldc)
                    for i in 0..<m {
                        for j in 0..<ldc {
                            guard j < n else {
                                XCTAssertEqual(c[i * ldc + j], sentinel, "wrote past column \(n): \(m)×\(n)×\(k)")
                                continue
                            }
                            let (exact, magnitude) = Self.dot(a, i * lda, w, j * ldw, k)
                            // float32 summation: at most about (k/8 + 3)·ε·Σ|terms|; 4·k·ε is loose
                            // for rounding and far below any wrong index or lost term.
                            let bound = 4 * Double(k) * 6e-8 * magnitude + 1e-7
                            XCTAssertEqual(Double(c[i * ldc + j]), exact, accuracy: bound, "\(m)×\(n)×\(k) at (\(i), \(j))")
                        }
                    }
                }
            }
        }
    }

    /// The transposed form (`columnStride` = m, `ldc` = 1) the hyperhead's attention scores use
    /// gives the same bits as the plain form, transposed; alpha scales the finished sum, as
    /// SGEMM's does (a power of two: exactly).
    func testTransposedOutputIsThePlainResultTransposed() {
        let (m, n, k) = (16, 37, 768)
        let a = random(m * k)
        let w = random(n * k)
        var plain = [Float](repeating: 0, count: m * n)
        var transposed = [Float](repeating: 0, count: n * m)
        FewRowsGemm.multiply(m: m, n: n, k: k, a: a, lda: k, w: w, ldw: k, c: &plain, ldc: n)
        FewRowsGemm.multiply(
            m: m, n: n, k: k, alpha: 0.125, a: a, lda: k, w: w, ldw: k, c: &transposed, ldc: 1, columnStride: m)
        for i in 0..<m {
            for j in 0..<n { XCTAssertEqual(transposed[j * m + i], plain[i * n + j] * 0.125, "(\(i), \(j))") }
        }
    }

    /// `multiplyByTranspose` routes A·Bᵀ by shape: few rows of A (the kernel), few rows of B
    /// (the kernel on B·Aᵀ, written transposed), neither (SGEMM). Each route: alpha·A·Bᵀ within
    /// float rounding of a double sum, with padded strides.
    func testEveryRouteOfTheProductGivesAlphaTimesABTransposed() throws {
        try BLAS.load()
        let k = 300
        let alpha: Float = 0.3
        for (m, n) in [(16, 90), (90, 16), (70, 80)] {
            let (lda, ldb, ldc) = (k + 1, k + 2, n + 3)
            let a = random(m * lda)
            let b = random(n * ldb)
            var c = [Float](repeating: .nan, count: m * ldc)
            FewRowsGemm.multiplyByTranspose(
                m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, c: &c, ldc: ldc)
            for i in 0..<m {
                for j in 0..<n {
                    let (exact, magnitude) = Self.dot(a, i * lda, b, j * ldb, k)
                    let bound = 4 * Double(k) * 6e-8 * magnitude * Double(alpha) + 1e-7
                    XCTAssertEqual(Double(c[i * ldc + j]), Double(alpha) * exact, accuracy: bound, "\(m)×\(n) at (\(i), \(j))")
                }
            }
        }
    }

    /// A dense layer over a query's rows (the kernel) and over enough rows for SGEMM give the
    /// same outputs for the same rows, within float rounding, also for a block of its columns.
    func testDenseLayerGivesSGEMMsResultsOnFewRows() throws {
        try BLAS.load()
        let (inputs, outputs) = (768, 100)
        let layer = DenseLayer(inputs: inputs, outputs: outputs, weight: random(outputs * inputs), bias: random(outputs))
        let many = FewRowsGemm.maximumRows + 8
        let input = random(many * inputs)
        var viaSGEMM = [Float](repeating: 0, count: many * outputs)
        var viaKernel = [Float](repeating: 0, count: 16 * outputs)
        var block = [Float](repeating: 0, count: 16 * outputs)
        layer.apply(input, rows: many, into: &viaSGEMM)
        layer.apply(input, rows: 16, into: &viaKernel)
        layer.apply(input, rows: 16, into: &block, columns: 40..<77)
        for i in 0..<(16 * outputs) {
            XCTAssertEqual(viaKernel[i], viaSGEMM[i], accuracy: 2e-5 * max(1, abs(viaSGEMM[i])), "element \(i)")
            let column = i % outputs
            if (40..<77).contains(column) {
                XCTAssertEqual(block[i], viaKernel[i], "column \(column)")
            } else {
                XCTAssertEqual(block[i], 0, "column \(column) is outside the block")
            }
        }
    }

    /// `HYPENCODER_FEW_ROWS_GEMM=off` turns the kernel off; other values are reported as ignored.
    func testEnvironmentVariable() {
        _ = FewRowsGemm.isAvailable  // read once per process: fix it before touching the variable
        setenv(FewRowsGemm.environmentVariable, "off", 1)
        XCTAssertEqual(hc_few_rows_gemm_available(), 0)
        unsetenv(FewRowsGemm.environmentVariable)
        XCTAssertEqual(hc_few_rows_gemm_available(), 1)
        XCTAssertNil(FewRowsGemm.ignoredSetting(in: [:]))
        XCTAssertNil(FewRowsGemm.ignoredSetting(in: ["HYPENCODER_FEW_ROWS_GEMM": "off"]))
        XCTAssertEqual(
            FewRowsGemm.ignoredSetting(in: ["HYPENCODER_FEW_ROWS_GEMM": "0"]),
            "HYPENCODER_FEW_ROWS_GEMM=\"0\" is ignored: the only value it takes is \"off\"")
    }
}
