import Foundation

/// Layer normalisation of one row, as `torch.nn.functional.layer_norm` computes it in float32:
/// mean first, then the biased variance of the deviations (two passes, so a large mean does
/// not cancel the variance away), then `(x − mean) · 1/√(var + eps)`, then the optional
/// affine `· weight + bias`.
enum LayerNorm {
    /// The mean and `1/√(var + eps)` of a row.
    @inline(__always)
    static func moments(_ row: UnsafePointer<Float>, count: Int, eps: Float) -> (mean: Float, inverseDeviation: Float) {
        let n = Float(count)
        let mean = RowReductions.sum(row, count: count) / n
        let variance = RowReductions.sumOfSquaredDeviations(row, count: count, center: mean) / n
        return (mean, 1 / (variance + eps).squareRoot())
    }

    /// Parameter-free normalisation in place (the hyperhead and the q-net).
    @_optimize(speed)
    static func normalize(_ row: UnsafeMutablePointer<Float>, count: Int, eps: Float) {
        let (mean, scale) = moments(row, count: count, eps: eps)
        for i in 0..<count { row[i] = (row[i] - mean) * scale }
    }

    /// Affine normalisation in place (BERT): `(x − mean)·scale·weight + bias`.
    @_optimize(speed)
    static func normalize(
        _ row: UnsafeMutablePointer<Float>, count: Int, eps: Float,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>
    ) {
        let (mean, scale) = moments(row, count: count, eps: eps)
        for i in 0..<count { row[i] = (row[i] - mean) * scale * weight[i] + bias[i] }
    }

    /// Affine normalisation of each of `rows` consecutive rows of width `count`.
    @_optimize(speed)
    static func normalizeRows(
        _ matrix: UnsafeMutablePointer<Float>, rows: Int, count: Int, eps: Float,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>
    ) {
        for r in 0..<rows {
            normalize(matrix + r * count, count: count, eps: eps, weight: weight, bias: bias)
        }
    }
}
