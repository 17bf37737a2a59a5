/// Anything that scores document vectors for one query — in Hypencoder, the query's q-net.
///
/// The index depends only on this protocol, not on the model module's network type, so
/// search can be tested with simple scorers and the model can evolve separately.
/// Implementations must be safe to call from several threads at once (searches run in
/// parallel) and must not call back into the index's update methods.
public protocol DocumentScorer: Sendable {
    /// Components of a document vector the scorer expects.
    var dimension: Int { get }
    /// Writes one score per document: `documents` holds `count` row-major vectors of
    /// `dimension` floats; `into` has room for `count` scores. Called once per block of rows
    /// (up to `IndexOptions.searchBlockRows`), so a network can run each layer as one GEMM.
    func score(documents: UnsafePointer<Float>, count: Int, into: UnsafeMutablePointer<Float>)

    /// Whether this scorer reads bf16 rows as they are stored (`score(bfloat16Documents:…)`)
    /// instead of having them widened to f32 first. Asked once per search of a bf16 index.
    var readsBFloat16Rows: Bool { get }

    /// Like `score(documents:count:into:)`, for `count` rows of `dimension` bfloat16 values
    /// (raw 16-bit patterns, row-major). Called only when `readsBFloat16Rows` is true.
    func score(bfloat16Documents: UnsafeRawPointer, count: Int, into: UnsafeMutablePointer<Float>)
}

extension DocumentScorer {
    /// Most scorers take f32 only; the index widens bf16 rows for them.
    public var readsBFloat16Rows: Bool { false }

    /// Widens and scores; correct for any scorer, though the index never calls it for one
    /// that does not read bf16 rows itself.
    public func score(bfloat16Documents: UnsafeRawPointer, count: Int, into: UnsafeMutablePointer<Float>) {
        var widened = [Float](repeating: 0, count: count * dimension)
        widened.withUnsafeMutableBufferPointer {
            VectorStorageType.bfloat16.decode(bfloat16Documents, count: count * dimension, into: $0.baseAddress!)
        }
        widened.withUnsafeBufferPointer { score(documents: $0.baseAddress!, count: count, into: into) }
    }
}
