import Foundation

/// Row softmax, `exp(x − max) / Σ exp(x − max)` in float32 as PyTorch computes it, with
/// `VectorMath.exp` (run by `VectorKernels`).
///
/// The maximum and the sum run over eight lanes at a time and fold the lanes at the end.
/// Written as one scalar loop each, they were a chain of dependent operations (the sum one
/// add latency per entry), slower than the vectorised exponentials between them: attention
/// rows are a sequence long, and this is 11 % of encoding documents with MiniLM (perf). The
/// maximum is exact in any order; the sum's order is fixed by the code (not the CPU), and
/// PyTorch's own kernel sums in lanes too.
///
/// Attention rows here never contain padding: batches are packed (`TokenBatch`), so each
/// row covers exactly the real tokens of one sequence, and masking reduces to choosing the
/// row's extent. Every row has at least one entry (empty sequences are rejected when a
/// batch is built), so the result is always defined; an empty row is left untouched.
enum Softmax {
    @_optimize(speed)
    static func apply(_ scores: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        let raw = UnsafeMutableRawPointer(scores)
        let lanes = SIMD8<Float>.scalarCount
        let whole = count - count % lanes
        var maxima = SIMD8<Float>(repeating: scores[0])
        for j in stride(from: 0, to: whole, by: lanes) {
            maxima = pointwiseMax(maxima, raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self))
        }
        var maximum = maxima.max()
        for j in whole..<count where scores[j] > maximum { maximum = scores[j] }
        VectorKernels.expShifted(scores, count: count, shift: maximum)
        var sums = SIMD8<Float>(repeating: 0)
        for j in stride(from: 0, to: whole, by: lanes) {
            sums += raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self)
        }
        var total = sums.sum()
        for j in whole..<count { total += scores[j] }
        let inverse = 1 / total
        for j in 0..<count { scores[j] *= inverse }
    }
}
