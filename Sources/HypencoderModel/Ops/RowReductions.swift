/// Sums over one row of floats, vectorised by hand.
///
/// A plain `for` loop that accumulates into one `Float` cannot be vectorised (reassociating
/// float additions changes the result, so the compiler will not). Sixteen independent
/// lanes, summed at the end, is what PyTorch's own CPU reductions do and runs several
/// times faster. Lanes use `+` and `*` only, never `addProduct` (DESIGN.md §5).
enum RowReductions {
    /// Σ values[i].
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>.zero
        var i = 0
        let raw = UnsafeRawPointer(values)
        while i + 16 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var total = lanes.sum()
        while i < count {
            total += values[i]
            i += 1
        }
        return total
    }

    /// Σ (values[i] − center)².
    @inline(__always)
    static func sumOfSquaredDeviations(
        _ values: UnsafePointer<Float>, count: Int, center: Float
    ) -> Float {
        var lanes = SIMD16<Float>.zero
        let centers = SIMD16<Float>(repeating: center)
        var i = 0
        let raw = UnsafeRawPointer(values)
        while i + 16 <= count {
            let deviation = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) - centers
            lanes += deviation * deviation
            i += 16
        }
        var total = lanes.sum()
        while i < count {
            let deviation = values[i] - center
            total += deviation * deviation
            i += 1
        }
        return total
    }
}
