/// A Hypencoder model directory, loaded and checked against its config.
///
/// INTERFACE STUB: the weights work fills this in; names and types here are the contract
/// the compute code is written against. Additive changes only.
public struct Checkpoint: Sendable {
    public let directory: String
    public let config: HypencoderConfig
    /// BERT tensors by Hugging Face `BertModel` name without prefix
    /// (`embeddings.word_embeddings.weight`, `encoder.layer.0.attention.self.query.weight`, …).
    public let queryBert: [String: Tensor]
    /// The document encoder's BERT; the same tensors as `queryBert` when `sharedEncoder`.
    public let documentBert: [String: Tensor]
    /// Hyperhead tensors by name after `query_encoder.` (`hyper_base_matrices.0`,
    /// `key_projections.3.weight`, …), with their stored shapes.
    public let hyperhead: [String: Tensor]
    /// Hex SHA-256 over the config and every tensor's name, shape and values (exact
    /// definition: `ModelFingerprint`); equal for the same weights in either file format.
    public let fingerprint: String

    public init(
        directory: String, config: HypencoderConfig, queryBert: [String: Tensor],
        documentBert: [String: Tensor], hyperhead: [String: Tensor], fingerprint: String
    ) {
        self.directory = directory
        self.config = config
        self.queryBert = queryBert
        self.documentBert = documentBert
        self.hyperhead = hyperhead
        self.fingerprint = fingerprint
    }

    /// Reads `config.json`, optional `bert_config.json`, and `model.safetensors` or
    /// `pytorch_model.bin` from `directory`.
    ///
    /// Every tensor the config implies is checked (present, float, right shape, finite);
    /// the first problem is thrown as a `ModelError` naming the stored key. See
    /// `HypencoderConfig.load(directory:)` for the config keys and `ModelFingerprint` for
    /// the fingerprint's definition.
    public static func load(directory: String) throws -> Checkpoint {
        try CheckpointLoader.loadHypencoder(directory: directory)
    }
}

/// A plain BERT directory (Hugging Face layout, e.g. all-MiniLM-L6-v2): `config.json` in
/// `BertConfig` form and `model.safetensors` or `pytorch_model.bin`.
public struct BertCheckpoint: Sendable {
    public let directory: String
    public let config: BertConfig
    /// Tensors by `BertModel` name without prefix, as in `Checkpoint.queryBert`.
    public let weights: [String: Tensor]

    public init(directory: String, config: BertConfig, weights: [String: Tensor]) {
        self.directory = directory
        self.config = config
        self.weights = weights
    }

    /// Accepts keys with no prefix (`BertModel.save_pretrained`) or under `bert.`
    /// (`BertFor…` task models); ignores the pooler and integer buffers such as
    /// `embeddings.position_ids`; checks every tensor like `Checkpoint.load`.
    public static func load(directory: String) throws -> BertCheckpoint {
        try CheckpointLoader.loadBert(directory: directory)
    }
}
