/// A batch of token sequences, packed end to end without padding.
///
/// `BertModel` takes a padded `[B, L]` batch and an attention mask. With right padding, every
/// real token's result depends only on the real tokens of its own sequence (masked keys get
/// probability exactly 0), so we store the sequences packed: row r of every activation
/// matrix is one real token. The projections then run as one SGEMM over Σ lengths rows
/// instead of B·L, and attention runs per sequence over its own length, so a batch mixing a
/// 512-token document with short ones costs what the tokens cost, not 512 × B.
public struct TokenBatch: Sendable, Equatable {
    /// All ids, sequence after sequence.
    public let ids: [Int32]
    /// Row of each sequence's first token.
    public let starts: [Int]
    /// Tokens in each sequence.
    public let lengths: [Int]

    public var count: Int { lengths.count }
    public var totalTokens: Int { ids.count }
    public var longest: Int { lengths.max() ?? 0 }

    /// Throws if the batch is empty or a sequence is empty (attention over no token has no
    /// defined result).
    public init(sequences: [[Int32]]) throws {
        guard !sequences.isEmpty else { throw ModelError.invalidInput("empty batch: no token sequences given") }
        var ids: [Int32] = []
        var starts: [Int] = []
        for (b, sequence) in sequences.enumerated() {
            guard !sequence.isEmpty else {
                throw ModelError.invalidInput("token sequence \(b) of the batch is empty")
            }
            starts.append(ids.count)
            ids += sequence
        }
        self.ids = ids
        self.starts = starts
        self.lengths = sequences.map(\.count)
    }

    /// From the padded form `BertModel` takes: `batchSize × length` ids and a mask of 1 (real)
    /// and 0 (padding). Only right padding is accepted (every row `1…1 0…0`, at least one 1):
    /// that is what tokenizers produce, and the only layout where packing is exact (with
    /// holes, `BertModel` would still count the padded positions in the position ids).
    public init(paddedIds: [Int32], mask: [Int32], batchSize: Int, length: Int) throws {
        guard batchSize > 0, length > 0, paddedIds.count == batchSize * length, mask.count == paddedIds.count else {
            throw ModelError.invalidInput(
                "padded batch \(batchSize)×\(length) needs \(batchSize * length) ids and mask values, got \(paddedIds.count) and \(mask.count)"
            )
        }
        var sequences: [[Int32]] = []
        for b in 0..<batchSize {
            let row = mask[(b * length)..<((b + 1) * length)]
            let real = row.prefix(while: { $0 != 0 }).count
            guard row.dropFirst(real).allSatisfy({ $0 == 0 }) else {
                throw ModelError.invalidInput("row \(b) of the attention mask is not right-padded (1…1 0…0)")
            }
            sequences.append(Array(paddedIds[(b * length)..<(b * length + real)]))
        }
        try self.init(sequences: sequences)
    }

    /// The rows of sequence `b`.
    public func rows(of b: Int) -> Range<Int> { starts[b]..<(starts[b] + lengths[b]) }
}
