/// `exp` and the complementary error function in plain float arithmetic, so that the loops
/// calling them vectorise.
///
/// Why: glibc's `expf` and `erff` are function calls, so a loop over a softmax row or a GELU
/// pass runs one element at a time. Profiled while encoding 32 × 200-token documents with the
/// default (MiniLM) model on two cores, `erff` took 13.7 % of the time and `expf` 10.9 %,
/// more than everything but the GEMMs. Written as multiplies, adds, a division, selects and
/// integer bit operations, the same functions vectorise with the compiler's baseline SSE2.
/// No fused multiply-add is used (see `ActivationFunction`), so results do not depend on the
/// CPU.
///
/// Accuracy (checked against double precision in `KernelTests`): `exp` is Cephes' `expf`
/// (Moshier): Cody–Waite range reduction and a degree-6 polynomial, about 1 ulp; inputs are
/// clamped to [−87, 88], where the results are still normal floats, so a softmax entry more
/// than 87 below its row's maximum becomes about 1.6e−38 instead of 0, which changes no sum.
/// `erfc` is the Chebyshev fit of Numerical Recipes (§6.2, `erfcc`), fractional error below
/// 1.2e−7 in exact arithmetic and a few float ulps as evaluated here.
///
/// The bulk passes (the encoder's GELU, softmax rows) run the same arithmetic in C
/// (`VectorKernels`), which can also use AVX2; these stay for the per-element uses (the
/// q-net's fused pass) and as the reference the C loops are tested against, bit for bit.
enum VectorMath {
    @inline(__always) static func exp(_ value: Float) -> Float {
        let x = Swift.min(Swift.max(value, -87), 88)
        // n = round(x / ln 2): adding 1.5·2²³ leaves x/ln 2 rounded to an integer in the low
        // mantissa bits, and the same bits, read as an integer, give n for the exponent.
        let magic: Float = 12_582_912
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        // r = x − n·ln 2, with ln 2 split in two so that n·ln 2 is exact enough (Cody–Waite).
        let r = (x - n * 0.693_359_375) + n * 2.121_944_40e-4
        var p: Float = 1.987_569_150_0e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let mantissa = p * r * r + r + 1
        let exponent = Int32(bitPattern: shifted.bitPattern &- magic.bitPattern) &+ 127
        return mantissa * Float(bitPattern: UInt32(bitPattern: exponent << 23))
    }

    /// erfc(z) for z ≥ 0.
    @inline(__always) static func erfcNonNegative(_ z: Float) -> Float {
        let t = 1 / (1 + 0.5 * z)
        var p: Float = 0.170_872_77
        p = p * t - 0.822_152_23
        p = p * t + 1.488_515_87
        p = p * t - 1.135_203_98
        p = p * t + 0.278_868_07
        p = p * t - 0.186_288_06
        p = p * t + 0.096_784_18
        p = p * t + 0.374_091_96
        p = p * t + 1.000_023_68
        p = p * t - 1.265_512_23
        return t * exp(p - z * z)
    }
}
