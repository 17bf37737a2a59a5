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
    public func encode(_ batch: TokenBatch) throws -> [Float] {
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
        var scratch = LayerScratch(rows: rows, length: batch.longest, config: config)
        hidden.withUnsafeMutableBufferPointer { state in
            for layer in layers {
                run(layer, on: state.baseAddress!, batch: batch, scratch: &scratch)
            }
        }
        return hidden
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

    /// One transformer layer in place on `state` (`rows × d`).
    private func run(
        _ layer: BertLayerWeights, on state: UnsafeMutablePointer<Float>, batch: TokenBatch,
        scratch: inout LayerScratch
    ) {
        let d = config.hiddenSize
        let rows = batch.totalTokens
        let eps = config.layerNormEps
        scratch.withBuffers { qkv, context, scores, attended, intermediate in
            layer.queryKeyValue.apply(state, rows: rows, into: qkv)
            attend(qkv: qkv, batch: batch, scores: scores, into: context)
            // Attention output: dense, + input, LayerNorm.
            layer.attentionOutput.apply(context, rows: rows, into: attended)
            VectorAdd.add(state, to: attended, count: rows * d)
            layer.attentionNorm.normalizeRows(attended, rows: rows, width: d, eps: eps)
            // Feed-forward: dense, GELU, dense, + input, LayerNorm, written back to `state`.
            layer.intermediate.apply(attended, rows: rows, into: intermediate)
            applyActivation(GELU.self, intermediate, count: rows * config.intermediateSize)
            layer.output.apply(intermediate, rows: rows, into: state)
            VectorAdd.add(attended, to: state, count: rows * d)
            layer.outputNorm.normalizeRows(state, rows: rows, width: d, eps: eps)
        }
    }

    /// Multi-head self-attention: for each sequence and head, `softmax(Q·Kᵀ/√h)·V` over that
    /// sequence's tokens, reading Q, K, V in place from the stacked projection rows
    /// (row stride 3d).
    private func attend(
        qkv: UnsafeMutablePointer<Float>, batch: TokenBatch,
        scores: UnsafeMutablePointer<Float>, into context: UnsafeMutablePointer<Float>
    ) {
        let d = config.hiddenSize
        let headSize = d / config.heads
        let scale = 1 / Float(headSize).squareRoot()
        for b in 0..<batch.count {
            let length = batch.lengths[b]
            let first = qkv + batch.starts[b] * 3 * d
            for h in 0..<config.heads {
                let query = first + h * headSize
                let key = first + d + h * headSize
                let value = first + 2 * d + h * headSize
                BLAS.sgemm(
                    transposeA: false, transposeB: true, m: length, n: length, k: headSize, alpha: scale,
                    a: query, lda: 3 * d, b: key, ldb: 3 * d, c: scores, ldc: length)
                for i in 0..<length { Softmax.apply(scores + i * length, count: length) }
                BLAS.sgemm(
                    transposeA: false, transposeB: false, m: length, n: headSize, k: length,
                    a: scores, lda: length, b: value, ldb: 3 * d,
                    c: context + batch.starts[b] * d + h * headSize, ldc: d)
            }
        }
    }
}

/// Scratch buffers for one forward pass, sized once and reused by every layer.
private struct LayerScratch {
    var qkv: [Float]
    var context: [Float]
    var scores: [Float]
    var attended: [Float]
    var intermediate: [Float]

    init(rows: Int, length: Int, config: BertConfig) {
        let d = config.hiddenSize
        qkv = [Float](repeating: 0, count: rows * 3 * d)
        context = [Float](repeating: 0, count: rows * d)
        scores = [Float](repeating: 0, count: length * length)
        attended = [Float](repeating: 0, count: rows * d)
        intermediate = [Float](repeating: 0, count: rows * config.intermediateSize)
    }

    mutating func withBuffers(
        _ body: (
            UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>,
            UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>
        ) -> Void
    ) {
        qkv.withUnsafeMutableBufferPointer { qkv in
            context.withUnsafeMutableBufferPointer { context in
                scores.withUnsafeMutableBufferPointer { scores in
                    attended.withUnsafeMutableBufferPointer { attended in
                        intermediate.withUnsafeMutableBufferPointer { intermediate in
                            body(
                                qkv.baseAddress!, context.baseAddress!, scores.baseAddress!,
                                attended.baseAddress!, intermediate.baseAddress!)
                        }
                    }
                }
            }
        }
    }
}
