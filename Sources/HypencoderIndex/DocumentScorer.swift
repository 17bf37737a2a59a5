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
}
