/// A small, fast, seedable generator (Steele, Lea, Flood 2014), for checks and tests that
/// must produce the same numbers on every machine.
///
/// Its own leaf module so that the index (graph entry points), the model (the BLAS kernel
/// check), tests and benchmarks share one generator without the index linking the model.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A float uniformly drawn from [-1, 1).
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) / Float(1 << 23) - 1
    }
    /// An integer uniformly drawn from 0..<n (modulo bias below 2⁻⁴⁰ for the n used here).
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0, "below(\(n))")
        return Int(next() % UInt64(n))
    }
}
