import HypencoderIndex
import HypencoderModel
import HypencoderRPC

/// `model/info`, `encode/query`, `encode/documents`, `score`: the methods that use the
/// model directly. Each validates its params with `ParamsReader` first.
struct ModelHandlers {
    let services: Services

    func register(into table: inout [String: MethodHandler]) {
        let services = self.services
        table["model/info"] = { params, _ in
            if params.isGiven { try params.object(allowedKeys: ["workDoneToken"]) }
            _ = try services.requireModel()
            return services.modelSummary()
        }
        table["encode/query"] = { params, context in try Self.encodeQuery(params, context, services) }
        table["encode/documents"] = { params, context in try Self.encodeDocuments(params, context, services) }
        table["score"] = { params, context in try Self.score(params, context, services) }
    }

    /// `{text, includeWeights?}` → the q-net's shape, and its weights (base64 float32) if asked.
    static func encodeQuery(_ params: ParamsReader, _ context: RequestContext, _ services: Services) throws -> JSONValue {
        try params.object(allowedKeys: ["text", "includeWeights", "workDoneToken"])
        let text = try params["text"].text(maxLength: HandlerLimits.maxTextBytes)
        let includeWeights = try params["includeWeights"].bool(default: false)
        let model = try services.requireModel()
        try context.checkCancelled()
        let qnet: QNet
        do {
            guard let first = try model.encodeQueries([text]).first else { throw RPCError.internalError("no q-net") }
            qnet = first
        } catch { throw RPCError.model(error) }
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
    static func encodeDocuments(_ params: ParamsReader, _ context: RequestContext, _ services: Services) throws -> JSONValue {
        try params.object(allowedKeys: ["texts", "encoding", "workDoneToken"])
        let texts = try params["texts"].array(count: 1...HandlerLimits.maxTextsPerCall)
            .map { try $0.text(maxLength: HandlerLimits.maxTextBytes) }
        let encoding = try params["encoding"].choice(["array", "base64"], default: "array")
        let model = try services.requireModel()
        let vectors = try encodeDocumentsInChunks(texts, model: model, context: context)
        return [
            "dimension": .integer(Int64(model.documentDimension)),
            "encoding": .string(encoding),
            "vectors": .array(vectors.map { encodeVector($0, base64: encoding == "base64") }),
        ]
    }

    /// `{query, documents: [{id} | {text} | {vector}]}` → `{scores}`, one per document in
    /// order; `null` for an `id` the index does not hold.
    static func score(_ params: ParamsReader, _ context: RequestContext, _ services: Services) throws -> JSONValue {
        try params.object(allowedKeys: ["query", "documents", "workDoneToken"])
        let query = try params["query"].text(maxLength: HandlerLimits.maxTextBytes)
        let documents = try params["documents"].array(count: 1...HandlerLimits.maxDocumentsPerCall)
        let model = try services.requireModel()
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
        try context.checkCancelled()
        let qnet: QNet
        do {
            guard let first = try model.encodeQueries([query]).first else { throw RPCError.internalError("no q-net") }
            qnet = first
        } catch { throw RPCError.model(error) }

        var vectors = [[Float]?](repeating: nil, count: sources.count)
        var textSlots: [Int] = []
        var texts: [String] = []
        var idSlots: [Int] = []
        var ids: [String] = []
        for (slot, source) in sources.enumerated() {
            switch source {
            case .vector(let v): vectors[slot] = v
            case .text(let t):
                textSlots.append(slot)
                texts.append(t)
            case .id(let id):
                idSlots.append(slot)
                ids.append(id)
            }
        }
        if !ids.isEmpty {
            let index = try services.requireIndex()
            for (slot, stored) in zip(idSlots, index.get(ids: ids)) { vectors[slot] = stored?.vector }
        }
        for (slot, vector) in zip(textSlots, try encodeDocumentsInChunks(texts, model: model, context: context)) {
            vectors[slot] = vector
        }
        try context.checkCancelled()
        let present = vectors.enumerated().compactMap { slot, vector in vector.map { (slot, $0) } }
        let scored: [Float]
        do { scored = try qnet.score(present.map(\.1)) } catch { throw RPCError.model(error) }
        var scores = [JSONValue](repeating: .null, count: sources.count)
        for ((slot, _), score) in zip(present, scored) { scores[slot] = .float32(score) }
        return ["scores": .array(scores)]
    }
}
