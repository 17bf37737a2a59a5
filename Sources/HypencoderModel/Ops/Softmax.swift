import Foundation

/// Row softmax, `exp(x − max) / Σ exp(x − max)` in float32 as PyTorch computes it.
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
        var total: Float = 0
        for j in 0..<count {
            let e = expf(scores[j] - maximum)
            scores[j] = e
            total += e
        }
        let inverse = 1 / total
        for j in 0..<count { scores[j] *= inverse }
    }
}
