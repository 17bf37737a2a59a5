import Foundation
import HypencoderIndex
import HypencoderModel
import HypencoderRPC

/// The model and the index behind the methods, loaded once at start-up.
///
/// Either may be absent. Without `--model` the daemon still runs — the lifecycle,
/// `server/status` and `$/cancelRequest` work — and every model or index method answers
/// with `Code.modelNotLoaded` / `Code.indexNotLoaded`, saying which flag is missing: a
/// daemon that explains itself is easier to diagnose under systemd than one that refuses
/// to start. An index always needs the model, because its vectors are tied to the model's
/// fingerprint.
///
/// Both are safe to use from many worker threads at once (see `HypencoderModel` and
/// `DocumentIndex`), which is what lets handlers run in parallel.
public final class Services: @unchecked Sendable {
    public let model: HypencoderModel?
    public let index: DocumentIndex?
    let modelDirectory: String?
    /// Whether `debug/sleep` is served (`--debug-methods`).
    public var debugMethods = false
    /// The outermost directory that opening the index created (the index directory itself,
    /// or a missing parent), nil when it already existed. `abandonStart` removes it, so a
    /// start that fails on its socket leaves no empty index behind to puzzle the next one.
    public internal(set) var createdIndexDirectory: String?

    /// Server-defined error codes of the daemon (the RPC module reserves -32010).
    public enum Code {
        /// The method needs a model and the daemon was started without one.
        public static let modelNotLoaded = -32020
        /// The method needs an index and the daemon was started without one.
        public static let indexNotLoaded = -32021
        /// The index refused the operation (a limit, a file problem); the message says which.
        public static let indexError = -32022
    }

    public init(model: HypencoderModel?, index: DocumentIndex?, modelDirectory: String?) {
        self.model = model
        self.index = index
        self.modelDirectory = modelDirectory
    }

    /// BLAS threads per call, unless `OPENBLAS_NUM_THREADS` is set: the cores divided among the
    /// workers (at least one). Must run before OpenBLAS loads, which reads it once. Why: with
    /// every worker's calls spreading over all cores, a long `index/add` and the searches
    /// beside it oversubscribe the CPU; measured on 2 cores with 2 workers, search p99 during
    /// ingestion was 3.9× idle with 2 BLAS threads per call and 1.2× with 1 (BENCHMARKS.md),
    /// at the cost of a lone search using one core.
    static func limitBLASThreads(workers: Int) -> Int {
        if let given = ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"], let n = Int(given), n > 0 { return n }
        let threads = max(1, ProcessInfo.processInfo.activeProcessorCount / max(1, workers))
        setenv("OPENBLAS_NUM_THREADS", String(threads), 1)
        return threads
    }

    /// Loads what the configuration names, logging the BLAS kernel choice.
    public static func load(_ configuration: DaemonConfiguration) throws -> Services {
        var model: HypencoderModel?
        var blasThreads = 0
        if let directory = configuration.modelDirectory {
            blasThreads = Self.limitBLASThreads(workers: configuration.workers)
            let started = Date()
            do {
                model = try HypencoderModel(directory: directory)
            } catch {
                throw DaemonError.startup("cannot load the model from \(directory) (\(configuration.modelOrigin)): \(error)")
            }
            if let model {
                log.info("BLAS: \(model.blas.summary), \(blasThreads) thread(s) per call")
                log.info(
                    "model \(directory) (from \(configuration.modelOrigin)) loaded in \(Int(Date().timeIntervalSince(started) * 1000)) ms "
                        + "(fingerprint \(model.fingerprint.prefix(16)), document vectors of \(model.documentDimension))")
            }
        } else {
            log.warn(
                "no --model, no $HYPENCODER_MODEL and no default-model link: model methods will answer with an error until the daemon is restarted with one"
            )
        }
        var index: DocumentIndex?
        var created: String?
        if let directory = configuration.indexDirectory {
            guard let model else {
                throw DaemonError.startup("--index needs --model: an index's vectors belong to one model")
            }
            created = Self.outermostMissingDirectory(of: directory)
            do {
                index = try DocumentIndex.open(
                    directory: directory, fingerprint: model.fingerprint,
                    dimension: model.documentDimension)
            } catch {
                if let created { Self.remove(created) }
                throw DaemonError.startup("cannot open the index in \(directory): \(error)")
            }
            if let index {
                log.info("index \(directory): \(index.count) documents")
                for report in index.recoveryReports { log.info("index recovery: \(report)") }
            }
        }
        let services = Services(model: model, index: index, modelDirectory: configuration.modelDirectory)
        services.debugMethods = configuration.debugMethods
        services.createdIndexDirectory = created
        return services
    }

    /// Undoes a start that never served (the socket could not be taken or bound): closes the
    /// index and removes the directory this start created for it. An index directory that
    /// existed before is left exactly as it was: it may hold someone's documents.
    public func abandonStart() {
        index?.close()
        guard let created = createdIndexDirectory else { return }
        Self.remove(created)
        createdIndexDirectory = nil
    }

    /// The first directory on the way to `path` that does not exist (what `mkdir -p` would
    /// create first, and so the one to remove to undo it), or nil when `path` exists.
    /// `lstat`, so a symbolic link (even a dangling one) counts as existing and is never removed.
    static func outermostMissingDirectory(of path: String) -> String? {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            var info = stat()
            if lstat(current, &info) != 0 { return current }
        }
        return nil
    }

    private static func remove(_ directory: String) {
        do {
            try FileManager.default.removeItem(atPath: directory)
            log.info("removed \(directory), which this failed start had created for the index")
        } catch {
            log.warn("could not remove \(directory), created by this failed start: \(error)")
        }
    }

    /// Methods that need a model or an index; the rest are on `Dispatcher.loopMethods`.
    func methods() -> [String: MethodHandler] {
        var table: [String: MethodHandler] = [:]
        ModelHandlers(services: self).register(into: &table)
        IndexHandlers(services: self).register(into: &table)
        if debugMethods { DebugHandlers.register(into: &table) }
        return table
    }

    var searchModes: [String] { ["exact", "approximate"] }

    func requireModel() throws -> HypencoderModel {
        guard let model else {
            throw RPCError(
                code: Code.modelNotLoaded,
                message: "no model is loaded: start hypencoderd with --model DIR (or \"model\" in the config file)")
        }
        return model
    }

    func requireIndex() throws -> DocumentIndex {
        guard let index else {
            throw RPCError(
                code: Code.indexNotLoaded,
                message: "no index is open: start hypencoderd with --model DIR --index DIR")
        }
        return index
    }

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

    func indexSummary() -> JSONValue {
        guard let index else { return .null }
        return [
            "directory": .string(index.directory),
            "documents": .integer(Int64(index.count)),
            "dimension": .integer(Int64(index.dimension)),
            "storage": .string(index.storage.rawValue),
        ]
    }

    /// Last step of a clean stop: checkpoint so the next start has no log to replay.
    func shutDown() {
        guard let index else { return }
        do {
            try index.checkpoint()
            log.info("index checkpointed")
        } catch {
            log.error("index checkpoint at shutdown failed (the log still holds every update): \(error)")
        }
        index.close()
    }
}

extension HypencoderModel {
    /// Width of document vectors: the q-net's input, which is the encoder's hidden size.
    var documentDimension: Int { config.vectorDimensions.first ?? config.bert.hiddenSize }
}
