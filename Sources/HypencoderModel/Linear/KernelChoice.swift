import Foundation

/// The CPU's feature flags, as the kernel lists them in /proc/cpuinfo.
enum CPUFeatures {
    static func flags(cpuinfo path: String = "/proc/cpuinfo") -> Set<String> {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }
}

/// Which OpenBLAS kernels to try, best first.
///
/// OpenBLAS 0.3.21's SGEMM kernels by instruction set: SkylakeX (AVX-512F/BW/VL/DQ),
/// Haswell (AVX2 + FMA), Prescott (SSE3, always works). Cooperlake differs from SkylakeX
/// only in its BF16 routines, which we do not call, so SkylakeX stands for both. The last
/// candidate is always the conservative one the check falls back to.
struct KernelChoice: Equatable {
    var candidates: [String]
    var source: BLASSelection.Source

    init(environment: [String: String], cpuFlags: Set<String>) {
        // HYPENCODER_BLAS_SELECT=off leaves the choice to OpenBLAS: used to measure what
        // the selection is worth, and as an escape hatch.
        if environment["HYPENCODER_BLAS_SELECT"] == "off" {
            candidates = []
            source = .libraryDefault
            return
        }
        if let forced = environment["OPENBLAS_CORETYPE"], !forced.isEmpty {
            candidates = [forced]
            source = .environment
            return
        }
        let avx512 = ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(cpuFlags.contains)
        let avx2 = cpuFlags.contains("avx2") && cpuFlags.contains("fma")
        if avx512 {
            candidates = ["SkylakeX", "Haswell", "Prescott"]
            source = .detected
        } else if avx2 {
            candidates = ["Haswell", "Prescott"]
            source = .detected
        } else {
            candidates = []
            source = .libraryDefault
        }
    }
}

/// Checks the loaded kernel against a plain double-precision product.
///
/// Older OpenBLAS builds compute wrong results on some CPUs (DESIGN.md §5). Shapes are
/// chosen to reach the kernels' edge handling (sizes that are not multiples of any
/// unroll) and their main blocked path (a 768-deep product), in both transpositions we use.
enum KernelCheck {
    /// Returns nil when every product agrees, else a description of the first disagreement.
    static func run() -> String? {
        var generator = SplitMix64(seed: 0x5EED)
        let shapes: [(m: Int, n: Int, k: Int, transposeB: Bool)] = [
            (37, 29, 53, false), (64, 96, 768, true), (1, 768, 768, true), (130, 17, 300, true),
        ]
        for shape in shapes {
            let a = (0..<(shape.m * shape.k)).map { _ in generator.nextUniform() }
            let b = (0..<(shape.k * shape.n)).map { _ in generator.nextUniform() }
            var c = [Float](repeating: .nan, count: shape.m * shape.n)
            let ldb = shape.transposeB ? shape.k : shape.n
            BLAS.sgemm(
                transposeA: false, transposeB: shape.transposeB, m: shape.m, n: shape.n,
                k: shape.k, a: a, lda: shape.k, b: b, ldb: ldb, c: &c, ldc: shape.n)
            for i in 0..<shape.m {
                for j in 0..<shape.n {
                    var exact = 0.0
                    var magnitude = 0.0
                    for p in 0..<shape.k {
                        let bv = shape.transposeB ? b[j * shape.k + p] : b[p * shape.n + j]
                        exact += Double(a[i * shape.k + p]) * Double(bv)
                        magnitude += abs(Double(a[i * shape.k + p]) * Double(bv))
                    }
                    let got = Double(c[i * shape.n + j])
                    // float32 accumulation error grows at most ~k·ε·Σ|aᵢbᵢ|; 1e-5 relative to
                    // the magnitude is far above rounding and far below any wrong kernel.
                    if !(abs(got - exact) <= 1e-5 * magnitude + 1e-6) {
                        return "sgemm \(shape.m)×\(shape.k)·\(shape.k)×\(shape.n) gave \(got) at (\(i),\(j)), expected \(exact)"
                    }
                }
            }
        }
        let m = 300
        let n = 768
        let a = (0..<(m * n)).map { _ in generator.nextUniform() }
        let x = (0..<n).map { _ in generator.nextUniform() }
        var y = [Float](repeating: .nan, count: m)
        BLAS.sgemv(transposeA: false, m: m, n: n, a: a, lda: n, x: x, y: &y)
        for i in 0..<m {
            var exact = 0.0
            var magnitude = 0.0
            for p in 0..<n {
                exact += Double(a[i * n + p]) * Double(x[p])
                magnitude += abs(Double(a[i * n + p]) * Double(x[p]))
            }
            if !(abs(Double(y[i]) - exact) <= 1e-5 * magnitude + 1e-6) {
                return "sgemv row \(i) gave \(y[i]), expected \(exact)"
            }
        }
        return nil
    }
}
