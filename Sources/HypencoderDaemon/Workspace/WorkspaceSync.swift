import Foundation
import HypencoderIndex
import HypencoderModel
import HypencoderRPC
import HypencoderWorkspace

/// Brings one workspace collection in line with the files on disk: passages of new and
/// changed files written, passages of deleted (or newly ignored, binary, too large) files
/// removed, unchanged files not touched — so a second run over an unchanged tree writes
/// nothing at all.
///
/// The collection itself is the record of what was indexed: every passage's metadata holds
/// its file's size, modification time and content hash (`PassageLocation`), and the sync
/// starts by reading them back (`catalogue`). Nothing is kept beside the index that could
/// disagree with it after a crash: a file whose passages were half rewritten when the daemon
/// died shows two versions in the catalogue and is simply indexed again.
///
/// Writes go out in batches of about `batchPassages` passages (encode, `upsert`, then
/// `delete` of the file's passages that the new version no longer has); cancellation is
/// checked before each batch, so a cancelled run keeps every batch written before it.
///
/// Threading: runs on one worker thread; `WorkspaceHandlers` serialises syncs of the same
/// collection, so two never interleave their writes.
struct WorkspaceSync {
    let root: String
    let index: DocumentIndex
    let model: HypencoderModel
    let context: RequestContext
    let settings: Settings

    /// What a client may tune in `workspace/index`.
    struct Settings: Equatable {
        var passageTokens = 128
        var overlapLines = 2
        var maxFileBytes = 1 << 20
    }

    /// What one sync did, as `workspace/index` and `workspace/update` report it.
    struct Counts {
        var filesIndexed = 0
        var filesUnchanged = 0
        var filesRemoved = 0
        var passagesAdded = 0
        var passagesRemoved = 0
        var binary = 0
        var unreadable = 0

        /// Adds another sync's counts (`workspace/update` spans several workspaces).
        mutating func add(_ other: Counts) {
            filesIndexed += other.filesIndexed
            filesUnchanged += other.filesUnchanged
            filesRemoved += other.filesRemoved
            passagesAdded += other.passagesAdded
            passagesRemoved += other.passagesRemoved
            binary += other.binary
            unreadable += other.unreadable
        }
    }

    /// Passages written per batch: one WAL fsync and one encoder call each.
    static let batchPassages = 64

    private(set) var counts = Counts()
    /// Files `update` has been given, and how many of them are durable: every file before a
    /// flush is, so progress reports count stored files, never ones still in a batch that a
    /// cancellation would drop.
    private(set) var filesSeen = 0
    private(set) var filesStored = 0
    private var pendingUpserts: [(id: String, text: String, metadata: [UInt8])] = []
    private var pendingDeletes: [String] = []

    init(root: String, index: DocumentIndex, model: HypencoderModel, context: RequestContext, settings: Settings) {
        self.root = root
        self.index = index
        self.model = model
        self.context = context
        self.settings = settings
    }

    /// The passages the collection holds, by absolute file path: their ids and the file
    /// version they were made from (nil when the passages disagree: a torn earlier write).
    func catalogue() throws -> [String: (ids: [String], state: PassageLocation.FileState?)] {
        var result: [String: (ids: [String], state: PassageLocation.FileState?)] = [:]
        try index.snapshot().forEachRecord(text: false) { record in
            guard let bytes = record.metadata, let value = try? JSONValue.parse(bytes),
                let location = PassageLocation(metadata: value)
            else { return }
            if var entry = result[location.path] {
                entry.ids.append(record.id)
                if entry.state != location.file { entry.state = nil }
                result[location.path] = entry
            } else {
                result[location.path] = (ids: [record.id], state: location.file)
            }
        }
        return result
    }

    /// Indexes `file` if it differs from what the catalogue holds for it.
    /// - Parameter resplit: split it again even when unchanged (the split settings changed).
    mutating func update(
        _ file: WorkspaceFile, known: (ids: [String], state: PassageLocation.FileState?)?, resplit: Bool = false
    ) throws {
        filesSeen += 1
        defer { if pendingUpserts.isEmpty && pendingDeletes.isEmpty { filesStored = filesSeen } }
        if !resplit, let state = known?.state, state.size == file.size, state.modifiedNanoseconds == file.modifiedNanoseconds {
            counts.filesUnchanged += 1
            return
        }
        let text: String
        switch TextFileReader.read(path: file.absolutePath, maxBytes: settings.maxFileBytes) {
        case .text(let content): text = content
        case .binary:
            counts.binary += 1
            try remove(path: file.absolutePath, ids: known?.ids ?? [])
            return
        case .unreadable:
            counts.unreadable += 1
            try remove(path: file.absolutePath, ids: known?.ids ?? [])
            return
        }
        let state = PassageLocation.FileState(
            size: file.size, modifiedNanoseconds: file.modifiedNanoseconds, hash: contentHash(text))
        if !resplit, let known = known?.state, known.hash == state.hash, known.size == state.size {
            // Touched, not edited: same content, so the same passages. Nothing to write.
            counts.filesUnchanged += 1
            return
        }
        let splitter = PassageSplitter(
            passageTokens: settings.passageTokens, overlapLines: settings.overlapLines,
            countTokens: { [model] line in model.tokenizer.wordPieceIds(String(line)).count })
        var newIDs = Set<String>()
        for passage in splitter.split(text) {
            let id = Self.passageID(relativePath: file.relativePath, line: passage.firstLine)
            newIDs.insert(id)
            let location = PassageLocation(
                path: file.absolutePath, line: passage.firstLine, endLine: passage.lastLine, file: state)
            pendingUpserts.append((id: id, text: passage.text, metadata: location.metadata.serialized()))
        }
        let stale = (known?.ids ?? []).filter { !newIDs.contains($0) }
        pendingDeletes += stale
        counts.filesIndexed += 1
        counts.passagesAdded += newIDs.count
        counts.passagesRemoved += stale.count
        if pendingUpserts.count >= Self.batchPassages { try flush() }
    }

    /// Removes every passage of a file that is gone (or no longer indexable).
    mutating func remove(path: String, ids: [String]) throws {
        guard !ids.isEmpty else { return }
        pendingDeletes += ids
        counts.filesRemoved += 1
        counts.passagesRemoved += ids.count
        if pendingDeletes.count >= Self.batchPassages { try flush() }
    }

    /// Writes what is pending: new passages first (encoded, then upserted in one durable
    /// batch), then the deletions. Checks for cancellation first: a cancelled sync stops
    /// between batches, keeping every batch already written.
    mutating func flush() throws {
        guard !pendingUpserts.isEmpty || !pendingDeletes.isEmpty else { return }
        try context.checkCancelled()
        if !pendingUpserts.isEmpty {
            let tokenIds = pendingUpserts.map { model.tokenize(document: $0.text) }
            let vectors = try model.encodeDocuments(tokenIds: tokenIds, parallelism: context.parallelism)
            try context.checkCancelled()
            let upserts = zip(pendingUpserts, vectors).map { pending, vector in
                DocumentUpsert(id: pending.id, vector: vector, metadata: pending.metadata, text: pending.text)
            }
            _ = try index.upsert(upserts)
            pendingUpserts.removeAll(keepingCapacity: true)
        }
        if !pendingDeletes.isEmpty {
            _ = try index.delete(ids: pendingDeletes)
            pendingDeletes.removeAll(keepingCapacity: true)
        }
        filesStored = filesSeen
    }

    /// A passage's id: the file's path relative to the root and the passage's first line
    /// (`src/cache.c:120`), unique in the workspace and readable in `index/get`. Paths too long
    /// for an id are replaced by their hash.
    static func passageID(relativePath: String, line: Int) -> String {
        let path = relativePath.utf8.count > 960 ? "#" + contentHash(relativePath) : relativePath
        return "\(path):\(line)"
    }
}
