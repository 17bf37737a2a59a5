import CoreScheduling
import Foundation

/// A BERT encoder (`transformers.BertModel` without its pooler) over packed batches.
///
/// Arithmetic follows `BertModel` in float32 eager mode step by step: embeddings
/// (word + token type 0, then + position) and LayerNorm; per layer self-attention with
/// scale 1/√(d/heads) over the sequence's own tokens, output dense + residual + LayerNorm,
/// exact-erf GELU feed-forward + residual + LayerNorm. Every projection runs as one SGEMM
/// over all tokens of the batch; attention runs as two small SGEMMs per (sequence, head),
/// over that sequence's tokens only, which is what the padding mask amounts to for
/// right-padded input (see `TokenBatch`).
///
/// Across cores (`Parallelism`): everything in a layer but attention treats each token row
/// on its own, so a layer is two rounds of pieces: row slices (the previous layer's attention
/// output and feed-forward, fused with this layer's Q/K/V projection, so a slice's rows stay
/// in cache between them), then (sequence, head) groups for attention. Each piece is a
/// single-threaded SGEMM or a few, a few milliseconds long, so a search arriving meanwhile
/// waits little for the cores. Serially the slices are one slice of all rows, as before.
///
/// Thread safety: immutable; `encode` allocates its own scratch, so any number of threads
/// may encode at once.
public struct BertEncoder: Sendable {
    public let config: BertConfig
    /// `vocab × d`.
    let wordEmbeddings: [Float]
    /// `maxPositions × d`.
    let positionEmbeddings: [Float]
    /// Row 0 of the token-type table: all our inputs are segment 0.
    let tokenTypeZero: [Float]
    let embeddingNorm: AffineNorm
    let layers: [BertLayerWeights]

    /// Builds the encoder from tensors named as in `BertModel` without prefix
    /// (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`, …).
    /// `namePrefix` is only used to make error messages match the file.
    public init(config: BertConfig, weights: [String: Tensor], namePrefix: String = "") throws {
        guard config.hiddenAct == "gelu" else {
            throw ModelError.config(key: "hidden_act", reason: "'\(config.hiddenAct)' is not supported; only exact-erf 'gelu' is")
        }
        guard config.hiddenSize > 0, config.heads > 0, config.hiddenSize % config.heads == 0 else {
            throw ModelError.config(
                key: "num_attention_heads",
                reason: "hidden_size \(config.hiddenSize) is not a positive multiple of \(config.heads) heads")
        }
        let sizes = [
            ("num_hidden_layers", config.layers), ("intermediate_size", config.intermediateSize),
            ("vocab_size", config.vocabSize), ("max_position_embeddings", config.maxPositions),
            ("type_vocab_size", config.typeVocabSize),
        ]
        for (key, value) in sizes where value < (key == "num_hidden_layers" ? 0 : 1) {
            throw ModelError.config(key: key, reason: "\(value) is out of range")
        }
        let table = WeightTable(weights, prefix: namePrefix)
        let d = config.hiddenSize
        self.config = config
        wordEmbeddings = try table.values("embeddings.word_embeddings.weight", shape: [config.vocabSize, d])
        positionEmbeddings = try table.values(
            "embeddings.position_embeddings.weight", shape: [config.maxPositions, d])
        tokenTypeZero = Array(
            try table.values("embeddings.token_type_embeddings.weight", shape: [config.typeVocabSize, d])[0..<d])
        embeddingNorm = try AffineNorm(table, "embeddings.LayerNorm", width: d)
        layers = try (0..<config.layers).map { try BertLayerWeights(table, layer: $0, config: config) }
    }

    /// The last hidden states, `totalTokens × hiddenSize` row-major, packed like the batch.
    /// Throws if an id is outside the vocabulary or a sequence is longer than the position table.
    public func encode(_ batch: TokenBatch, parallelism: Parallelism = .serial) throws -> [Float] {
        try forward(batch, parallelism: parallelism, firstTokensOnly: false)
    }

    /// The forward pass. With `firstTokensOnly` the last layer computes the first token's row
    /// of each sequence only and the result is `batch.count × hiddenSize`
    /// (`BertEncoder+FirstTokens.swift`); otherwise every token's row.
    func forward(_ batch: TokenBatch, parallelism: Parallelism, firstTokensOnly: Bool) throws -> [Float] {
        guard batch.longest <= config.maxPositions else {
            throw ModelError.invalidInput(
                "sequence of \(batch.longest) tokens exceeds max_position_embeddings \(config.maxPositions)")
        }
        if let bad = batch.ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw ModelError.invalidInput("token id \(bad) is outside the vocabulary of \(config.vocabSize)")
        }
        let d = config.hiddenSize
        let rows = batch.totalTokens
        var hidden = [Float](repeating: 0, count: rows * d)
        hidden.withUnsafeMutableBufferPointer { embed(batch, into: $0.baseAddress!) }
        var scratch = LayerScratch(rows: rows, config: config)
        let slices = RowSlices(rows: rows, width: parallelism.width)
        let attention = AttentionPieces(sequences: batch.count, heads: config.heads, width: parallelism.width)
        var firstTokens: [Float] = []
        hidden.withUnsafeMutableBufferPointer { state in
            let state = state.baseAddress!
            scratch.withBuffers { buffers in
                for (l, layer) in layers.enumerated() {
                    let firstQueriesOnly = firstTokensOnly && l == layers.count - 1
                    if slices.tooFewRows {
                        runSplittingColumns(
                            layer, on: state, batch: batch, buffers: buffers, attention: attention, parallelism: parallelism,
                            stopAfterFirstTokensAttention: firstQueriesOnly)
                        continue
                    }
                    parallelism.forEach(slices.count) { s in
                        let slice = slices[s]
                        if l > 0 { finish(layers[l - 1], on: state, rows: slice, buffers: buffers) }
                        layer.queryKeyValue.apply(
                            state + slice.lowerBound * d, rows: slice.count, into: buffers.qkv + slice.lowerBound * 3 * d)
                    }
                    parallelism.forEach(attention.count) { piece in
                        attend(
                            qkv: buffers.qkv, batch: batch, pairs: attention[piece], into: buffers.context,
                            firstQueriesOnly: firstQueriesOnly)
                    }
                }
                if firstTokensOnly {
                    firstTokens = finishFirstTokens(on: state, batch: batch, buffers: buffers)
                } else if let last = layers.last, !slices.tooFewRows {
                    parallelism.forEach(slices.count) { s in finish(last, on: state, rows: slices[s], buffers: buffers) }
                }
            }
        }
        return firstTokensOnly ? firstTokens : hidden
    }

    /// `LN(word[id] + type[0] + position[t])` for every token, in BertEmbeddings' order.
    @_optimize(speed)
    private func embed(_ batch: TokenBatch, into hidden: UnsafeMutablePointer<Float>) {
        let d = config.hiddenSize
        wordEmbeddings.withUnsafeBufferPointer { word in
            positionEmbeddings.withUnsafeBufferPointer { position in
                tokenTypeZero.withUnsafeBufferPointer { type in
                    for b in 0..<batch.count {
                        for (t, r) in batch.rows(of: b).enumerated() {
                            let row = hidden + r * d
                            let w = word.baseAddress! + Int(batch.ids[r]) * d
                            let p = position.baseAddress! + t * d
                            for i in 0..<d { row[i] = (w[i] + type[i]) + p[i] }
                        }
                    }
                }
            }
        }
        embeddingNorm.normalizeRows(hidden, rows: batch.totalTokens, width: d, eps: config.layerNormEps)
    }

    /// The rest of a layer once its attention `context` is computed, for the token rows in
    /// `rows`, in place on `state` (`rows × d`): attention output dense + input, LayerNorm;
    /// feed-forward dense, GELU, dense, + input, LayerNorm.
    func finish(
        _ layer: BertLayerWeights, on state: UnsafeMutablePointer<Float>, rows: Range<Int>, buffers: LayerBuffers
    ) {
        let d = config.hiddenSize
        let n = rows.count
        let eps = config.layerNormEps
        let input = state + rows.lowerBound * d
        let attended = buffers.attended + rows.lowerBound * d
        let intermediate = buffers.intermediate + rows.lowerBound * config.intermediateSize
        layer.attentionOutput.apply(buffers.context + rows.lowerBound * d, rows: n, into: attended)
        VectorAdd.add(input, to: attended, count: n * d)
        layer.attentionNorm.normalizeRows(attended, rows: n, width: d, eps: eps)
        layer.intermediate.apply(attended, rows: n, into: intermediate)
        VectorKernels.gelu(intermediate, count: n * config.intermediateSize)
        layer.output.apply(intermediate, rows: n, into: input)
        VectorAdd.add(attended, to: input, count: n * d)
        layer.outputNorm.normalizeRows(input, rows: n, width: d, eps: eps)
    }

    /// Multi-head self-attention for the (sequence, head) pairs in `pairs` (numbered
    /// sequence-major): `softmax(Q·Kᵀ/√h)·V` over that sequence's tokens, reading Q, K, V in
    /// place from the stacked projection rows (row stride 3d). With `firstQueriesOnly`, only
    /// the first token's context row of each sequence is written (its query against all keys).
    func attend(
        qkv: UnsafeMutablePointer<Float>, batch: TokenBatch, pairs: Range<Int>, into context: UnsafeMutablePointer<Float>,
        firstQueriesOnly: Bool = false
    ) {
        let d = config.hiddenSize
        let heads = config.heads
        let headSize = d / heads
        let scale = 1 / Float(headSize).squareRoot()
        let longest = pairs.map { batch.lengths[$0 / heads] }.max() ?? 0
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: max(1, longest * longest))
        defer { scores.deallocate() }
        for pair in pairs {
            let (b, h) = (pair / heads, pair % heads)
            let length = batch.lengths[b]
            let queries = firstQueriesOnly ? 1 : length
            let first = qkv + batch.starts[b] * 3 * d
            let query = first + h * headSize
            let key = first + d + h * headSize
            let value = first + 2 * d + h * headSize
            BLAS.sgemm(
                transposeA: false, transposeB: true, m: queries, n: length, k: headSize, alpha: scale,
                a: query, lda: 3 * d, b: key, ldb: 3 * d, c: scores, ldc: length)
            for i in 0..<queries { Softmax.apply(scores + i * length, count: length) }
            BLAS.sgemm(
                transposeA: false, transposeB: false, m: queries, n: headSize, k: length,
                a: scores, lda: length, b: value, ldb: 3 * d,
                c: context + batch.starts[b] * d + h * headSize, ldc: d)
        }
    }
}

/// Token rows cut into slices for the row-wise pieces of a layer: one slice when serial
/// (one SGEMM over the whole batch, as fast as it gets on one core); otherwise a multiple of
/// the thread count, about 512 rows each, so every thread gets the same number of slices.
///
/// The size is a trade. OpenBLAS packs the whole weight matrix again for every call, a
/// memory-bound pass whose share falls as the rows per call grow: perf put it at 11.5 % of
/// bert-base document encoding with 128-row slices (Zen 3) and 11.7 % with 256 (Ice Lake,
/// AVX-512 kernel). With about 512, 32 × 200-token batches encoded 8 % faster (MiniLM) and 4 %
/// (bert-base) than with 256, and 1,024 was no faster again (BENCHMARKS.md). A piece, the
/// rest of one layer plus the next layer's Q/K/V projection for those rows, then takes ≈ 15 ms
/// of MiniLM and ≈ 60 ms of bert-base on one core: what a search arriving behind it waits at
/// most for that core (search p99 during a long `index/add` stayed within the noise of 256).
///
/// Below 64 rows per thread (a query's 16 tokens), cutting rows would have every core read
/// every weight for a few rows each; `tooFewRows` then sends the encoder to split the
/// weights' output columns instead (`runSplittingColumns`).
struct RowSlices {
    let count: Int
    let tooFewRows: Bool
    private let rows: Int

    init(rows: Int, width: Int) {
        self.rows = rows
        let rounds = (rows + 512 * width - 1) / (512 * width)
        count = width <= 1 ? 1 : max(1, min(rows, width * rounds))
        tooFewRows = width > 1 && rows < 64 * width
    }

    subscript(i: Int) -> Range<Int> { (rows * i / count)..<(rows * (i + 1) / count) }
}

/// A weight matrix's output columns cut into pieces for few-row inputs: about two per thread
/// and at least 64 columns each (a multiple of 16, the SGEMM kernel's width).
struct ColumnSlices {
    let count: Int
    private let columns: Int

    init(columns: Int, width: Int) {
        self.columns = columns
        count = width <= 1 ? 1 : max(1, min(2 * width, columns / 64))
    }

    subscript(i: Int) -> Range<Int> {
        func edge(_ j: Int) -> Int { j == count ? columns : (columns * j / count) / 16 * 16 }
        return edge(i)..<edge(i + 1)
    }
}

/// The (sequence, head) pairs of attention in groups, a piece each: one group when serial,
/// otherwise about eight per thread, so uneven sequence lengths still spread evenly.
struct AttentionPieces {
    let count: Int
    private let pairs: Int

    init(sequences: Int, heads: Int, width: Int) {
        pairs = sequences * heads
        count = width <= 1 ? 1 : max(1, min(pairs, 8 * width))
    }

    subscript(i: Int) -> Range<Int> { (pairs * i / count)..<(pairs * (i + 1) / count) }
}

/// The scratch of one forward pass, as pointers the pieces share: each piece writes only its
/// own rows (row slices) or its own sequences' columns (attention).
struct LayerBuffers {
    let qkv: UnsafeMutablePointer<Float>
    let context: UnsafeMutablePointer<Float>
    let attended: UnsafeMutablePointer<Float>
    let intermediate: UnsafeMutablePointer<Float>
}

/// Scratch buffers for one forward pass, sized once and reused by every layer.
private struct LayerScratch {
    var qkv: [Float]
    var context: [Float]
    var attended: [Float]
    var intermediate: [Float]

    init(rows: Int, config: BertConfig) {
        let d = config.hiddenSize
        qkv = [Float](repeating: 0, count: rows * 3 * d)
        context = [Float](repeating: 0, count: rows * d)
        attended = [Float](repeating: 0, count: rows * d)
        intermediate = [Float](repeating: 0, count: rows * config.intermediateSize)
    }

    mutating func withBuffers(_ body: (LayerBuffers) -> Void) {
        qkv.withUnsafeMutableBufferPointer { qkv in
            context.withUnsafeMutableBufferPointer { context in
                attended.withUnsafeMutableBufferPointer { attended in
                    intermediate.withUnsafeMutableBufferPointer { intermediate in
                        body(
                            LayerBuffers(
                                qkv: qkv.baseAddress!, context: context.baseAddress!, attended: attended.baseAddress!,
                                intermediate: intermediate.baseAddress!))
                    }
                }
            }
        }
    }
}
