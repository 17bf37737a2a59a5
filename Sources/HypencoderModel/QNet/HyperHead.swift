import Foundation

/// The hypernetwork that turns a query's last-layer token states into its q-net
/// (DESIGN.md §2, `Hypencoder._get_weights_and_biases` in the authors' code).
///
/// Each generated parameter — weight i = 0…n (r_i × w_i) and bias i = 0…n−1 (1 × w) — is one
/// attention read-out of the query's tokens:
///
///     K = H·Wkᵀ + bk,  V = H·Wvᵀ + bv
///     S = Q·Kᵀ / √r    (r = rows generated: d for square weights, 1 for w_n and biases)
///     C = softmax(S over the query's real tokens)·V
///     P = LN(ReLU(C))·Wpᵀ + bp + Base
///
/// Shapes follow the authors' modules (`Hypencoder.__init__`): for a parameter of width w
/// (d_i for weight i, d_{i+1} for bias i) keys and values map the encoder's D → w, Q is r × w
/// and Wp is w → w, so q-nets wider than the encoder ([384, 768, 1]) load as they were trained.
///
/// With `linearLastWeight` (our config extension `linear_last_weight`; DESIGN.md §2, "A linear
/// last weight") the final weight skips ReLU and LayerNorm: w_n = C·Wpᵀ + bp + Base. That is what lets a q-net
/// start as exactly the bi-encoder it is built on: ReLU would drop the query's negative
/// components and LayerNorm its mean, so no official head can pass the query vector through.
///
/// All 2(2n+1) key and value projections read the same H, so they are stacked into one
/// weight matrix and run as a single SGEMM over every token of every query in the batch.
///
/// Thread safety: immutable; `generate` allocates its own scratch.
public struct HyperHead: Sendable {
    /// `vector_dimensions`, `[d0, …, dn, 1]`.
    public let dimensions: [Int]
    public let modelDimension: Int
    public let activation: QNetActivation
    public let residualOnLast: Bool
    /// The final weight is generated without ReLU and LayerNorm (`linear_last_weight`).
    public let linearLastWeight: Bool
    /// Every key and value projection, stacked: for generated item k, its keys are columns
    /// `items[k].keyOffset…` and its values `items[k].valueOffset…` of the product.
    let projections: DenseLayer
    /// Weights 0…n, then biases 0…n−1.
    let items: [GeneratedParameter]

    /// Number of hidden q-net layers n.
    public var hiddenLayers: Int { dimensions.count - 2 }

    /// Builds the hyperhead from tensors named as after `query_encoder.` in a checkpoint.
    public init(
        dimensions: [Int], modelDimension: Int, activation: QNetActivation, residualOnLast: Bool,
        linearLastWeight: Bool = false, weights: [String: Tensor]
    ) throws {
        guard dimensions.count >= 2, dimensions.last == 1, dimensions.allSatisfy({ $0 > 0 }) else {
            throw ModelError.config(
                key: "query_encoder_kwargs.converter_kwargs.vector_dimensions",
                reason: "must be positive widths ending in 1, got \(dimensions)")
        }
        let table = WeightTable(weights, prefix: "query_encoder.")
        let n = dimensions.count - 2
        var items: [GeneratedParameter] = []
        var keyLayers: [DenseLayer] = []
        var valueLayers: [DenseLayer] = []
        // (kind, index, rows, width): weights map d_i → d_{i+1}; bias i has width d_{i+1}.
        var shapes: [(weight: Bool, index: Int, rows: Int, width: Int)] = []
        for i in 0...n { shapes.append((true, i, dimensions[i + 1], dimensions[i])) }
        for i in 0..<n { shapes.append((false, i, 1, dimensions[i + 1])) }
        var offset = 0
        for (projection, shape) in shapes.enumerated() {
            keyLayers.append(
                try DenseLayer(
                    table, "key_projections.\(projection)", inputs: modelDimension, outputs: shape.width))
            valueLayers.append(
                try DenseLayer(
                    table, "value_projections.\(projection)", inputs: modelDimension, outputs: shape.width))
            let queryName = shape.weight ? "weight_query_embeddings.\(shape.index)" : "bias_query_embeddings.\(shape.index)"
            let projectionName = shape.weight ? "weight_hyper_projection.\(shape.index)" : "bias_hyper_projection.\(shape.index)"
            let baseName = shape.weight ? "hyper_base_matrices.\(shape.index)" : "hyper_base_vectors.\(shape.index)"
            items.append(
                GeneratedParameter(
                    rows: shape.rows, width: shape.width,
                    queries: try table.values(queryName, shape: [1, shape.rows, shape.width]),
                    keyOffset: offset, valueOffset: 0,
                    scale: 1 / Float(shape.rows).squareRoot(),
                    normalizes: !(linearLastWeight && shape.weight && shape.index == n),
                    projection: try DenseLayer(table, projectionName, inputs: shape.width, outputs: shape.width),
                    base: try table.values(baseName, shape: [shape.rows, shape.width])))
            offset += shape.width
        }
        for k in items.indices { items[k].valueOffset = offset + items[k].keyOffset }
        self.dimensions = dimensions
        self.modelDimension = modelDimension
        self.activation = activation
        self.residualOnLast = residualOnLast
        self.linearLastWeight = linearLastWeight
        self.projections = DenseLayer.stacking(keyLayers + valueLayers)
        self.items = items
        // Residual layers must be square; check now rather than per query.
        for j in 0..<n where (j < n - 1 || residualOnLast) && dimensions[j] != dimensions[j + 1] {
            throw ModelError.config(
                key: "query_encoder_kwargs.converter_kwargs.vector_dimensions",
                reason: "layer \(j) has a residual connection but maps \(dimensions[j]) to \(dimensions[j + 1])")
        }
    }

    /// One q-net per sequence of `batch`, from the encoder's packed last hidden states
    /// (`totalTokens × modelDimension`). Each query attends over its own tokens only, which
    /// is what the official code's −∞ on padding columns amounts to.
    ///
    /// With `parallelism`, the key/value projection is split by output columns and the
    /// generation into (query, parameter, block of generated rows) pieces: every generated
    /// row is its own attention read-out, and the 768-row weights are where the time goes
    /// (each is a 768 × 768 · 768 × 768 product).
    public func generate(states: [Float], batch: TokenBatch, parallelism: Parallelism = .serial) throws -> [QNet] {
        let rows = batch.totalTokens
        guard states.count == rows * modelDimension else {
            throw ModelError.invalidInput(
                "hyperhead needs \(rows)×\(modelDimension) states, got \(states.count) values")
        }
        let stride = projections.outputs
        var projected = [Float](repeating: 0, count: rows * stride)
        let columns = ColumnSlices(columns: stride, width: parallelism.width)
        states.withUnsafeBufferPointer { h in
            projected.withUnsafeMutableBufferPointer { p in
                parallelism.forEach(columns.count) {
                    projections.apply(h.baseAddress!, rows: rows, into: p.baseAddress!, columns: columns[$0])
                }
            }
        }
        // Every (query, parameter) result, then the pieces that fill them.
        let outputs = ResultBuffers(counts: (0..<batch.count).map { _ in items.map { $0.rows * $0.width } })
        defer { outputs.release() }
        var pieces: [(query: Int, item: Int, rows: Range<Int>)] = []
        for b in 0..<batch.count {
            for (k, item) in items.enumerated() {
                // One block per thread, at least 64 rows: each block packs Wp again for its
                // GEMM, so smaller blocks would cost memory traffic, not balance.
                let blockRows =
                    parallelism.width == 1
                    ? item.rows : max(64, (item.rows + parallelism.width - 1) / parallelism.width)
                var start = 0
                while start < item.rows {
                    let end = start + min(blockRows, item.rows - start)
                    pieces.append((b, k, start..<end))
                    start = end
                }
            }
        }
        projected.withUnsafeBufferPointer { p in
            parallelism.forEach(pieces.count) { i in
                let piece = pieces[i]
                items[piece.item].generate(
                    projected: p.baseAddress! + batch.starts[piece.query] * stride, stride: stride,
                    length: batch.lengths[piece.query], rows: piece.rows,
                    into: outputs[piece.query, piece.item])
            }
        }
        return try outputs.arrays().map { try assemble($0) }
    }

    /// Arranges generated weights and biases into q-net layers.
    private func assemble(_ generated: [[Float]]) throws -> QNet {
        let n = hiddenLayers
        let layers = try (0..<n).map { j in
            try QNet.Layer(
                inputs: dimensions[j], outputs: dimensions[j + 1], weight: generated[j],
                bias: generated[n + 1 + j], residual: j < n - 1 || residualOnLast)
        }
        return try QNet(layers: layers, output: generated[n], activation: activation)
    }
}

/// One weight matrix or bias vector the hyperhead generates, with what it needs to do so.
struct GeneratedParameter: Sendable {
    /// Rows generated: the out size r (1 for biases and the final weight).
    let rows: Int
    /// Values per row: the in size w.
    let width: Int
    /// The learned query embeddings Q, `rows × width`.
    let queries: [Float]
    /// Where this parameter's keys and values start in a projected row.
    let keyOffset: Int
    var valueOffset: Int
    /// 1/√rows.
    let scale: Float
    /// Whether C goes through ReLU and LayerNorm before Wp (false only for a linear last weight).
    let normalizes: Bool
    /// Wp, bp: `width → width`.
    let projection: DenseLayer
    /// Base_i, `rows × width`.
    let base: [Float]

    /// Rows `part` of `LN(ReLU(softmax(Q·Kᵀ·scale)·V))·Wpᵀ + bp + Base` (without LN(ReLU(·))
    /// when `normalizes` is false) for one query whose
    /// projected tokens start at `projected` (row stride `stride`, `length` rows), written to
    /// the same rows of `result` (`rows × width`). Each generated row depends only on its own
    /// query embedding, so any split of the rows gives the same values.
    func generate(
        projected: UnsafePointer<Float>, stride: Int, length: Int, rows part: Range<Int>,
        into result: UnsafeMutablePointer<Float>
    ) {
        let count = part.count
        var scores = [Float](repeating: 0, count: count * length)
        var context = [Float](repeating: 0, count: count * width)
        let out = result + part.lowerBound * width
        queries.withUnsafeBufferPointer { q in
            scores.withUnsafeMutableBufferPointer { s in
                context.withUnsafeMutableBufferPointer { c in
                    FewRowsGemm.multiplyByTranspose(
                        m: count, n: length, k: width, alpha: scale,
                        a: q.baseAddress! + part.lowerBound * width, lda: width, b: projected + keyOffset, ldb: stride,
                        c: s.baseAddress!, ldc: length)
                    for r in 0..<count { Softmax.apply(s.baseAddress! + r * length, count: length) }
                    BLAS.sgemm(
                        transposeA: false, transposeB: false, m: count, n: width, k: length,
                        a: s.baseAddress!, lda: length, b: projected + valueOffset, ldb: stride,
                        c: c.baseAddress!, ldc: width)
                    for r in 0..<count where normalizes {
                        let row = c.baseAddress! + r * width
                        applyActivation(ReLU.self, row, count: width)
                        LayerNorm.normalize(row, count: width, eps: QNet.layerNormEps)
                    }
                    projection.apply(c.baseAddress!, rows: count, into: out)
                    base.withUnsafeBufferPointer {
                        VectorAdd.add($0.baseAddress! + part.lowerBound * width, to: out, count: count * width)
                    }
                }
            }
        }
    }
}

/// The `[query][parameter]` results as raw buffers, so pieces on several threads can fill
/// disjoint rows of them (Swift arrays would be copied on write); `arrays()` copies them out.
private final class ResultBuffers {
    private let buffers: [[UnsafeMutableBufferPointer<Float>]]

    init(counts: [[Int]]) {
        buffers = counts.map { row in
            row.map { count in
                let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
                buffer.initialize(repeating: 0)
                return buffer
            }
        }
    }

    subscript(query: Int, item: Int) -> UnsafeMutablePointer<Float> { buffers[query][item].baseAddress! }

    func arrays() -> [[[Float]]] { buffers.map { $0.map { Array($0) } } }

    func release() { for buffer in buffers.joined() { buffer.deallocate() } }
}
