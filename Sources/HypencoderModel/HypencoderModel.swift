import CoreScheduling
import Foundation

/// A Hypencoder, ready to encode queries into q-nets and documents into vectors.
///
/// Loads once: OpenBLAS (`BLAS.load()`), the checkpoint, the tokenizer. Then every method
/// is a pure function of its input.
///
/// Thread safety: immutable after `init`. `encodeQueries`, `encodeDocuments`, `score` and
/// `tokenize` may be called concurrently from any number of threads; each call allocates
/// its own scratch, and OpenBLAS calls are safe to run concurrently once loaded.
public final class HypencoderModel: @unchecked Sendable {
    public let config: HypencoderConfig
    /// The checkpoint's fingerprint: the index records it and refuses vectors from another model.
    public let fingerprint: String
    /// The OpenBLAS kernel in use.
    public let blas: BLASSelection
    public let tokenizer: WordPieceTokenizer
    let queryEncoder: BertEncoder
    let documentEncoder: BertEncoder
    let hyperHead: HyperHead

    /// Loads a model directory (`config.json`, weights, `vocab.txt`).
    public convenience init(directory: String) throws {
        let blas = try BLAS.load()
        let vocabulary = (directory as NSString).appendingPathComponent("vocab.txt")
        guard FileManager.default.fileExists(atPath: vocabulary) else {
            throw ModelError.file(
                path: vocabulary,
                reason: "vocabulary not found: a Hypencoder directory needs the BERT vocab.txt beside config.json")
        }
        let tokenizer = try WordPieceTokenizer.load(directory: directory)
        try self.init(checkpoint: try Checkpoint.load(directory: directory), tokenizer: tokenizer, blas: blas)
    }

    /// Builds the model from an already loaded checkpoint (tests build one in memory).
    public init(checkpoint: Checkpoint, tokenizer: WordPieceTokenizer, blas: BLASSelection? = nil) throws {
        let config = checkpoint.config
        for (key, limit) in [("query_max_length", config.queryMaxLength), ("document_max_length", config.documentMaxLength)]
        where limit < 2 || limit > config.bert.maxPositions {
            throw ModelError.config(
                key: key, reason: "\(limit) must be between 2 and max_position_embeddings \(config.bert.maxPositions)")
        }
        guard config.vectorDimensions.first == config.bert.hiddenSize else {
            throw ModelError.config(
                key: "query_encoder_kwargs.converter_kwargs.vector_dimensions",
                reason: "first width \(config.vectorDimensions.first ?? 0) must equal hidden_size \(config.bert.hiddenSize)")
        }
        self.blas = try blas ?? BLAS.load()
        self.config = config
        self.fingerprint = checkpoint.fingerprint
        self.tokenizer = tokenizer
        queryEncoder = try BertEncoder(
            config: config.bert, weights: checkpoint.queryBert, namePrefix: "query_encoder.transformer.")
        documentEncoder =
            config.sharedEncoder
            ? queryEncoder
            : try BertEncoder(
                config: config.bert, weights: checkpoint.documentBert, namePrefix: "passage_encoder.transformer.")
        hyperHead = try HyperHead(
            dimensions: config.vectorDimensions, modelDimension: config.bert.hiddenSize,
            activation: config.activation, residualOnLast: config.doResidualOnLast,
            linearLastWeight: config.linearLastWeight, weights: checkpoint.hyperhead)
    }

    /// `[CLS] … [SEP]` ids of a query, truncated to `config.queryMaxLength`.
    public func tokenize(query: String) -> [Int32] {
        tokenizer.encode(query, maxLength: config.queryMaxLength)
    }

    /// `[CLS] … [SEP]` ids of a document, truncated to `config.documentMaxLength`.
    public func tokenize(document: String) -> [Int32] {
        tokenizer.encode(document, maxLength: config.documentMaxLength)
    }

    /// `tokenize(document:)`'s ids, and whether the text went on past the document window
    /// (`config.documentMaxLength` tokens), so that the model reads only its start.
    ///
    /// The index stores a long text whole but encodes what fits; this is how it learns which
    /// texts were cut, to tell the client. One extra token is asked of the tokenizer: if it
    /// comes back, there was more than the window. The tokenizer stops reading as soon as it
    /// has enough, so a 4 MiB text costs about as much as a window-sized one.
    public func tokenizeReportingTruncation(document: String) -> (ids: [Int32], truncated: Bool) {
        let window = config.documentMaxLength
        let longer = tokenizer.encode(document, maxLength: window + 1)
        guard longer.count > window else { return (longer, false) }
        // [CLS] + the first window - 2 pieces + [SEP], exactly what `tokenize(document:)` gives.
        return (Array(longer.prefix(window - 1)) + [tokenizer.sepId], true)
    }

    /// One q-net per query text.
    public func encodeQueries(_ texts: [String], parallelism: Parallelism = .serial) throws -> [QNet] {
        try encodeQueries(tokenIds: texts.map { tokenize(query: $0) }, parallelism: parallelism)
    }

    /// One q-net per token sequence (already including `[CLS]`/`[SEP]`).
    public func encodeQueries(tokenIds: [[Int32]], parallelism: Parallelism = .serial) throws -> [QNet] {
        // The hyperhead projects every query token to all 2(2n+1) keys and values at once
        // (26 × 768 floats per token for the released models): 1024 tokens keep that near 80 MB
        // while still sharing one read of the projection weights across the batch.
        try inBatches(tokenIds, limit: config.queryMaxLength, maxTokens: 1024, what: "query") { batch in
            try hyperHead.generate(
                states: try queryEncoder.encode(batch, parallelism: parallelism), batch: batch, parallelism: parallelism)
        }
    }

    /// One vector per document text (`config.pooling` of the last layer).
    public func encodeDocuments(_ texts: [String], parallelism: Parallelism = .serial) throws -> [[Float]] {
        try encodeDocuments(tokenIds: texts.map { tokenize(document: $0) }, parallelism: parallelism)
    }

    /// One vector per token sequence (already including `[CLS]`/`[SEP]`).
    ///
    /// `parallelism` splits each batch's layers over the scheduler's threads (`BertEncoder`);
    /// the vectors are the same as serially up to float rounding of the sliced GEMMs. With
    /// `cls` pooling the last layer runs for the `[CLS]` rows only (`encodeFirstTokens`).
    public func encodeDocuments(tokenIds: [[Int32]], parallelism: Parallelism = .serial) throws -> [[Float]] {
        try inBatches(tokenIds, limit: config.documentMaxLength, maxTokens: 8192, what: "document") { batch in
            try documentEncoder.pooledVectors(batch, pooling: config.pooling, parallelism: parallelism)
        }
    }

    /// `scores[q][d]`: every query's q-net applied to every document.
    public func score(queries: [String], documents: [String]) throws -> [[Float]] {
        let vectors = try encodeDocuments(documents)
        return try encodeQueries(queries).map { try $0.score(vectors) }
    }

    /// Runs `body` over consecutive batches of at most 32 sequences and `maxTokens` tokens
    /// (bounding scratch memory) and returns the results in input order.
    private func inBatches<Result>(
        _ sequences: [[Int32]], limit: Int, maxTokens: Int, what: String, _ body: (TokenBatch) throws -> [Result]
    ) throws -> [Result] {
        for (i, sequence) in sequences.enumerated() where sequence.count > limit {
            throw ModelError.invalidInput("\(what) \(i) has \(sequence.count) tokens, more than the limit of \(limit)")
        }
        var results: [Result] = []
        results.reserveCapacity(sequences.count)
        for range in BatchPlan.batches(lengths: sequences.map(\.count), maxTokens: maxTokens) {
            results += try body(try TokenBatch(sequences: Array(sequences[range])))
        }
        return results
    }
}
