import HypencoderIndex
import HypencoderModel
import HypencoderRPC

/// `model/info`, `encode/query`, `encode/documents`, `score`: the methods that use the
/// model directly. Each validates its params with `ParamsReader` first; errors from the model
/// and the index pass through to the dispatcher, which maps them (`RPCError(handlerFailure:)`).
struct ModelHandlers {
    let modelAndIndex: ModelAndIndex

    func register(into table: inout [String: MethodHandler]) {
        let modelAndIndex = self.modelAndIndex
        table["model/info"] = { params, _ in
            if params.isGiven { try params.object(allowedKeys: ["workDoneToken"]) }
            _ = try modelAndIndex.requireModel()
            return modelAndIndex.modelSummary()
        }
        table["encode/query"] = { params, context in try Self.encodeQuery(params, context, modelAndIndex) }
        table["encode/documents"] = { params, context in try Self.encodeDocuments(params, context, modelAndIndex) }
        table["score"] = { params, context in try Self.score(params, context, modelAndIndex) }
    }

    /// `{text, includeWeights?}` → the q-net's shape, and its weights (base64 float32) if asked.
    static func encodeQuery(_ params: ParamsReader, _ context: RequestContext, _ modelAndIndex: ModelAndIndex) throws -> JSONValue
    {
        try params.object(allowedKeys: ["text", "includeWeights", "workDoneToken"])
        let text = try params["text"].text(maxLength: HandlerLimits.maxTextBytes)
        let includeWeights = try params["includeWeights"].bool(default: false)
        let model = try modelAndIndex.requireModel()
        let qnet = try qnet(forQuery: text, model: model, context: context)
        var result: JSONObject = [
            "inputDimension": .integer(Int64(qnet.inputDimension)),
            "layers": .array(
                qnet.layers.map { layer in
                    [
                        "inputs": .integer(Int64(layer.inputs)), "outputs": .integer(Int64(layer.outputs)),
                        "residual": .bool(layer.residual),
                    ]
                }),
            "activation": .string(qnet.activation.rawValue),
            "flopsPerDocument": .integer(Int64(qnet.flopsPerDocument)),
            "tokens": .integer(Int64(model.tokenize(query: text).count)),
        ]
        if includeWeights {
            result["weights"] = [
                "encoding": "base64",
                "layers": .array(
                    qnet.layers.map { layer in
                        [
                            "weight": .string(Float32Base64.encode(layer.weight)),
                            "bias": .string(Float32Base64.encode(layer.bias)),
                        ]
                    }),
                "output": .string(Float32Base64.encode(qnet.output)),
            ]
        }
        return .object(result)
    }

    /// `{texts, encoding?}` → `{dimension, encoding, vectors}`.
    static func encodeDocuments(_ params: ParamsReader, _ context: RequestContext, _ modelAndIndex: ModelAndIndex) throws
        -> JSONValue
    {
        try params.object(allowedKeys: ["texts", "encoding", "workDoneToken"])
        let texts = try params["texts"].array(count: 1...HandlerLimits.maxTextsPerCall)
            .map { try $0.text(maxLength: HandlerLimits.maxTextBytes) }
        let encoding = try params["encoding"].choice(["array", "base64"], default: "array")
        let model = try modelAndIndex.requireModel()
        let vectors = try encodeDocumentsInChunks(texts, model: model, context: context)
        return [
            "dimension": .integer(Int64(model.documentDimension)),
            "encoding": .string(encoding),
            "vectors": .array(vectors.map { encodeVector($0, base64: encoding == "base64") }),
        ]
    }

    /// `{query, documents: [{id} | {text} | {vector}]}` → `{scores}`, one per document in
    /// order; `null` for an `id` the index does not hold. Stored documents are scored where
    /// they lie, by the index (`DocumentIndex.score(ids:scorer:)`, one snapshot); texts are
    /// encoded first; given vectors are scored as they are.
    static func score(_ params: ParamsReader, _ context: RequestContext, _ modelAndIndex: ModelAndIndex) throws -> JSONValue {
        try params.object(allowedKeys: ["query", "documents", "collection", "workDoneToken"])
        let query = try params["query"].text(maxLength: HandlerLimits.maxTextBytes)
        let documents = try params["documents"].array(count: 1...HandlerLimits.maxDocumentsPerCall)
        let model = try modelAndIndex.requireModel()
        let dimension = model.documentDimension

        enum Source {
            case id(String)
            case text(String)
            case vector([Float])
        }
        let sources: [Source] = try documents.map { document in
            try document.object(allowedKeys: ["id", "text", "vector"])
            let given = ["id", "text", "vector"].filter { document[$0].isGiven }
            guard given.count == 1 else {
                throw document.error("expected exactly one of \"id\", \"text\" or \"vector\", got \(given.count)")
            }
            switch given[0] {
            case "id": return .id(try document["id"].string(maxLength: 1024, allowEmpty: false))
            case "text": return .text(try document["text"].text(maxLength: HandlerLimits.maxTextBytes))
            default: return .vector(try document["vector"].floatVector(count: dimension))
            }
        }
        let qnet = try qnet(forQuery: query, model: model, context: context)

        var byID: [(position: Int, id: String)] = []
        var byText: [(position: Int, text: String)] = []
        var byVector: [(position: Int, vector: [Float])] = []
        for (position, source) in sources.enumerated() {
            switch source {
            case .id(let id): byID.append((position, id))
            case .text(let text): byText.append((position, text))
            case .vector(let vector): byVector.append((position, vector))
            }
        }
        var scores = [JSONValue](repeating: .null, count: sources.count)
        if !byID.isEmpty {
            let index = try modelAndIndex.requireIndex(params)
            let stored = try index.score(ids: byID.map(\.id), scorer: QNetScorer(qnet: qnet, storage: index.storage))
            for ((position, _), score) in zip(byID, stored) { scores[position] = score.map { .float32($0) } ?? .null }
        }
        let encoded = try encodeDocumentsInChunks(byText.map(\.text), model: model, context: context)
        try context.checkCancelled()
        let given = byVector + zip(byText, encoded).map { (position: $0.position, vector: $1) }
        if !given.isEmpty {
            for ((position, _), score) in zip(given, try qnet.score(given.map(\.vector))) { scores[position] = .float32(score) }
        }
        return ["scores": .array(scores)]
    }
}
