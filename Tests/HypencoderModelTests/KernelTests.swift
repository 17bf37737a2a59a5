import CVectorKernels
import XCTest

@testable import HypencoderModel

/// Each element-wise kernel against a double-precision loop.
final class KernelTests: XCTestCase {
    private var generator = SplitMix64(seed: 42)

    private func randomRow(_ count: Int, scale: Float = 3, offset: Float = 0) -> [Float] {
        (0..<count).map { _ in generator.nextUniform() * scale + offset }
    }

    func testParameterFreeLayerNormMatchesDoubleLoop() {
        // Widths on and off the 16-lane boundary; a large offset checks the two-pass variance.
        for (width, offset) in [(1, 0), (7, 0), (16, 0), (37, 0), (768, 0), (100, 1000)] as [(Int, Float)] {
            let input = randomRow(width, offset: offset)
            var row = input
            row.withUnsafeMutableBufferPointer { LayerNorm.normalize($0.baseAddress!, count: width, eps: 1e-5) }
            let expected = Naive.layerNorm(input.map(Double.init), eps: 1e-5)
            for i in 0..<width {
                XCTAssertEqual(
                    Double(row[i]), expected[i], accuracy: 2e-5 * max(1, abs(Double(offset))), "width \(width) index \(i)")
            }
        }
    }

    func testAffineLayerNormMatchesDoubleLoop() {
        let width = 50
        let input = randomRow(width)
        let weight = randomRow(width, scale: 0.5, offset: 1)
        let bias = randomRow(width, scale: 0.5)
        var row = input
        row.withUnsafeMutableBufferPointer {
            LayerNorm.normalize($0.baseAddress!, count: width, eps: 1e-12, weight: weight, bias: bias)
        }
        let expected = Naive.layerNorm(input.map(Double.init), eps: 1e-12, weight: weight, bias: bias)
        for i in 0..<width { XCTAssertEqual(Double(row[i]), expected[i], accuracy: 1e-5) }
    }

    func testActivationsMatchDoubleDefinitions() {
        let input = randomRow(257, scale: 6)
        for activation in [QNetActivation.relu, .tanh, .sigmoid, .gelu, .leakyRelu] {
            var values = input
            values.withUnsafeMutableBufferPointer { activation.apply($0.baseAddress!, count: $0.count) }
            for (x, y) in zip(input, values) {
                let expected = Naive.activation(activation.rawValue, Double(x))
                XCTAssertEqual(Double(y), expected, accuracy: 1e-6 * max(1, abs(expected)), "\(activation) at \(x)")
            }
        }
    }

    /// The vectorisable exp and erfc against double precision on dense grids over the ranges
    /// that matter: every float exponent softmax and GELU produce, and erfc's whole useful range.
    func testVectorMathMatchesDoublePrecision() {
        var worstExp = 0.0
        for i in 0...175_000 {
            let x = Float(-87 + Double(i) * 0.001)
            let exact = Foundation.exp(Double(x))
            worstExp = max(worstExp, abs(Double(VectorMath.exp(x)) - exact) / exact)
        }
        XCTAssertLessThan(worstExp, 3e-7, "exp: worst relative error")  // about 2.5 ulp
        XCTAssertEqual(VectorMath.exp(0), 1)
        XCTAssertGreaterThan(VectorMath.exp(-1000), 0, "clamped, stays a normal float")
        XCTAssertLessThan(VectorMath.exp(-1000), 2e-38)
        // Up to z = 4 (erfc 1.5e-8): beyond, z² itself carries float rounding of several 1e-6
        // into the exponent, a relative error no float32 evaluation avoids, on values < 1e-8.
        var worstErfc = 0.0
        for i in 0...40_000 {
            let z = Float(Double(i) * 0.0001)
            let exact = Foundation.erfc(Double(z))
            worstErfc = max(worstErfc, abs(Double(VectorMath.erfcNonNegative(z)) - exact) / exact)
        }
        XCTAssertLessThan(worstErfc, 2e-6, "erfc: worst relative error")
        // GELU over the activations BERT produces, including the far negative tail: within a
        // few 1e-6 relative, 1e-8 absolute near zero. (PyTorch's float `1 + erf` is less
        // precise than this in the tail: at x = −3.5, erf's rounding alone is 8e-5 relative.)
        for i in 0...40_000 {
            let x = Float(-20 + Double(i) * 0.001)
            let exact = 0.5 * Double(x) * Foundation.erfc(-Double(x) / 2.0.squareRoot())
            XCTAssertEqual(Double(GELU.apply(x)), exact, accuracy: 1e-8 + 2e-6 * abs(exact), "GELU(\(x))")
        }
    }

    /// The C kernels' baseline and AVX2 loops and the Swift per-element functions compute the
    /// same bits, so results do not depend on which path this CPU (or
    /// `HYPENCODER_VECTOR_KERNELS`) picks.
    func testVectorKernelsGiveTheSameBitsOnEveryPath() {
        let inputs = (0...200_000).map { Float(-100 + Double($0) * 0.001) } + [0, -0.0, 1e-30, -1e-30, 88.5, -87.5]
        let paths: [Int32] = hc_cpu_has_avx2() != 0 ? [0, 1] : [0]
        for avx2 in paths {
            var gelu = inputs
            hc_gelu_on_path(&gelu, gelu.count, avx2)
            var exps = inputs
            hc_exp_shifted_on_path(&exps, exps.count, 1.5, avx2)
            // The first difference is reported, not 200,000 of them.
            let firstGELU = inputs.indices.first { gelu[$0].bitPattern != GELU.apply(inputs[$0]).bitPattern }
            let firstExp = inputs.indices.first { exps[$0].bitPattern != VectorMath.exp(inputs[$0] - 1.5).bitPattern }
            XCTAssertNil(firstGELU.map { inputs[$0] }, "GELU differs from the Swift function at this x, path avx2=\(avx2)")
            XCTAssertNil(firstExp.map { inputs[$0] }, "exp(x − 1.5) differs from the Swift function at this x, path avx2=\(avx2)")
        }
        print("vector kernels on this CPU: \(VectorKernels.path); paths compared: \(paths)")
    }

    /// An unknown value of the variable is named with the one value it takes (the daemon logs
    /// it); unset and "baseline" are not complaints.
    func testVectorKernelsSettingNamesTheValueItTakes() {
        XCTAssertNil(VectorKernels.ignoredSetting(in: [:]))
        XCTAssertNil(VectorKernels.ignoredSetting(in: ["HYPENCODER_VECTOR_KERNELS": "baseline"]))
        let message = VectorKernels.ignoredSetting(in: ["HYPENCODER_VECTOR_KERNELS": "avx512"])
        XCTAssertEqual(
            message,
            "HYPENCODER_VECTOR_KERNELS=\"avx512\" is ignored: the only value it takes is \"baseline\"; running \(VectorKernels.path)"
        )
    }

    /// The softmax row gives the same bits on both instruction paths, for rows shorter than
    /// a lane block, whole blocks and tails; a row of 0 entries is left alone.
    func testSoftmaxGivesTheSameBitsOnEveryPath() {
        let paths: [Int32] = hc_cpu_has_avx2() != 0 ? [0, 1] : [0]
        for count in [1, 3, 7, 8, 9, 16, 63, 200, 513] {
            let scores = randomRow(count, scale: 30)
            let rows = paths.map { avx2 -> [Float] in
                var row = scores
                hc_softmax_on_path(&row, count, avx2)
                return row
            }
            for row in rows.dropFirst() {
                XCTAssertEqual(row.map(\.bitPattern), rows[0].map(\.bitPattern), "\(count) entries")
            }
        }
        var untouched: [Float] = [7]
        for avx2 in paths { hc_softmax_on_path(&untouched, 0, avx2) }
        XCTAssertEqual(untouched, [7])
    }

    func testSoftmaxMatchesDoubleLoop() {
        for count in [1, 5, 8, 20, 300] {
            let scores = randomRow(count, scale: 30)
            var row = scores
            row.withUnsafeMutableBufferPointer { Softmax.apply($0.baseAddress!, count: count) }
            let expected = Naive.maskedSoftmax(scores.map(Double.init), keep: scores.map { _ in true })
            for i in 0..<count { XCTAssertEqual(Double(row[i]), expected[i], accuracy: 1e-6) }
        }
    }

    func testDenseLayerMatchesDoubleLoop() throws {
        try BLAS.load()
        let (rows, inputs, outputs) = (5, 13, 7)
        let layer = DenseLayer(inputs: inputs, outputs: outputs, weight: randomRow(inputs * outputs), bias: randomRow(outputs))
        let x = randomRow(rows * inputs)
        var y = [Float](repeating: .nan, count: rows * outputs)
        y.withUnsafeMutableBufferPointer { layer.apply(x, rows: rows, into: $0.baseAddress!) }
        let expected = Naive.linear(Naive.matrix(x, rows: rows, columns: inputs), layer.weight, layer.bias, outputs: outputs)
        for r in 0..<rows {
            for o in 0..<outputs { XCTAssertEqual(Double(y[r * outputs + o]), expected[r][o], accuracy: 1e-4) }
        }
    }

    func testBatchPlanCoversEveryIndexOnceInOrderWithinLimits() {
        let lengths = (0..<100).map { ($0 * 37) % 90 + 1 }
        let batches = BatchPlan.batches(lengths: lengths, maxSequences: 8, maxTokens: 300)
        XCTAssertEqual(batches.flatMap { Array($0) }, Array(0..<100))
        for batch in batches {
            XCTAssertLessThanOrEqual(batch.count, 8)
            XCTAssertTrue(batch.count == 1 || batch.map { lengths[$0] }.reduce(0, +) <= 300)
        }
        XCTAssertEqual(BatchPlan.batches(lengths: [500, 500], maxTokens: 300), [0..<1, 1..<2])
    }
}
