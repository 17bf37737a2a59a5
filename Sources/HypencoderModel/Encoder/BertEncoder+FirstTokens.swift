import CoreScheduling

/// Document vectors by `[CLS]` pooling need one row of the last layer per sequence.
///
/// The last layer's keys and values still need every token (the first token attends to all
/// of them), but its attention output, feed-forward and the two LayerNorms are row-wise: for
/// the other tokens they are work whose result nobody reads. Skipping it saves 9 of the 12
/// `d × d` products of the last layer for all but one row per sequence: for a 12-layer
/// bert-base over 200-token documents, 6 % of the dense FLOPs; for the 6-layer MiniLM, 12 %
/// (though its released heads pool by `mean`, which needs every row). `BertModel` computes
/// all rows and slices `[CLS]` out afterwards; the row we keep is computed by the same steps,
/// so the vector is the same up to float rounding of the shorter products.
extension BertEncoder {
    /// The last hidden state of each sequence's first token (`[CLS]`), `batch.count ×
    /// hiddenSize` row-major, in batch order: `encode(batch)`'s rows `batch.starts`, computed
    /// without the rest of the last layer.
    public func encodeFirstTokens(_ batch: TokenBatch, parallelism: Parallelism = .serial) throws -> [Float] {
        try forward(batch, parallelism: parallelism, firstTokensOnly: true)
    }

    /// One vector per sequence, pooled as `pooling` says, computing only what the pooling reads.
    public func pooledVectors(_ batch: TokenBatch, pooling: Pooling, parallelism: Parallelism = .serial) throws
        -> [[Float]]
    {
        let d = config.hiddenSize
        switch pooling {
        case .cls:
            let rows = try encodeFirstTokens(batch, parallelism: parallelism)
            return (0..<batch.count).map { Array(rows[($0 * d)..<(($0 + 1) * d)]) }
        case .mean:
            return pooling.pool(try encode(batch, parallelism: parallelism), batch: batch, width: d)
        }
    }

    /// The rest of the last layer for the first token of each sequence, once its attention
    /// context is in `buffers.context` and the layer's input in `state`: those rows are
    /// gathered into `batch.count` packed rows and finished there, on the calling thread: the
    /// model's batches hold at most 32 sequences, rows the few-row GEMM kernel takes with W in
    /// place, so splitting them between cores would gain less than the hand-off costs.
    func finishFirstTokens(on state: UnsafeMutablePointer<Float>, batch: TokenBatch, buffers: LayerBuffers) -> [Float] {
        let d = config.hiddenSize
        let n = batch.count
        var rows = [Float](repeating: 0, count: n * d)
        rows.withUnsafeMutableBufferPointer { rows in
            let rows = rows.baseAddress!
            for (b, start) in batch.starts.enumerated() { (rows + b * d).update(from: state + start * d, count: d) }
            guard let last = layers.last else { return }
            let context = UnsafeMutablePointer<Float>.allocate(capacity: n * d)
            defer { context.deallocate() }
            for (b, start) in batch.starts.enumerated() {
                (context + b * d).update(from: buffers.context + start * d, count: d)
            }
            // `attended` and `intermediate` are free once the last layer's attention is done,
            // and hold at least `totalTokens ≥ n` rows.
            let packed = LayerBuffers(
                qkv: buffers.qkv, context: context, attended: buffers.attended, intermediate: buffers.intermediate)
            finish(last, on: rows, rows: 0..<n, buffers: packed)
        }
        return rows
    }
}
