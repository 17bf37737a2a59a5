import Foundation

/// Element-wise activation functions, as plain loops over raw buffers.
///
/// Each activation is a type (not a closure or an enum switched per element) so that the
/// loops that use it are specialised and vectorised by the compiler: the q-net's fused pass
/// runs once per document per layer and must cost little next to the SGEMM before it.
/// We never use SIMD `addProduct` here: without a `-target-cpu` it becomes per-lane `fmaf`
/// calls, 20× slower than plain multiply-add (DESIGN.md §5).
protocol ActivationFunction {
    static func apply(_ x: Float) -> Float
}

enum ReLU: ActivationFunction {
    /// `x > 0 ? x : 0`: NaN stays NaN only if it compares greater, which it never does, so a
    /// NaN becomes 0 here; PyTorch propagates it. Inputs are finite in practice (weights are
    /// checked when loaded), and a select vectorises where `max` with NaN rules may not.
    @inline(__always) static func apply(_ x: Float) -> Float { x > 0 ? x : 0 }
}

enum Tanh: ActivationFunction {
    @inline(__always) static func apply(_ x: Float) -> Float { tanhf(x) }
}

enum Sigmoid: ActivationFunction {
    @inline(__always) static func apply(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
}

/// PyTorch's `LeakyReLU()` default: slope 0.01 for negative inputs.
enum LeakyReLU: ActivationFunction {
    @inline(__always) static func apply(_ x: Float) -> Float { x > 0 ? x : 0.01 * x }
}

/// The exact GELU, `0.5·x·(1 + erf(x/√2))`, as BERT's "gelu" and PyTorch's `nn.GELU()`
/// define it (not the tanh approximation), computed as `0.5·x·(2 − erfc(x/√2))` for x ≥ 0 and
/// `0.5·x·erfc(|x|/√2)` below, with `VectorMath`'s erfc so the pass vectorises. The second form
/// also keeps its precision for very negative x, where `1 + erf` cancels.
enum GELU: ActivationFunction {
    @inline(__always) static func apply(_ x: Float) -> Float {
        let tail = VectorMath.erfcNonNegative(abs(x) * 0.707_106_781_186_547_6)
        return 0.5 * x * (x >= 0 ? 2 - tail : tail)
    }
}

/// Applies `Activation` in place to `count` values.
@_optimize(speed)
func applyActivation<Activation: ActivationFunction>(
    _: Activation.Type, _ values: UnsafeMutablePointer<Float>, count: Int
) {
    for i in 0..<count { values[i] = Activation.apply(values[i]) }
}

extension QNetActivation {
    /// Applies this activation in place (the slow-path entry point for tests and tools; the
    /// q-net's hot loop dispatches once per block instead).
    @_optimize(speed)
    func apply(_ values: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .relu: applyActivation(ReLU.self, values, count: count)
        case .tanh: applyActivation(Tanh.self, values, count: count)
        case .sigmoid: applyActivation(Sigmoid.self, values, count: count)
        case .gelu: VectorKernels.gelu(values, count: count)
        case .leakyRelu: applyActivation(LeakyReLU.self, values, count: count)
        }
    }
}
