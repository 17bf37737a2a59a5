import Dispatch
import Foundation
import HypencoderIndex
import HypencoderModel
import HypencoderRPC
import HypencoderWorkspace

/// `workspace/index`, `workspace/update` and `workspace/find`: a folder of text files as
/// passages, one collection per folder (DESIGN.md §10). The daemon walks and reads the files
/// itself, so every client — the command line, Vim, Neovim, Emacs — gets the same ignore
/// rules, the same splitting by the model's own tokenizer, and the same incremental updates,
/// from one implementation.
///
/// Reading files is a privilege: the daemon reads as its own user, so a peer of another uid
/// (let in by `--allow-uid`/`--allow-gid`) could otherwise have it index files it may not
/// read itself. These methods answer only connections from the daemon's own uid (-32023).
struct WorkspaceHandlers {
    let modelAndIndex: ModelAndIndex

    /// Serialises syncs of the same collection (a save arriving during a full index).
    private static let locks = CollectionLocks()

    func register(into table: inout [String: MethodHandler]) {
        let modelAndIndex = self.modelAndIndex
        table["workspace/index"] = { params, context in try Self.index(params, context, modelAndIndex) }
        table["workspace/update"] = { params, context in try Self.update(params, context, modelAndIndex) }
        table["workspace/find"] = { params, _ in
            try params.object(allowedKeys: ["path", "workDoneToken"])
            let path = try WorkspacePaths.absolute(params["path"])
            guard let found = try modelAndIndex.requireCollections().workspace(containing: path) else { return .null }
            return ["collection": .string(found.name), "root": .string(found.root)]
        }
    }

    /// `{root, passageTokens?, overlapLines?, maxFileBytes?}` → what was indexed, kept and
    /// removed, and what was skipped and why.
    static func index(_ params: ParamsReader, _ context: RequestContext, _ modelAndIndex: ModelAndIndex) throws -> JSONValue {
        try params.object(allowedKeys: ["root", "passageTokens", "overlapLines", "maxFileBytes", "workDoneToken"])
        try checkPeer(context)
        let model = try modelAndIndex.requireModel()
        let collections = try modelAndIndex.requireCollections()
        let root = try WorkspacePaths.absolute(params["root"])
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw params["root"].error("\(root) is not a directory")
        }
        let window = model.config.documentMaxLength - 2
        var settings = WorkspaceSync.Settings()
        settings.passageTokens = try params["passageTokens"].int(
            in: 16...max(16, window), default: min(settings.passageTokens, window))
        settings.overlapLines = try params["overlapLines"].int(in: 0...50, default: settings.overlapLines)
        settings.maxFileBytes = try params["maxFileBytes"].int(in: 1...(16 << 20), default: settings.maxFileBytes)

        let started = DispatchTime.now().uptimeNanoseconds
        let walked = try walk(root: root, maxFileBytes: settings.maxFileBytes)
        let name = WorkspaceRecord.collectionName(forRoot: root)
        let collectionDirectory = collections.collectionsDirectory + "/" + name
        let previous = WorkspaceRecord.read(directory: collectionDirectory)
        let record = WorkspaceRecord(root: root, settings: settings)
        guard let index = try collections.index(named: name, create: true, workspace: record) else {
            throw RPCError.internalError("collection \(name) was not created")
        }
        let resplit = previous != nil && previous?.settings != settings
        return try locks.withLock(name) {
            var sync = WorkspaceSync(root: root, index: index, model: model, context: context, settings: settings)
            let catalogue = try sync.catalogue()
            let present = Set(walked.files.map(\.absolutePath))
            for (path, entry) in catalogue.sorted(by: { $0.key < $1.key }) where !present.contains(path) {
                try sync.remove(path: path, ids: entry.ids)
            }
            // Progress counts stored files (`filesStored`), so what a client was told is done
            // survives a cancellation; it advances a batch at a time.
            var lastPercentage = -1
            func reportProgress() {
                let percentage = sync.filesStored * 100 / max(1, walked.files.count)
                guard percentage != lastPercentage else { return }
                lastPercentage = percentage
                context.report("\(sync.filesStored)/\(walked.files.count) files", percentage: percentage)
            }
            for file in walked.files {
                try sync.update(file, known: catalogue[file.absolutePath], resplit: resplit)
                reportProgress()
            }
            try sync.flush()
            reportProgress()
            var skipped = walked.skipped
            skipped.binary += sync.counts.binary
            skipped.unreadable += sync.counts.unreadable
            let elapsedMs = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
            var result = describe(sync.counts)
            result["collection"] = .string(name)
            result["root"] = .string(root)
            result["skipped"] = [
                "ignored": .integer(Int64(skipped.ignored)), "hidden": .integer(Int64(skipped.hidden)),
                "binary": .integer(Int64(skipped.binary)), "tooLarge": .integer(Int64(skipped.tooLarge)),
                "unreadable": .integer(Int64(skipped.unreadable)),
            ]
            result["elapsedMs"] = .double((elapsedMs * 1000).rounded() / 1000)
            return .object(result)
        }
    }

    /// `{paths}` → files re-indexed, kept or removed in whichever indexed workspace holds
    /// each path. A path in no indexed workspace is counted in `outside`, not refused: an
    /// editor's save hook sends every file it saves.
    static func update(_ params: ParamsReader, _ context: RequestContext, _ modelAndIndex: ModelAndIndex) throws -> JSONValue {
        try params.object(allowedKeys: ["paths", "workDoneToken"])
        try checkPeer(context)
        let model = try modelAndIndex.requireModel()
        let collections = try modelAndIndex.requireCollections()
        let paths = try params["paths"].array(count: 1...HandlerLimits.maxDocumentsPerCall).map {
            try WorkspacePaths.absolute($0)
        }
        var outside = 0
        var byCollection: [String: [String]] = [:]
        for path in paths {
            guard let found = collections.workspace(containing: path) else {
                outside += 1
                continue
            }
            byCollection[found.name, default: []].append(path)
        }
        var total = WorkspaceSync.Counts()
        for (name, paths) in byCollection.sorted(by: { $0.key < $1.key }) {
            guard let index = try collections.index(named: name, create: false),
                let record = WorkspaceRecord.read(directory: index.directory)
            else { continue }
            let counts = try locks.withLock(name) { () -> WorkspaceSync.Counts in
                var sync = WorkspaceSync(
                    root: record.root, index: index, model: model, context: context, settings: record.settings)
                let catalogue = try sync.catalogue()
                let walker = WorkspaceWalker(root: record.root, maxFileBytes: record.settings.maxFileBytes)
                for path in Set(paths).sorted() {
                    if case .file(let file) = walker.file(atAbsolutePath: path) {
                        try sync.update(file, known: catalogue[file.absolutePath])
                    } else {
                        try sync.remove(path: path, ids: catalogue[path]?.ids ?? [])
                    }
                }
                try sync.flush()
                return sync.counts
            }
            total.add(counts)
        }
        var result = describe(total)
        result["outside"] = .integer(Int64(outside))
        return .object(result)
    }

    private static func describe(_ counts: WorkspaceSync.Counts) -> JSONObject {
        [
            "files": [
                "indexed": .integer(Int64(counts.filesIndexed)), "unchanged": .integer(Int64(counts.filesUnchanged)),
                "removed": .integer(Int64(counts.filesRemoved)),
            ],
            "passages": ["added": .integer(Int64(counts.passagesAdded)), "removed": .integer(Int64(counts.passagesRemoved))],
        ]
    }

    private static func walk(root: String, maxFileBytes: Int) throws -> WalkResult {
        do {
            return try WorkspaceWalker(root: root, maxFileBytes: maxFileBytes).walk()
        } catch let error as WorkspaceError {
            throw RPCError(code: ServerErrorCode.indexError, message: "workspace: \(error)")
        }
    }

    /// -32023 unless the peer runs as the daemon's own user (see the type's comment).
    private static func checkPeer(_ context: RequestContext) throws {
        guard let uid = context.peerUID, uid != geteuid() else { return }
        throw RPCError(
            code: ServerErrorCode.notPermitted,
            message:
                "workspace methods read files as the daemon's user (uid \(geteuid())); a connection from uid \(uid) may not use them"
        )
    }
}

/// One lock per collection name, made on first use.
final class CollectionLocks: @unchecked Sendable {
    private let guardLock = NSLock()
    private var locks: [String: NSLock] = [:]

    func withLock<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        guardLock.lock()
        let lock = locks[name] ?? NSLock()
        locks[name] = lock
        guardLock.unlock()
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
