import HypencoderModel

/// Random tensors in the layout the loader produces, for tests that need a model without files.
struct RandomWeights {
    var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    mutating func values(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in generator.nextUniform() * scale }
    }

    mutating func tensor(_ shape: [Int], scale: Float = 1) -> Tensor {
        Tensor(shape: shape, values: values(shape.reduce(1, *), scale: scale))
    }

    /// A BERT state dict (names without prefix) for `config`.
    mutating func bert(_ config: BertConfig) -> [String: Tensor] {
        let d = config.hiddenSize
        let f = config.intermediateSize
        var t: [String: Tensor] = [
            "embeddings.word_embeddings.weight": tensor([config.vocabSize, d]),
            "embeddings.position_embeddings.weight": tensor([config.maxPositions, d], scale: 0.5),
            "embeddings.token_type_embeddings.weight": tensor([config.typeVocabSize, d], scale: 0.5),
            "embeddings.LayerNorm.weight": Tensor(shape: [d], values: values(d, scale: 0.2).map { 1 + $0 }),
            "embeddings.LayerNorm.bias": tensor([d], scale: 0.1),
        ]
        let linearScale = 1 / Float(d).squareRoot()
        for l in 0..<config.layers {
            let p = "encoder.layer.\(l)."
            for name in ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"] {
                t[p + name + ".weight"] = tensor([d, d], scale: 2 * linearScale)
                t[p + name + ".bias"] = tensor([d], scale: 0.1)
            }
            t[p + "intermediate.dense.weight"] = tensor([f, d], scale: 2 * linearScale)
            t[p + "intermediate.dense.bias"] = tensor([f], scale: 0.1)
            t[p + "output.dense.weight"] = tensor([d, f], scale: 2 / Float(f).squareRoot())
            t[p + "output.dense.bias"] = tensor([d], scale: 0.1)
            for name in ["attention.output.LayerNorm", "output.LayerNorm"] {
                t[p + name + ".weight"] = Tensor(shape: [d], values: values(d, scale: 0.2).map { 1 + $0 })
                t[p + name + ".bias"] = tensor([d], scale: 0.1)
            }
        }
        return t
    }

    /// Hyperhead tensors (names after `query_encoder.`) for `dimensions` over a `model`-wide encoder.
    mutating func hyperhead(dimensions: [Int], model: Int) -> [String: Tensor] {
        let n = dimensions.count - 2
        var t: [String: Tensor] = [:]
        var projection = 0
        func keysAndValues(width: Int, into t: inout [String: Tensor], _ me: inout RandomWeights) {
            for kind in ["key_projections", "value_projections"] {
                t["\(kind).\(projection).weight"] = me.tensor([width, model], scale: 1 / Float(model).squareRoot())
                t["\(kind).\(projection).bias"] = me.tensor([width], scale: 0.1)
            }
            projection += 1
        }
        for i in 0...n {
            let rows = dimensions[i + 1]
            let width = dimensions[i]
            t["weight_query_embeddings.\(i)"] = tensor([1, rows, width], scale: 3)
            t["hyper_base_matrices.\(i)"] = tensor([1, rows, width], scale: 0.1)
            t["weight_hyper_projection.\(i).weight"] = tensor([width, width], scale: 1 / Float(width).squareRoot())
            t["weight_hyper_projection.\(i).bias"] = tensor([width], scale: 0.1)
            keysAndValues(width: width, into: &t, &self)
        }
        for i in 0..<n {
            let width = dimensions[i + 1]
            t["bias_query_embeddings.\(i)"] = tensor([1, 1, width], scale: 3)
            t["hyper_base_vectors.\(i)"] = tensor([1, width], scale: 0.1)
            t["bias_hyper_projection.\(i).weight"] = tensor([width, width], scale: 1 / Float(width).squareRoot())
            t["bias_hyper_projection.\(i).bias"] = tensor([width], scale: 0.1)
            keysAndValues(width: width, into: &t, &self)
        }
        return t
    }
}

/// A tiny BERT configuration that still has several heads, layers and a distinct FFN width.
let tinyBert = BertConfig(
    hiddenSize: 16, layers: 2, heads: 4, intermediateSize: 24, vocabSize: 40, maxPositions: 12,
    typeVocabSize: 2, layerNormEps: 1e-12, hiddenAct: "gelu")
