import HypencoderModel
import HypencoderRPC

/// The model calls the handlers share: a query into its q-net, texts into document vectors,
/// vectors into the encoding the client asked for. Errors from the model pass through
/// untouched; the dispatcher maps them (`RPCError(handlerFailure:)`).

/// The prelude of every method that takes a query (`encode/query`, `score`, `search`): checks
/// for cancellation, encodes the query into its q-net, and checks again, since encoding is
/// the longest step before the index is touched (DESIGN.md §4.5).
func qnet(forQuery query: String, model: HypencoderModel, context: RequestContext) throws -> QNet {
    try context.checkCancelled()
    guard let qnet = try model.encodeQueries([query], parallelism: context.parallelism).first else {
        throw RPCError.internalError("model: no q-net for the query")
    }
    try context.checkCancelled()
    return qnet
}

/// Encodes texts in chunks, checking for cancellation and reporting progress between
/// chunks (`$/progress` "report" when the client sent a `workDoneToken`).
func encodeDocumentsInChunks(
    _ texts: [String], model: HypencoderModel, context: RequestContext,
    action: String = "encoded"
) throws -> [[Float]] {
    try encodeInChunks(texts, context: context, action: action) {
        try model.encodeDocuments($0, parallelism: context.parallelism)
    }
}

/// Document token sequences (already `[CLS] … [SEP]` and within the window) encoded in
/// chunks, as `encodeDocumentsInChunks` does for texts.
func encodeDocumentsInChunks(
    tokenIds: [[Int32]], model: HypencoderModel, context: RequestContext,
    action: String = "encoded"
) throws -> [[Float]] {
    try encodeInChunks(tokenIds, context: context, action: action) {
        try model.encodeDocuments(tokenIds: $0, parallelism: context.parallelism)
    }
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
        vectors += try encode(Array(inputs[start..<end]))
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
