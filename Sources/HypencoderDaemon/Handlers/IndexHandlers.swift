import Dispatch
import HypencoderIndex
import HypencoderModel
import HypencoderRPC

/// `search` and the `index/*` methods. Reads run concurrently on index snapshots; updates
/// are serialised by the index itself and answered only once their log record is
/// fsync'ed (the index's `upsert`/`delete` return after that), so a reply means durable.
/// The index's errors pass through to the dispatcher, which maps them to -32022
/// (`RPCError(handlerFailure:)`).
struct IndexHandlers {
    let modelAndIndex: ModelAndIndex

    /// The `mode`s `search` takes, as `initialize` lists them.
    static let searchModes = ["exact", "approximate"]

    func register(into table: inout [String: MethodHandler]) {
        let modelAndIndex = self.modelAndIndex
        table["search"] = { params, context in try Self.search(params, context, modelAndIndex) }
        table["index/add"] = { params, context in try Self.add(params, context, modelAndIndex) }
        table["index/delete"] = { params, _ in
            try params.object(allowedKeys: ["ids", "collection", "workDoneToken"])
            let ids = try Self.ids(params["ids"])
            let counts = try modelAndIndex.requireIndex(params).delete(ids: ids)
            return ["deleted": .integer(Int64(counts.deleted)), "notFound": .integer(Int64(counts.notFound))]
        }
        table["index/get"] = { params, _ in
            try params.object(allowedKeys: ["ids", "include", "encoding", "collection", "workDoneToken"])
            let ids = try Self.ids(params["ids"])
            let include = try Self.include(params["include"], allowed: ["text", "metadata", "vector"])
            let base64 = try params["encoding"].choice(["array", "base64"], default: "array") == "base64"
            let index = try modelAndIndex.requireIndex(params)
            let documents = try index.get(ids: ids).map { stored -> JSONValue in
                guard let stored else { return .null }
                return Self.describe(stored, include: include, base64: base64)
            }
            return ["documents": .array(documents)]
        }
        table["index/stats"] = { params, _ in
            if params.isGiven { try params.object(allowedKeys: ["collection", "workDoneToken"]) }
            let index = try modelAndIndex.requireIndex(params)
            let snapshot = index.snapshot()
            return [
                "documents": .integer(Int64(snapshot.count)),
                "slots": .integer(Int64(snapshot.slotCount)),
                "dimension": .integer(Int64(index.dimension)),
                "storage": .string(index.storage.rawValue),
                "directory": .string(index.directory),
                "fingerprint": .string(index.fingerprint),
                "backgroundCompactions": .integer(Int64(index.backgroundCompactions)),
                "vectorBytes": .integer(Int64(index.statistics().vectorBytes)),
                "graphBytes": .integer(Int64(index.graphBytes)),
            ]
        }
        table["index/checkpoint"] = { params, _ in
            if params.isGiven { try params.object(allowedKeys: ["collection", "workDoneToken"]) }
            let index = try modelAndIndex.requireIndex(params)
            try index.checkpoint()
            return ["documents": .integer(Int64(index.count))]
        }
        table["index/compact"] = { params, _ in
            if params.isGiven { try params.object(allowedKeys: ["collection", "workDoneToken"]) }
            let index = try modelAndIndex.requireIndex(params)
            try index.compact()
            return ["documents": .integer(Int64(index.count))]
        }
    }

    /// `{query, k?, mode?, params?, include?}` →
    /// `{mode, results: [{id, score, text?, metadata?}], documentsScored, elapsedMs}`.
    /// `elapsedMs` covers encoding the query and the search itself (not queueing or I/O).
    /// Text and metadata come from the snapshot that was scored (`SearchResult`), never from a
    /// later look-up, so they always belong to the version whose score is reported.
    static func search(_ params: ParamsReader, _ context: RequestContext, _ modelAndIndex: ModelAndIndex) throws -> JSONValue {
        try params.object(allowedKeys: ["query", "k", "mode", "params", "include", "collection", "workspace", "workDoneToken"])
        let query = try params["query"].text(maxLength: HandlerLimits.maxTextBytes)
        let k = try params["k"].int(in: 1...HandlerLimits.maxK, default: 10)
        let mode = try params["mode"].choice(searchModes, default: "exact")
        let graphRequest = try approximateParameters(params["params"], mode: mode)
        let include = try include(params["include"], allowed: ["text", "metadata"])
        let model = try modelAndIndex.requireModel()
        let index = try searchedCollection(params, modelAndIndex)
        let graphParameters = graphRequest.map { $0(index.count) }
        let started = DispatchTime.now().uptimeNanoseconds
        let scorer = QNetScorer(qnet: try qnet(forQuery: query, model: model, context: context), storage: index.storage)
        let found = try index.search(
            scorer: scorer, k: k, method: graphParameters.map { .approximate($0) } ?? .exact,
            parallelism: context.parallelism)
        let elapsedMs = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
        let items: [JSONValue] = try found.hits.enumerated().map { position, hit in
            var item: JSONObject = ["id": .string(hit.id), "score": .float32(hit.score)]
            let record = try found.record(ofHit: position, text: include.contains("text"))
            if include.contains("text") { item["text"] = record.text.map { .string($0) } ?? .null }
            // Parsed only when asked for or when it may hold a passage's location: a k of
            // 10,000 over documents with metadata should not pay 10,000 parses for nothing.
            if include.contains("metadata") || PassageLocation.mayHoldLocation(record.metadata) {
                let metadata = metadataJSON(record.metadata)
                if include.contains("metadata") { item["metadata"] = metadata }
                for (key, value) in PassageLocation.fields(of: metadata) { item[key] = value }
            }
            return .object(item)
        }
        return [
            "mode": .string(mode), "results": .array(items), "documentsScored": .integer(Int64(found.documentsScored)),
            "elapsedMs": .double((elapsedMs * 1000).rounded() / 1000),
        ]
    }

    /// `params.params` of an approximate search (nil for exact search, where giving it is an
    /// error rather than silently ignored). Names follow the paper's code: `entryPoints`,
    /// `ncandidates`, `maxIter`; `traversal` picks our search or the paper's exact algorithm.
    ///
    /// Checked before the collection is looked up (a bad `params` is named first), so the
    /// result is a function of the collection's size: what is not given comes from
    /// `ApproximateSearchParameters.defaults(forDocuments:)` in our traversal, from the paper's
    /// "Efficient 1" in its.
    static func approximateParameters(
        _ reader: ParamsReader, mode: String
    ) throws -> ((_ documents: Int) -> ApproximateSearchParameters)? {
        guard mode == "approximate" else {
            if reader.isGiven { throw reader.error("only approximate search takes parameters (mode is \"exact\")") }
            return nil
        }
        guard reader.isGiven else { return { ApproximateSearchParameters.defaults(forDocuments: $0) } }
        try reader.object(allowedKeys: ["traversal", "entryPoints", "ncandidates", "maxIter", "seed"])
        let traversal = try reader["traversal"].choice(ApproximateSearchMode.allCases.map(\.rawValue), default: "improved")
        let chosen = ApproximateSearchMode(rawValue: traversal) ?? .improved
        let entryPoints =
            reader["entryPoints"].isGiven ? try reader["entryPoints"].int(in: 1...HandlerLimits.maxEntryPoints) : nil
        let ncandidates = reader["ncandidates"].isGiven ? try reader["ncandidates"].int(in: 1...HandlerLimits.maxCandidates) : nil
        let maxIter = reader["maxIter"].isGiven ? try reader["maxIter"].int(in: 0...HandlerLimits.maxIterations) : nil
        let seed = reader["seed"].isGiven ? try reader["seed"].int(in: 0...Int(Int32.max)) : nil
        return { documents in
            let defaults =
                chosen == .paper
                ? ApproximateSearchParameters.paperEfficient1 : ApproximateSearchParameters.defaults(forDocuments: documents)
            return ApproximateSearchParameters(
                mode: chosen, entryPoints: entryPoints ?? defaults.entryPoints, ncandidates: ncandidates ?? defaults.ncandidates,
                maxIter: maxIter ?? defaults.maxIter, seed: seed.map(UInt64.init) ?? defaults.seed)
        }
    }

    /// `{documents: [{id, text? | vector?, metadata?}]}` → `{added, updated, truncated?,
    /// documentMaxTokens?}` once durable.
    ///
    /// A text may be as long as the index stores (`IndexLimits.maxTextBytes`), longer than the
    /// model's window: it is stored whole and encoded from its first `documentMaxLength`
    /// tokens, and its id is listed in `truncated` (with the window as `documentMaxTokens`),
    /// so a client that only wants it indexed is told rather than refused.
    static func add(_ params: ParamsReader, _ context: RequestContext, _ modelAndIndex: ModelAndIndex) throws -> JSONValue {
        try params.object(allowedKeys: ["documents", "collection", "workDoneToken"])
        let documents = try params["documents"].array(count: 1...HandlerLimits.maxDocumentsPerCall)
        let model = try modelAndIndex.requireModel()
        let index = try modelAndIndex.requireIndex(params, create: true)
        struct Pending {
            var id: String
            var text: String?
            var vector: [Float]?
            var metadata: [UInt8]?
        }
        var pending: [Pending] = try documents.map { document in
            try document.object(allowedKeys: ["id", "text", "vector", "metadata"])
            let id = try document["id"].string(maxLength: index.options.limits.maxIDBytes, allowEmpty: false)
            let text = document["text"].isGiven ? try document["text"].text(maxLength: index.options.limits.maxTextBytes) : nil
            let vector = document["vector"].isGiven ? try document["vector"].floatVector(count: index.dimension) : nil
            guard text != nil || vector != nil else {
                throw document.error("expected \"text\" (to encode) or \"vector\" (already encoded)")
            }
            var metadata: [UInt8]?
            if document["metadata"].isGiven {
                let bytes = JSONValue.object(try document["metadata"].object()).serialized()
                let limit = index.options.limits.maxMetadataBytes
                guard bytes.count <= limit else {
                    throw document["metadata"].error("\(bytes.count) bytes of JSON is more than the maximum of \(limit)")
                }
                metadata = bytes
            }
            return Pending(id: id, text: text, vector: vector, metadata: metadata)
        }
        let toEncode = pending.indices.filter { pending[$0].vector == nil }
        var truncated: [String] = []
        let tokenIds = toEncode.map { slot -> [Int32] in
            let (ids, cut) = model.tokenizeReportingTruncation(document: pending[slot].text ?? "")
            if cut { truncated.append(pending[slot].id) }
            return ids
        }
        let vectors = try encodeDocumentsInChunks(tokenIds: tokenIds, model: model, context: context)
        for (slot, vector) in zip(toEncode, vectors) { pending[slot].vector = vector }
        try context.checkCancelled()  // last point where stopping leaves the index untouched
        let upserts = pending.map { DocumentUpsert(id: $0.id, vector: $0.vector ?? [], metadata: $0.metadata, text: $0.text) }
        let counts = try index.upsert(upserts)
        var result: JSONObject = ["added": .integer(Int64(counts.added)), "updated": .integer(Int64(counts.updated))]
        if !truncated.isEmpty {
            result["truncated"] = .array(truncated.map { .string($0) })
            result["documentMaxTokens"] = .integer(Int64(model.config.documentMaxLength))
        }
        return .object(result)
    }

    /// The collection `search` runs on: `collection` by name, or `workspace` by a path inside
    /// an indexed workspace (what an editor knows), or the default one.
    static func searchedCollection(_ params: ParamsReader, _ modelAndIndex: ModelAndIndex) throws -> DocumentIndex {
        let workspace = params["workspace"]
        guard workspace.isGiven else { return try modelAndIndex.requireIndex(params) }
        if params["collection"].isGiven { throw workspace.error("give either \"collection\" or \"workspace\", not both") }
        let collections = try modelAndIndex.requireCollections()
        let path = try WorkspacePaths.absolute(workspace)
        guard let found = collections.workspace(containing: path),
            let index = try collections.index(named: found.name, create: false)
        else {
            throw workspace.error(
                "no indexed workspace contains \(path): index its folder first (hypencoder index DIR, or workspace/index)")
        }
        return index
    }

    // MARK: Helpers

    static func ids(_ reader: ParamsReader) throws -> [String] {
        try reader.array(count: 1...HandlerLimits.maxDocumentsPerCall).map { try $0.string(maxLength: 1024, allowEmpty: false) }
    }

    static func include(_ reader: ParamsReader, allowed: [String]) throws -> Set<String> {
        guard reader.isGiven else { return [] }
        return Set(try reader.array(count: 0...allowed.count).map { try $0.choice(allowed) })
    }

    static func describe(_ document: StoredDocument, include: Set<String>, base64: Bool) -> JSONValue {
        var object: JSONObject = ["id": .string(document.id)]
        if include.contains("text") { object["text"] = document.text.map { .string($0) } ?? .null }
        if include.contains("metadata") { object["metadata"] = metadataJSON(document.metadata) }
        if include.contains("vector") { object["vector"] = encodeVector(document.vector, base64: base64) }
        return .object(object)
    }

    /// Metadata is stored as the JSON bytes the client sent (validated on the way in).
    static func metadataJSON(_ bytes: [UInt8]?) -> JSONValue {
        guard let bytes, let value = try? JSONValue.parse(bytes) else { return .null }
        return value
    }
}
