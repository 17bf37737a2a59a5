/// Squared Euclidean distance between two `dimension`-float vectors.
///
/// The graph only compares distances, so the square root is never taken. Written as a plain
/// loop with four independent accumulators: release builds (`-Ounchecked`) vectorise it with
/// ordinary multiply and add instructions. `SIMD.addProduct` is avoided on purpose: without a
/// `-target-cpu` it lowers to per-lane `fmaf` calls, about 20× slower (DESIGN.md §5).
@inline(__always)
func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, dimension: Int) -> Float {
    var s0: Float = 0
    var s1: Float = 0
    var s2: Float = 0
    var s3: Float = 0
    var i = 0
    while i + 4 <= dimension {
        let d0 = a[i] - b[i]
        let d1 = a[i + 1] - b[i + 1]
        let d2 = a[i + 2] - b[i + 2]
        let d3 = a[i + 3] - b[i + 3]
        s0 += d0 * d0
        s1 += d1 * d1
        s2 += d2 * d2
        s3 += d3 * d3
        i += 4
    }
    while i < dimension {
        let d = a[i] - b[i]
        s0 += d * d
        i += 1
    }
    return (s0 + s1) + (s2 + s3)
}

/// Reads rows of a `VectorRows` view as f32 for distance computations, one reader per thread.
///
/// f32 rows are read in place from the mapping; f16/bf16 rows are widened into one of two
/// private scratch buffers (two, because a distance needs two rows at once).
final class RowReader {
    /// The view rows are read from; the writer moves it forward as rows are appended.
    var rows: VectorRows
    let dimension: Int
    private let scratch: UnsafeMutablePointer<Float>

    init(rows: VectorRows) {
        self.rows = rows
        dimension = rows.dimension
        scratch = .allocate(capacity: 2 * rows.dimension)
    }

    deinit { scratch.deallocate() }

    /// Row `slot` as f32; `buffer` (0 or 1) picks the scratch used for half-width storage.
    /// Valid until the next call with the same buffer.
    @inline(__always)
    func row(_ slot: Int, buffer: Int = 0) -> UnsafePointer<Float> {
        if let direct = rows.float32Row(slot) { return direct }
        let destination = scratch + buffer * dimension
        if !rows.copyRow(slot, into: destination) { destination.initialize(repeating: .infinity, count: dimension) }
        return UnsafePointer(destination)
    }

    /// Squared distance from `query` to row `slot`.
    @inline(__always)
    func distance(_ query: UnsafePointer<Float>, _ slot: Int) -> Float {
        squaredL2(query, row(slot, buffer: 1), dimension: dimension)
    }

    /// Squared distance between rows `a` and `b`.
    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Float {
        squaredL2(row(a, buffer: 0), row(b, buffer: 1), dimension: dimension)
    }
}
