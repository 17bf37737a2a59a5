import HypencoderIndex
import HypencoderModel
import HypencoderRPC

/// The model and the index the methods work on, loaded once at start-up
/// (`ModelAndIndex+Loading.swift`) and closed at the end of a clean stop.
///
/// Either may be absent. Without `--model` the daemon still runs — the lifecycle,
/// `server/status` and `$/cancelRequest` work — and every model or index method answers
/// with `ServerErrorCode.modelNotLoaded` / `.indexNotLoaded`, saying which flag is missing:
/// a daemon that explains itself is easier to diagnose under systemd than one that refuses
/// to start. An index always needs the model, because its vectors are tied to the model's
/// fingerprint.
///
/// Threading: immutable after loading; both the model and the index are safe to use from
/// many worker threads at once (see `HypencoderModel` and `DocumentIndex`), which is what
/// lets handlers run in parallel.
public final class ModelAndIndex: Sendable {
    public let model: HypencoderModel?
    /// The default collection: the `--index` directory.
    public let index: DocumentIndex?
    /// Every collection, the default one included (nil without an index).
    let collections: CollectionRegistry?
    /// Where the model was loaded from, for `model/info` and `initialize`.
    let modelDirectory: String?
    /// The outermost directory that opening the index created (the index directory itself,
    /// or a missing parent), nil when it already existed. `abandonStart` removes it, so a
    /// start that fails on its socket leaves no empty index behind to puzzle the next one.
    let createdIndexDirectory: String?

    /// - Throws: when a named collection under the index cannot be opened.
    init(model: HypencoderModel?, index: DocumentIndex?, modelDirectory: String?, createdIndexDirectory: String?) throws {
        self.model = model
        self.index = index
        self.collections = try index.map { try CollectionRegistry(defaultIndex: $0) }
        self.modelDirectory = modelDirectory
        self.createdIndexDirectory = createdIndexDirectory
    }

    /// The model, or -32020 naming the flag that loads one.
    func requireModel() throws -> HypencoderModel {
        guard let model else { throw RPCError.modelNotLoaded() }
        return model
    }

    /// The default collection, or -32021 naming the flags that open one.
    func requireIndex() throws -> DocumentIndex {
        guard let index else { throw RPCError.indexNotLoaded() }
        return index
    }

    /// The collections, or -32021 naming the flags that open the index they live in.
    func requireCollections() throws -> CollectionRegistry {
        guard let collections else { throw RPCError.indexNotLoaded() }
        return collections
    }

    /// The collection a request names in `params.collection` (absent: the default one).
    /// - Parameter create: writes create a missing named collection; reads refuse it.
    func requireIndex(_ params: ParamsReader, create: Bool = false) throws -> DocumentIndex {
        try requireCollections().index(for: params["collection"], create: create)
    }

    /// The model as `initialize`, `server/status` and `model/info` describe it.
    func modelSummary() -> JSONValue {
        guard let model else { return .null }
        let config = model.config
        return [
            "directory": modelDirectory.map { .string($0) } ?? .null,
            "fingerprint": .string(model.fingerprint),
            "hiddenSize": .integer(Int64(config.bert.hiddenSize)),
            "layers": .integer(Int64(config.bert.layers)),
            "documentDimension": .integer(Int64(model.documentDimension)),
            "qnetDimensions": .array(config.vectorDimensions.map { .integer(Int64($0)) }),
            "queryMaxLength": .integer(Int64(config.queryMaxLength)),
            "documentMaxLength": .integer(Int64(config.documentMaxLength)),
            "blas": .string(model.blas.summary),
        ]
    }

    /// The index as `initialize` and `server/status` describe it.
    func indexSummary() -> JSONValue {
        guard let index else { return .null }
        return [
            "directory": .string(index.directory),
            "documents": .integer(Int64(index.count)),
            "dimension": .integer(Int64(index.dimension)),
            "storage": .string(index.storage.rawValue),
            "collections": .integer(Int64(collections?.all().count ?? 1)),
        ]
    }

    /// Last step of a clean stop: checkpoint so the next start has no log to replay.
    func shutDown() {
        collections?.shutDown()
    }
}

extension HypencoderModel {
    /// Width of document vectors: the q-net's input, which is the encoder's hidden size.
    var documentDimension: Int { config.vectorDimensions.first ?? config.bert.hiddenSize }
}
