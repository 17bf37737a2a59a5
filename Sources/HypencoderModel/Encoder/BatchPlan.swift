/// Splits a long list of sequences into batches that bound memory.
///
/// Batches are packed (`TokenBatch`), so their cost is their token count; BERT's scratch
/// scales with it (the feed-forward buffer alone is tokens × 3072 floats for bert-base). A
/// batch closes when it holds `maxSequences` sequences or when the next one would take it
/// past `maxTokens` tokens. Order is kept.
enum BatchPlan {
    /// Consecutive ranges of indices into `lengths`, covering every index once.
    static func batches(lengths: [Int], maxSequences: Int = 32, maxTokens: Int = 8192) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        var tokens = 0
        for (index, length) in lengths.enumerated() {
            if index > start && (index - start >= maxSequences || tokens + length > maxTokens) {
                result.append(start..<index)
                start = index
                tokens = 0
            }
            tokens += length
        }
        if start < lengths.count { result.append(start..<lengths.count) }
        return result
    }
}
