import Foundation

extension BertConfig {
    /// Reads a Hugging Face `BertConfig` JSON (`config.json` of a BERT directory, or a
    /// Hypencoder directory's `bert_config.json`). Absent keys take bert-base-uncased values;
    /// present keys must have the right type and a usable value. Unrelated keys are ignored.
    public static func load(path: String) throws -> BertConfig {
        try BertConfig(reading: try ConfigReader.open(path))
    }

    init(reading json: ConfigReader) throws {
        let base = BertConfig.bertBaseUncased
        let limit = 1 << 20
        self.init(
            hiddenSize: try json.integer("hidden_size", default: base.hiddenSize, range: 1...limit),
            layers: try json.integer("num_hidden_layers", default: base.layers, range: 1...1024),
            heads: try json.integer("num_attention_heads", default: base.heads, range: 1...4096),
            intermediateSize: try json.integer("intermediate_size", default: base.intermediateSize, range: 1...limit),
            vocabSize: try json.integer("vocab_size", default: base.vocabSize, range: 1...(1 << 24)),
            maxPositions: try json.integer("max_position_embeddings", default: base.maxPositions, range: 1...limit),
            typeVocabSize: try json.integer("type_vocab_size", default: base.typeVocabSize, range: 1...1024),
            layerNormEps: Float(try json.double("layer_norm_eps", default: Double(base.layerNormEps))),
            hiddenAct: try json.string("hidden_act", default: base.hiddenAct))
        guard hiddenSize % heads == 0 else {
            throw json.fail("num_attention_heads", "\(heads) heads do not divide hidden_size \(hiddenSize)")
        }
        guard layerNormEps > 0 else { throw json.fail("layer_norm_eps", "must be positive") }
        guard hiddenAct == "gelu" else {
            throw json.fail("hidden_act", "only \"gelu\" (exact erf GELU) is supported, found \"\(hiddenAct)\"")
        }
        if json.object["position_embedding_type"] != nil {
            let kind = try json.string("position_embedding_type", default: "absolute")
            guard kind == "absolute" else { throw json.fail("position_embedding_type", "only \"absolute\" is supported") }
        }
    }
}

extension HypencoderConfig {
    /// Reads a Hypencoder model directory's configuration.
    ///
    /// `config.json` is the official file; we read
    /// `query_encoder_kwargs.converter_kwargs.{vector_dimensions, activation_type, do_residual_on_last}`,
    /// `passage_encoder_kwargs.pooling_type` and `shared_encoder` (defaults as in the
    /// authors' classes: relu, false, cls, false), and ignore everything else the authors'
    /// training code stores. `converter_kwargs.linear_last_weight` (default false) is our
    /// extension: the final weight's generator skips ReLU and LayerNorm (DESIGN.md §2, "A linear
    /// last weight"); the authors' code would compute a different model from such a config.
    /// Two optional top-level keys are ours:
    /// `query_max_length` (default 64) and `document_max_length` (default 512), token limits
    /// including `[CLS]` and `[SEP]`, at most the backbone's `max_position_embeddings`.
    ///
    /// The backbone comes from `bert_config.json` beside it when present (Hugging Face
    /// `BertConfig` keys), else `BertConfig.bertBaseUncased`, which is what the released
    /// checkpoints were trained from.
    ///
    /// Converter switches we do not implement (`do_layer_norm`, `do_residual`,
    /// `layer_norm_before_residual` other than their defaults) are refused rather than ignored,
    /// because ignoring them would silently compute a different model.
    public static func load(directory: String) throws -> HypencoderConfig {
        let json = try ConfigReader.open(directory + "/config.json")
        let bertPath = directory + "/bert_config.json"
        let bert = FileManager.default.fileExists(atPath: bertPath) ? try BertConfig.load(path: bertPath) : .bertBaseUncased
        return try HypencoderConfig(reading: json, bert: bert)
    }

    init(reading json: ConfigReader, bert: BertConfig) throws {
        let query = try json.object("query_encoder_kwargs")
        let converter = try query.object("converter_kwargs")
        let passage = try json.object("passage_encoder_kwargs")

        let dimensions = try converter.integers("vector_dimensions")
        guard dimensions.count >= 2, dimensions.last == 1, dimensions.allSatisfy({ (1...(1 << 16)).contains($0) }) else {
            throw converter.fail("vector_dimensions", "must be [d0, ..., dn, 1] with positive widths, found \(dimensions)")
        }
        guard dimensions[0] == bert.hiddenSize else {
            throw converter.fail(
                "vector_dimensions", "input width \(dimensions[0]) differs from the encoder's hidden_size \(bert.hiddenSize)")
        }
        let activationName = try converter.string("activation_type", default: "relu")
        guard let activation = QNetActivation(rawValue: activationName) else {
            throw converter.fail("activation_type", "unknown activation \"\(activationName)\"")
        }
        for (key, expected) in [("do_layer_norm", true), ("do_residual", true), ("layer_norm_before_residual", true)] {
            guard try converter.bool(key, default: expected) == expected else {
                throw converter.fail(key, "only \(expected) is supported")
            }
        }
        let poolingName = try passage.string("pooling_type", default: "cls")
        guard let pooling = Pooling(rawValue: poolingName) else {
            throw passage.fail("pooling_type", "must be \"cls\" or \"mean\", found \"\(poolingName)\"")
        }
        // Residual connections need equal widths on both sides of each hidden layer.
        let residualLayers = max(0, dimensions.count - 2 - (try converter.bool("do_residual_on_last", default: false) ? 0 : 1))
        for layer in 0..<residualLayers where dimensions[layer] != dimensions[layer + 1] {
            throw converter.fail(
                "vector_dimensions",
                "layer \(layer) has a residual connection but widths \(dimensions[layer]) → \(dimensions[layer + 1]) differ")
        }
        self.init(
            vectorDimensions: dimensions,
            activation: activation,
            doResidualOnLast: try converter.bool("do_residual_on_last", default: false),
            linearLastWeight: try converter.bool("linear_last_weight", default: false),
            pooling: pooling,
            sharedEncoder: try json.bool("shared_encoder", default: false),
            bert: bert,
            queryMaxLength: try json.integer("query_max_length", default: 64, range: 2...bert.maxPositions),
            documentMaxLength: try json.integer("document_max_length", default: 512, range: 2...bert.maxPositions))
    }
}
