import CoreScheduling

/// A layer over few token rows (a query), split by the weights' output columns.
///
/// With 16 rows, a GEMM costs reading its weight matrix, not multiplying: cutting the rows
/// between cores would have each core read every weight. Cutting the output columns gives
/// each core its own part of W instead. The price is a barrier after every projection, since
/// the residual, LayerNorm and the next projection need whole rows; for a query's few rows
/// those row-wise passes are microseconds and run on the calling thread.
extension BertEncoder {
    /// One layer in place on `state`. With `stopAfterFirstTokensAttention` (the last layer of
    /// `encodeFirstTokens`), only the first token's attention context of each sequence is
    /// computed and the rest of the layer is left to `finishFirstTokens`.
    func runSplittingColumns(
        _ layer: BertLayerWeights, on state: UnsafeMutablePointer<Float>, batch: TokenBatch, buffers: LayerBuffers,
        attention: AttentionPieces, parallelism: Parallelism, stopAfterFirstTokensAttention: Bool = false
    ) {
        let d = config.hiddenSize
        let rows = batch.totalTokens
        let eps = config.layerNormEps
        let width = parallelism.width
        func project(_ dense: DenseLayer, _ input: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>) {
            let columns = ColumnSlices(columns: dense.outputs, width: width)
            parallelism.forEach(columns.count) { dense.apply(input, rows: rows, into: output, columns: columns[$0]) }
        }
        project(layer.queryKeyValue, state, into: buffers.qkv)
        parallelism.forEach(attention.count) { piece in
            attend(
                qkv: buffers.qkv, batch: batch, pairs: attention[piece], into: buffers.context,
                firstQueriesOnly: stopAfterFirstTokensAttention)
        }
        if stopAfterFirstTokensAttention { return }
        project(layer.attentionOutput, buffers.context, into: buffers.attended)
        VectorAdd.add(state, to: buffers.attended, count: rows * d)
        layer.attentionNorm.normalizeRows(buffers.attended, rows: rows, width: d, eps: eps)
        // Feed-forward: GELU on each piece's own columns, right after its GEMM.
        let inner = layer.intermediate
        let columns = ColumnSlices(columns: inner.outputs, width: width)
        parallelism.forEach(columns.count) { piece in
            let range = columns[piece]
            inner.apply(buffers.attended, rows: rows, into: buffers.intermediate, columns: range)
            for r in 0..<rows {
                VectorKernels.gelu(buffers.intermediate + r * inner.outputs + range.lowerBound, count: range.count)
            }
        }
        project(layer.output, buffers.intermediate, into: state)
        VectorAdd.add(buffers.attended, to: state, count: rows * d)
        layer.outputNorm.normalizeRows(state, rows: rows, width: d, eps: eps)
    }
}
