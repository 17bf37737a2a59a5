import Foundation
import HypencoderIndex
import HypencoderModel

/// Start-up: loading what the configuration names, and undoing a start that never served.
extension ModelAndIndex {
    /// Sets the BLAS thread policy, loads the model (which chooses and loads OpenBLAS) and
    /// opens the index (which replays its log), logging each step; the index's own reports
    /// (a rebuilt graph) go to the daemon's log too.
    /// - Throws: `DaemonError.startup` with one line that says what failed and where.
    public static func load(_ configuration: DaemonConfiguration) throws -> ModelAndIndex {
        var model: HypencoderModel?
        FreedMemory.keepPaddingBetweenRequests()
        if let directory = configuration.modelDirectory {
            let blasThreads = BLASThreadPolicy.apply()
            let started = Date()
            do {
                model = try HypencoderModel(directory: directory)
            } catch {
                throw DaemonError.startup("cannot load the model from \(directory) (\(configuration.modelOrigin)): \(error)")
            }
            if let model {
                log.info(
                    "BLAS: \(model.blas.summary), \(blasThreads) thread(s) per call; GELU and softmax loops: \(VectorKernels.path); "
                        + "products over ≤ \(FewRowsGemm.maximumRows) rows: \(FewRowsGemm.path)"
                )
                if let ignored = VectorKernels.ignoredSetting(in: ProcessInfo.processInfo.environment) { log.warn(ignored) }
                if let ignored = BFloat16Kernel.ignoredSetting(in: ProcessInfo.processInfo.environment) { log.warn(ignored) }
                if let ignored = FewRowsGemm.ignoredSetting(in: ProcessInfo.processInfo.environment) { log.warn(ignored) }
                if blasThreads > 1 {
                    log.warn(
                        "OPENBLAS_NUM_THREADS=\(blasThreads): each of a request's pieces threads its BLAS calls too; expect more threads than cores"
                    )
                }
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
            var options = IndexOptions()
            options.autoCompaction = configuration.compaction
            if let storage = configuration.vectorStorage {
                options.storage = storage
                options.requireStorage = true
            }
            options.log = { level, message in
                switch level {
                case .info: log.info("index: \(message)")
                case .warning: log.warn("index: \(message)")
                }
            }
            do {
                index = try DocumentIndex.open(
                    directory: directory, fingerprint: model.fingerprint,
                    dimension: model.documentDimension, options: options)
            } catch {
                if let created { Self.remove(created) }
                throw DaemonError.startup("cannot open the index in \(directory): \(error)")
            }
            if let index {
                log.info("index \(directory): \(index.count) documents, \(index.storage.rawValue) vectors")
                for report in index.recoveryReports { log.info("index recovery: \(report)") }
            }
        }
        do {
            let loaded = try ModelAndIndex(
                model: model, index: index, modelDirectory: configuration.modelDirectory, createdIndexDirectory: created)
            if let collections = loaded.collections, collections.all().count > 1 {
                log.info("collections: " + collections.all().map { "\($0.name) (\($0.index.count))" }.joined(separator: ", "))
            }
            // Which path scores bf16 rows (issue 12): said whenever there are some to score.
            if let collections = loaded.collections, collections.all().contains(where: { $0.index.storage == .bfloat16 }) {
                log.info(QNetScorer.bfloat16Kernel.summary)
            }
            return loaded
        } catch {
            index?.close()
            throw error
        }
    }

    /// Undoes a start that never served (the socket could not be taken or bound): closes the
    /// index and removes the directory this start created for it. An index directory that
    /// existed before is left exactly as it was: it may hold someone's documents.
    public func abandonStart() {
        collections?.closeAll()
        guard let created = createdIndexDirectory else { return }
        Self.remove(created)
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
}
