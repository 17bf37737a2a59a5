/// Backbone hyper-parameters in Hugging Face `BertConfig` terms.
///
/// The released Hypencoder checkpoints carry no BERT config; bert-base-uncased applies
/// unless the model directory has a `bert_config.json` (DESIGN.md §2).
public struct BertConfig: Sendable, Equatable {
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    public var intermediateSize: Int
    public var vocabSize: Int
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    /// Hugging Face `hidden_act`; only exact-erf "gelu" is supported.
    public var hiddenAct: String

    public init(
        hiddenSize: Int, layers: Int, heads: Int, intermediateSize: Int, vocabSize: Int,
        maxPositions: Int, typeVocabSize: Int, layerNormEps: Float, hiddenAct: String
    ) {
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.heads = heads
        self.intermediateSize = intermediateSize
        self.vocabSize = vocabSize
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.hiddenAct = hiddenAct
    }

    public static let bertBaseUncased = BertConfig(
        hiddenSize: 768, layers: 12, heads: 12, intermediateSize: 3072, vocabSize: 30522,
        maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12, hiddenAct: "gelu")
}

/// How a document's token states become one vector.
public enum Pooling: String, Sendable, Equatable {
    /// The raw last-layer state of `[CLS]`.
    case cls
    /// The mean of the last layer over real (unmasked) tokens.
    case mean
}

/// The q-net's activation (`activation_type` in the official config).
public enum QNetActivation: String, Sendable, Equatable {
    case relu, tanh, sigmoid, gelu
    case leakyRelu = "leaky_relu"
}

/// Everything the official `config.json` says that changes arithmetic, plus the backbone.
public struct HypencoderConfig: Sendable, Equatable {
    /// `[d0, d1, …, dn, 1]`: the q-net's layer widths.
    public var vectorDimensions: [Int]
    public var activation: QNetActivation
    public var doResidualOnLast: Bool
    /// Our extension `converter_kwargs.linear_last_weight` (default false, the official
    /// arithmetic): the final q-net weight is generated without ReLU and LayerNorm, so a head
    /// can pass the query's mean embedding through unchanged and start as its bi-encoder.
    public var linearLastWeight: Bool
    public var pooling: Pooling
    public var sharedEncoder: Bool
    public var bert: BertConfig
    /// Token limits including `[CLS]` and `[SEP]` (the authors use 64 and 512). Read from
    /// the optional top-level `query_max_length` / `document_max_length` keys of
    /// `config.json` (our addition; see `HypencoderConfig.load(directory:)`).
    public var queryMaxLength: Int
    public var documentMaxLength: Int

    public init(
        vectorDimensions: [Int], activation: QNetActivation = .relu, doResidualOnLast: Bool = false,
        linearLastWeight: Bool = false, pooling: Pooling = .cls, sharedEncoder: Bool = true, bert: BertConfig = .bertBaseUncased,
        queryMaxLength: Int = 64, documentMaxLength: Int = 512
    ) {
        self.vectorDimensions = vectorDimensions
        self.activation = activation
        self.doResidualOnLast = doResidualOnLast
        self.linearLastWeight = linearLastWeight
        self.pooling = pooling
        self.sharedEncoder = sharedEncoder
        self.bert = bert
        self.queryMaxLength = queryMaxLength
        self.documentMaxLength = documentMaxLength
    }

    /// Number of hidden q-net layers n (`vectorDimensions.count - 2`).
    public var hiddenLayers: Int { vectorDimensions.count - 2 }
}
