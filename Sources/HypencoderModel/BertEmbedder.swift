import Foundation

/// Sentence embeddings from a plain BERT directory (Hugging Face layout, e.g.
/// all-MiniLM-L6-v2): tokenize, encode, pool. No normalisation is applied.
///
/// Thread safety: immutable after `init`; `embed` may be called concurrently.
public final class BertEmbedder: @unchecked Sendable {
    public let config: BertConfig
    public let tokenizer: WordPieceTokenizer
    let encoder: BertEncoder

    public convenience init(directory: String) throws {
        try BLAS.load()
        let vocabulary = (directory as NSString).appendingPathComponent("vocab.txt")
        guard FileManager.default.fileExists(atPath: vocabulary) else {
            throw ModelError.file(
                path: vocabulary, reason: "vocabulary not found: a BERT directory needs vocab.txt beside config.json")
        }
        let tokenizer = try WordPieceTokenizer.load(directory: directory)
        try self.init(checkpoint: try BertCheckpoint.load(directory: directory), tokenizer: tokenizer)
    }

    public init(checkpoint: BertCheckpoint, tokenizer: WordPieceTokenizer) throws {
        try BLAS.load()
        config = checkpoint.config
        self.tokenizer = tokenizer
        encoder = try BertEncoder(config: checkpoint.config, weights: checkpoint.weights)
    }

    /// Token ids of `text`, `[CLS] … [SEP]`, at most `maxLength` (capped by the position table).
    public func tokenize(_ text: String, maxLength: Int = 512) -> [Int32] {
        tokenizer.encode(text, maxLength: min(max(2, maxLength), config.maxPositions))
    }

    /// One pooled vector per text.
    public func embed(_ texts: [String], maxLength: Int = 512, pooling: Pooling = .mean) throws -> [[Float]] {
        try embed(tokenIds: texts.map { tokenize($0, maxLength: maxLength) }, pooling: pooling)
    }

    /// One pooled vector per token sequence.
    public func embed(tokenIds: [[Int32]], pooling: Pooling = .mean) throws -> [[Float]] {
        var results: [[Float]] = []
        results.reserveCapacity(tokenIds.count)
        for range in BatchPlan.batches(lengths: tokenIds.map(\.count)) {
            let batch = try TokenBatch(sequences: Array(tokenIds[range]))
            results += try encoder.pooledVectors(batch, pooling: pooling)
        }
        return results
    }
}
