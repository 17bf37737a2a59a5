/// Per-request bounds the method handlers enforce with `ParamsReader`, so one request
/// cannot ask for unbounded work or memory; each refusal names the field and the bound.
enum HandlerLimits {
    /// Longest text of a query, or of a document only encoded or scored (`encode/documents`,
    /// `score`), in UTF-8 bytes: the model reads only its window, so the bound is about memory
    /// and tokenizer time. `index/add` instead takes texts up to the index's own
    /// `IndexLimits.maxTextBytes` (4 MiB), because it stores them whole: a client that wants a
    /// long document kept and found should not have to cut it to the model's window first.
    static let maxTextBytes = 1 << 20
    /// Most texts in one `encode/documents` call.
    static let maxTextsPerCall = 1_024
    /// Most documents in one `score` or `index/add` call, or ids in `index/get` / `index/delete`.
    static let maxDocumentsPerCall = 10_000
    /// Largest `k` for `search`.
    static let maxK = 10_000
    /// Bounds of approximate search's `params` (the paper's largest setting uses 10,000 entry
    /// points, 128 candidates and 20 rounds; these leave room above that without letting one
    /// request turn into an unbounded walk).
    static let maxEntryPoints = 100_000
    static let maxCandidates = 10_000
    static let maxIterations = 100_000
    /// Texts encoded between two cancellation checks / progress reports.
    static let encodeChunk = 16
}
