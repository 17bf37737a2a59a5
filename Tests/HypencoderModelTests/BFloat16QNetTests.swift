import CVectorKernels
import TensorFiles
import XCTest

@testable import HypencoderModel

/// The bf16 q-net kernel (issue 12). Its fidelity reference is what the issue asks for: an
/// fp32 (here double) q-net evaluated on bf16-rounded inputs — weights, documents, and each
/// layer's input — so the only differences left are the order of the fp32 sums. The portable
/// emulation of VDPBF16PS runs the same tiling as the instruction build on every machine;
/// where the CPU has AVX512_BF16 the instruction is checked against the emulation too.
final class BFloat16QNetTests: XCTestCase {
    private func bf16(_ x: Float) -> Float { Float(bitPattern: UInt32(hc_bf16_from_float(x)) << 16) }

    func testRoundingIsToNearestEvenAndAgreesWithTheIndexConversion() {
        XCTAssertEqual(bf16(1), 1)
        XCTAssertEqual(bf16(Float(bitPattern: 0x3F80_8000)), 1, "a tie goes to the even neighbour (down)")
        XCTAssertEqual(bf16(Float(bitPattern: 0x3F81_8000)), Float(bitPattern: 0x3F82_0000), "a tie goes to the even one (up)")
        XCTAssertEqual(bf16(Float(bitPattern: 0x3F80_8001)), Float(bitPattern: 0x3F81_0000), "above the tie rounds up")
        XCTAssertTrue(bf16(.nan).isNaN)
        var random = RandomWeights(seed: 5)
        for value in random.values(10_000, scale: 1000) {
            XCTAssertEqual(hc_bf16_from_float(value), HalfFloat.bfloat16.narrow(value), "\(value)")
        }
    }

    /// C = A·Wᵀ through the kernel, for shapes that exercise whole tiles and every tail.
    private func kernelProduct(m: Int, n: Int, k: Int, a: [Float], w: [Float], instruction: Bool) -> [Float] {
        let aHalf = a.map { hc_bf16_from_float($0) }
        var packed = [UInt16](repeating: 0xFFFF, count: hc_bf16_packed_count(Int32(n), Int32(k)))
        hc_bf16_pack(w, Int32(n), Int32(k), &packed)
        // One spare column on each row of C: the kernel must not write past n.
        var c = [Float](repeating: -7, count: m * (n + 1))
        hc_bf16_gemm(Int32(m), Int32(n), Int32(k), aHalf, k, packed, &c, n + 1, instruction ? 1 : 0)
        for i in 0..<m { XCTAssertEqual(c[i * (n + 1) + n], -7, "column n of row \(i) untouched") }
        return (0..<m).flatMap { i in c[(i * (n + 1))..<(i * (n + 1) + n)] }
    }

    func testEmulatedKernelEqualsTheProductOfRoundedInputs() {
        var random = RandomWeights(seed: 17)
        for (m, n, k) in [(1, 1, 2), (6, 64, 8), (7, 65, 10), (13, 16, 768), (12, 130, 64), (5, 15, 4), (18, 192, 96)] {
            let a = random.values(m * k, scale: 3)
            let w = random.values(n * k)
            let c = kernelProduct(m: m, n: n, k: k, a: a, w: w, instruction: false)
            for i in 0..<m {
                for j in 0..<n {
                    var exact = 0.0
                    var magnitude = 0.0
                    for p in 0..<k {
                        let term = Double(bf16(a[i * k + p])) * Double(bf16(w[j * k + p]))
                        exact += term
                        magnitude += abs(term)
                    }
                    // k fp32 roundings of partial sums, each ≤ 2⁻²⁴ of the running magnitude.
                    let bound = Double(k) * 6e-8 * magnitude + 1e-30
                    XCTAssertLessThanOrEqual(abs(Double(c[i * n + j]) - exact), bound, "m \(m) n \(n) k \(k) at \(i),\(j)")
                }
            }
        }
    }

    func testInstructionAgreesWithTheEmulationWhereTheCPUHasIt() throws {
        guard hc_cpu_has_avx512_bf16() != 0 else {
            throw XCTSkip("this CPU has no AVX512_BF16; the emulation test above covers the tiling")
        }
        var random = RandomWeights(seed: 19)
        for (m, n, k) in [(6, 64, 768), (13, 130, 64), (1, 1, 2), (512, 768, 768)] {
            let a = random.values(m * k, scale: 3)
            let w = random.values(n * k)
            let emulated = kernelProduct(m: m, n: n, k: k, a: a, w: w, instruction: false)
            let hardware = kernelProduct(m: m, n: n, k: k, a: a, w: w, instruction: true)
            for (x, y) in zip(hardware, emulated) {
                XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y)), "m \(m) n \(n) k \(k)")
            }
        }
    }

    /// A q-net with residual hidden layers and a non-residual last one, in the shape of the
    /// paper's (square hidden layers), and scores through `BFloat16QNet` against the double
    /// reference on rounded inputs.
    func testBFloat16QNetMatchesAnFp32QNetOnRoundedInputs() throws {
        try BLAS.load()
        var random = RandomWeights(seed: 23)
        let width = 48
        for activation in [QNetActivation.relu, .gelu] {
            let layers = try (0..<4).map { j in
                try QNet.Layer(
                    inputs: width, outputs: width, weight: random.values(width * width, scale: 0.4),
                    bias: random.values(width, scale: 0.3), residual: j < 3)
            }
            let qnet = try QNet(layers: layers, output: random.values(width), activation: activation)
            let count = 37
            let documents = random.values(count * width, scale: 2)
            let stored = documents.map { hc_bf16_from_float($0) }
            guard let bfloat16 = BFloat16QNet(qnet, instruction: false) else { return XCTFail("even widths are accepted") }
            var scores = [Float](repeating: .nan, count: count)
            stored.withUnsafeBytes { rows in
                scores.withUnsafeMutableBufferPointer {
                    bfloat16.score(
                        bfloat16Documents: rows.baseAddress!, count: count, into: $0.baseAddress!,
                        workspace: QNetWorkspace(blockSize: 16))
                }
            }
            for d in 0..<count {
                var x = (0..<width).map { Double(bf16(documents[d * width + $0])) }
                for layer in layers {
                    let input = x.map { Double(bf16(Float($0))) }  // the kernel's bf16 A
                    var y = (0..<layer.outputs).map { o in
                        (0..<layer.inputs).reduce(0.0) { $0 + input[$1] * Double(bf16(layer.weight[o * layer.inputs + $1])) }
                            + Double(layer.bias[o])
                    }
                    y = Naive.layerNorm(y.map { Naive.activation(activation.rawValue, $0) }, eps: Double(QNet.layerNormEps))
                    x = layer.residual ? zip(y, x).map { $0 + $1 } : y
                }
                let expected = zip(x, qnet.output).reduce(0.0) { $0 + $1.0 * Double($1.1) }
                // Measured: within 1.5e-5 (2026-12-07). A sum rounded differently can move one
                // activation by a bf16 step (2⁻⁸ of it) and a score by ~1e-3; beyond that the
                // kernel, its packing or the layer chaining is wrong.
                XCTAssertEqual(Double(scores[d]), expected, accuracy: 2e-3 * max(1, abs(expected)), "\(activation) doc \(d)")
            }
            // And the bf16 path ranks like the fp32 q-net on the unrounded documents.
            let full = try qnet.score((0..<count).map { Array(documents[($0 * width)..<(($0 + 1) * width)]) })
            let top = { (s: [Float]) in Set(s.indices.sorted { s[$0] > s[$1] }.prefix(5)) }
            XCTAssertGreaterThanOrEqual(top(full).intersection(top(scores)).count, 4, "\(activation)")
        }
    }

    func testTheStartUpCheckCatchesAWrongKernel() {
        let emulation: BFloat16GEMM = { hc_bf16_gemm($0, $1, $2, $3, $4, $5, $6, $7, 0) }
        XCTAssertNil(BFloat16Kernel.instructionDisagreement(candidate: emulation))
        // A kernel that drops the last pair of every sum (a tail bug) is caught.
        let shortSums: BFloat16GEMM = { m, n, k, a, lda, packed, c, ldc in
            hc_bf16_gemm(m, n, k - 2, a, lda, packed, c, ldc, 0)
        }
        let message = BFloat16Kernel.instructionDisagreement(candidate: shortSums)
        XCTAssertNotNil(message)
        XCTAssertTrue(message?.hasPrefix("element 0,") ?? false, message ?? "")
        if hc_cpu_has_avx512_bf16() != 0 { XCTAssertNil(BFloat16Kernel.instructionDisagreement()) }
    }

    func testOddWidthsAndThePathChoice() throws {
        let odd = try QNet.Layer(
            inputs: 3, outputs: 4, weight: Array(repeating: 1, count: 12), bias: [0, 0, 0, 0], residual: false)
        XCTAssertNil(BFloat16QNet(try QNet(layers: [odd], output: [1, 1, 1, 1], activation: .relu), instruction: false))
        let off = BFloat16Kernel.choose(environment: ["HYPENCODER_BF16_KERNEL": "off"])
        XCTAssertEqual(off, .fp32Path(reason: "HYPENCODER_BF16_KERNEL=off"))
        XCTAssertTrue(off.summary.contains("fp32 path (HYPENCODER_BF16_KERNEL=off)"), off.summary)
        XCTAssertEqual(BFloat16Kernel.choose(environment: ["HYPENCODER_BF16_KERNEL": "emulate"]), .emulation)
        XCTAssertEqual(
            BFloat16Kernel.choose(environment: [:]),
            hc_cpu_has_avx512_bf16() != 0 ? .instruction : .fp32Path(reason: "this CPU has no AVX512_BF16"))
        XCTAssertNil(BFloat16Kernel.ignoredSetting(in: ["HYPENCODER_BF16_KERNEL": "off"]))
        XCTAssertEqual(
            BFloat16Kernel.ignoredSetting(in: ["HYPENCODER_BF16_KERNEL": "on"]),
            "HYPENCODER_BF16_KERNEL=\"on\" is ignored: it takes \"off\" or \"emulate\"")
    }
}
