/// The tensors a configuration requires, with their shapes: what `Checkpoint.load` checks a
/// weight file against, and what tools that write test checkpoints can follow.
public enum CheckpointLayout {
    /// Where the official checkpoints store each part.
    public static let queryBertPrefix = "query_encoder.transformer."
    public static let documentBertPrefix = "passage_encoder.transformer."
    public static let hyperheadPrefix = "query_encoder."

    /// Hugging Face `BertModel` tensors (no prefix), pooler excluded: the Hypencoder never
    /// uses the pooler, so checkpoints without one are fine.
    public static func bertTensors(_ config: BertConfig) -> [(name: String, shape: [Int])] {
        let (h, i) = (config.hiddenSize, config.intermediateSize)
        var result: [(name: String, shape: [Int])] = [
            ("embeddings.word_embeddings.weight", [config.vocabSize, h]),
            ("embeddings.position_embeddings.weight", [config.maxPositions, h]),
            ("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h]),
            ("embeddings.LayerNorm.weight", [h]),
            ("embeddings.LayerNorm.bias", [h]),
        ]
        for layer in 0..<config.layers {
            let p = "encoder.layer.\(layer)."
            for projection in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                result.append((p + projection + ".weight", [h, h]))
                result.append((p + projection + ".bias", [h]))
            }
            result += [
                (p + "attention.output.LayerNorm.weight", [h]), (p + "attention.output.LayerNorm.bias", [h]),
                (p + "intermediate.dense.weight", [i, h]), (p + "intermediate.dense.bias", [i]),
                (p + "output.dense.weight", [h, i]), (p + "output.dense.bias", [h]),
                (p + "output.LayerNorm.weight", [h]), (p + "output.LayerNorm.bias", [h]),
            ]
        }
        return result
    }

    /// Hyperhead tensors (names after `query_encoder.`), following the authors' module
    /// definitions: with widths `[d0, …, dn, 1]` and encoder width `D`, weight i maps
    /// `d_i → d_{i+1}` and bias i has width `d_{i+1}`; key/value projections 0…n serve the
    /// weights and n+1+i serve bias i. DESIGN.md §2 states the all-768 case.
    public static func hyperheadTensors(_ config: HypencoderConfig) -> [(name: String, shape: [Int])] {
        let widths = config.vectorDimensions
        let model = config.bert.hiddenSize
        let weightCount = widths.count - 1  // n + 1
        let biasCount = max(0, widths.count - 2)  // n
        var result: [(name: String, shape: [Int])] = []
        var projectionInputs: [Int] = []
        for i in 0..<weightCount {
            let (input, output) = (widths[i], widths[i + 1])
            result += [
                ("hyper_base_matrices.\(i)", [1, output, input]),
                ("weight_query_embeddings.\(i)", [1, output, input]),
                ("weight_hyper_projection.\(i).weight", [input, input]),
                ("weight_hyper_projection.\(i).bias", [input]),
            ]
            projectionInputs.append(input)
        }
        for i in 0..<biasCount {
            let width = widths[i + 1]
            result += [
                ("hyper_base_vectors.\(i)", [1, width]),
                ("bias_query_embeddings.\(i)", [1, 1, width]),
                ("bias_hyper_projection.\(i).weight", [width, width]),
                ("bias_hyper_projection.\(i).bias", [width]),
            ]
            projectionInputs.append(width)
        }
        for (j, width) in projectionInputs.enumerated() {
            result += [
                ("key_projections.\(j).weight", [width, model]), ("key_projections.\(j).bias", [width]),
                ("value_projections.\(j).weight", [width, model]), ("value_projections.\(j).bias", [width]),
            ]
        }
        return result
    }
}
