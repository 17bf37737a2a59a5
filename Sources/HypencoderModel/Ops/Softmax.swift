/// Row softmax, `exp(x − max) / Σ exp(x − max)` in float32 as PyTorch computes it, with
/// `VectorMath.exp`'s arithmetic, run by `VectorKernels` (C, AVX2 or baseline by the CPU).
///
/// The whole row is one C call: the maximum and the sum run eight lanes wide and fold the
/// lanes at the end, in an order the code fixes (not the CPU), so both instruction paths
/// give the same bits; PyTorch's own kernel sums in lanes too. Written in Swift, the
/// maximum (`pointwiseMax` on `SIMD8<Float>`) compiled to a chain of scalar compares and the
/// scaling to a 4-lane loop: 6 % of ingesting text with MiniLM on its own, beside the
/// exponentials (perf annotate, 2026-12-08).
///
/// Attention rows here never contain padding: batches are packed (`TokenBatch`), so each
/// row covers exactly the real tokens of one sequence, and masking reduces to choosing the
/// row's extent. Every row has at least one entry (empty sequences are rejected when a
/// batch is built), so the result is always defined; an empty row is left untouched.
enum Softmax {
    static func apply(_ scores: UnsafeMutablePointer<Float>, count: Int) {
        VectorKernels.softmax(scores, count: count)
    }
}
