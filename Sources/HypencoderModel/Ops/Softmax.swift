import Foundation

/// Row softmax, `exp(x − max) / Σ exp(x − max)` in float32 as PyTorch computes it, with
/// `VectorMath.exp` (the exponentials in one loop that vectorises, the sum in a second, in
/// order).
///
/// Attention rows here never contain padding: batches are packed (`TokenBatch`), so each
/// row covers exactly the real tokens of one sequence, and masking reduces to choosing the
/// row's extent. Every row has at least one entry (empty sequences are rejected when a
/// batch is built), so the result is always defined; an empty row is left untouched.
enum Softmax {
    @_optimize(speed)
    static func apply(_ scores: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var maximum = scores[0]
        for j in 1..<count where scores[j] > maximum { maximum = scores[j] }
        for j in 0..<count { scores[j] = VectorMath.exp(scores[j] - maximum) }
        var total: Float = 0
        for j in 0..<count { total += scores[j] }
        let inverse = 1 / total
        for j in 0..<count { scores[j] *= inverse }
    }
}
