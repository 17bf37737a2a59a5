import HypencoderIndex
import HypencoderModel
import HypencoderRPC

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

extension RPCError {
    /// An index failure as a JSON-RPC error that keeps the index's own wording.
    static func index(_ error: Error) -> RPCError {
        if let error = error as? RPCError { return error }
        return RPCError(code: Services.Code.indexError, message: "index: \(error)")
    }

    /// A model failure (bad input the params check could not see, or an engine error).
    static func model(_ error: Error) -> RPCError {
        if let error = error as? RPCError { return error }
        return .internalError("model: \(error)")
    }
}

/// Lets the index score documents with a query's q-net. Public so that
/// `Benchmarks/DaemonBenchmarks` can time the same search in process.
public struct QNetScorer: DocumentScorer {
    let qnet: QNet
    public var dimension: Int { qnet.inputDimension }

    public init(qnet: QNet) { self.qnet = qnet }

    public func score(documents: UnsafePointer<Float>, count: Int, into: UnsafeMutablePointer<Float>) {
        // A workspace is not thread-safe, and the index may call us from several threads.
        let workspace = QNetWorkspace()
        do {
            try qnet.score(documents: documents, count: count, dimension: dimension, into: into, workspace: workspace)
        } catch {
            // Only a dimension mismatch throws, and the index checks `dimension` first.
            into.update(repeating: -.infinity, count: count)
        }
    }
}

/// Encodes texts in chunks, checking for cancellation and reporting progress between
/// chunks (`$/progress` "report" when the client sent a `workDoneToken`).
func encodeDocumentsInChunks(
    _ texts: [String], model: HypencoderModel, context: RequestContext,
    action: String = "encoded"
) throws -> [[Float]] {
    try encodeInChunks(texts, context: context, action: action) { try model.encodeDocuments($0) }
}

/// Document token sequences (already `[CLS] … [SEP]` and within the window) encoded in
/// chunks, as `encodeDocumentsInChunks` does for texts.
func encodeDocumentsInChunks(
    tokenIds: [[Int32]], model: HypencoderModel, context: RequestContext,
    action: String = "encoded"
) throws -> [[Float]] {
    try encodeInChunks(tokenIds, context: context, action: action) { try model.encodeDocuments(tokenIds: $0) }
}

private func encodeInChunks<Input>(
    _ inputs: [Input], context: RequestContext, action: String, _ encode: ([Input]) throws -> [[Float]]
) throws -> [[Float]] {
    var vectors: [[Float]] = []
    vectors.reserveCapacity(inputs.count)
    var start = 0
    while start < inputs.count {
        try context.checkCancelled()
        let end = min(inputs.count, start + HandlerLimits.encodeChunk)
        do {
            vectors += try encode(Array(inputs[start..<end]))
        } catch {
            throw RPCError.model(error)
        }
        start = end
        if inputs.count > HandlerLimits.encodeChunk {
            context.report("\(action) \(start) of \(inputs.count) documents", percentage: start * 100 / inputs.count)
        }
    }
    return vectors
}

/// A vector in the encoding the client asked for.
func encodeVector(_ vector: [Float], base64: Bool) -> JSONValue {
    base64 ? .string(Float32Base64.encode(vector)) : .float32Array(vector)
}
