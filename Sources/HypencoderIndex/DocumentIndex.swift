import Foundation

/// A durable, searchable set of documents (id, vector, optional JSON metadata and text).
///
/// Files in the directory (DESIGN.md §7): `MANIFEST` (model fingerprint, dimension, storage,
/// current generation g), `vectors-<g>.bin` + `documents-<g>.bin` (the checkpoint), and
/// `wal-<g>.log`, `wal-<g+1>.log`… (updates since). Opening loads the checkpoint and replays
/// the logs. An update returns only after its log record is fsync'ed.
///
/// Threading contract: every method may be called from any thread.
/// - Updates (`upsert`, `delete`) are serialised through one writer thread (`CommitQueue`)
///   that also batches their fsyncs. Only that thread changes index state (checked on each
///   change); an update started *on* that thread would wait for itself, so it throws
///   `IndexError.threadingViolation` instead.
/// - Reads never wait for fsync or for a search. A search takes a snapshot, i.e. copies a
///   few references under a short lock, and then runs without locks, so a scorer may even
///   call back into the index.
/// - `checkpoint()` writes its files while updates continue (into the next log);
///   `compact()` holds updates while it copies the live rows, never searches.
///
/// Searches (`DocumentIndex+Search.swift`) run on one snapshot: exact search scans its rows;
/// approximate search walks the neighbour graph published together with it
/// (`Graph/DocumentIndex+Approximate.swift`), which the writer keeps up to date from `apply`
/// (new slots, tombstones) and `compact()` (renumbering), the two places that change slots.
/// Each hit comes back with its slot in that snapshot (`SearchResult`), so its text and
/// metadata are read from the state that was scored.
///
/// Why snapshots rather than a reader-writer lock: a search can take a second, and holding
/// a read lock that long would stall every update behind it (and updates would stall the next
/// searches). Instead the data is shaped so a consistent copy is cheap: vector rows are
/// append-only (a replaced document gets a new row; its old row is tombstoned), the slot
/// table is chunked copy-on-write, the tombstone bitmap is a value (one N/8-byte copy per
/// update while a snapshot is held), and the writer publishes a new snapshot after each
/// applied batch. The id → slot dictionary is not copied; point look-ups read it under the lock.
public final class DocumentIndex: @unchecked Sendable {
    public let directory: String
    public let fingerprint: String
    public let dimension: Int
    public let storage: VectorStorageType
    public let options: IndexOptions
    /// What replaying the logs found when the index was opened (torn tails cut, etc.).
    public private(set) var recoveryReports: [LogReplayReport] = []

    /// Guards `table`, `published`, `store` and `generation`.
    let stateLock = NSLock()
    var table = DocumentTable()
    var store: VectorStore
    var published: IndexSnapshot
    var generation: Int
    /// Generation of the log being appended to (ahead of `generation` after a checkpoint
    /// that rotated the log but failed before committing its manifest).
    var logGeneration: Int
    /// Serialises checkpoint and compaction with each other.
    let maintenanceLock = NSLock()
    /// Compactions the index starts by itself (`IndexOptions.autoCompaction`).
    let background = BackgroundCompaction()
    var queue: CommitQueue!
    /// The neighbour graph for approximate search (Graph/DocumentIndex+Approximate.swift).
    let graphState: GraphState
    private let lockFile: PosixFile
    private let closeLock = NSLock()
    private var isClosed = false

    /// Opens the index in `directory`, creating it (and the directory) if there is none.
    /// - Throws: `IndexError.fingerprintMismatch` / `.dimensionMismatch` if the index was built
    ///   for another model; `.storageMismatch` if `options.requireStorage` is set and the index
    ///   stores another vector type; `.unsupportedFormatVersion` for a newer format; `.corruptFile` /
    ///   `.logCorrupted` for damaged files; `.directoryLocked` if it is already open.
    public static func open(
        directory: String, fingerprint: String, dimension: Int,
        options: IndexOptions = IndexOptions()
    ) throws -> DocumentIndex {
        try DocumentIndex(directory: directory, fingerprint: fingerprint, dimension: dimension, options: options)
    }

    private init(directory: String, fingerprint: String, dimension: Int, options: IndexOptions) throws {
        guard dimension > 0, dimension <= options.limits.maxDimension else {
            throw IndexError.limitExceeded(limit: "maxDimension", value: dimension, maximum: options.limits.maxDimension)
        }
        self.directory = directory
        self.fingerprint = fingerprint
        self.dimension = dimension
        self.options = options
        graphState = GraphState(parameters: options.graph)
        try Directory.create(directory)
        lockFile = try PosixFile.open(directory + "/LOCK", flags: O_RDWR | O_CREAT)
        guard lockFile.tryLockExclusive() else { throw IndexError.directoryLocked(path: directory) }

        let manifest = try Self.loadOrCreateManifest(
            directory: directory, fingerprint: fingerprint,
            dimension: dimension, options: options)
        storage = VectorStorageType(rawValue: manifest.storage) ?? .float32
        generation = manifest.generation
        logGeneration = manifest.generation

        // Checkpoint: mapped vectors + document records.
        let vectorPath = directory + "/" + Manifest.vectorFile(manifest.generation)
        let mapping = try VectorFile.map(
            vectorPath, dimension: dimension, storage: storage,
            verify: options.verifyChecksumsOnOpen)
        guard mapping.rows == manifest.documentCount else {
            throw IndexError.corruptFile(
                path: vectorPath, reason: "has \(mapping.rows) rows, manifest says \(manifest.documentCount)")
        }
        let documentPath = directory + "/" + Manifest.documentFile(manifest.generation)
        let records = try DocumentFile.read(path: documentPath, expectedCount: mapping.rows, limits: options.limits)
        store = try VectorStore(directory: directory, dimension: dimension, storage: storage, base: mapping)
        for (slot, record) in records.enumerated() {
            if !table.insert(record, at: slot) {
                throw IndexError.corruptFile(path: documentPath, reason: "id '\(record.id)' appears twice")
            }
        }
        published = IndexSnapshot(
            rows: store.rows, records: table.records, tombstones: table.tombstones,
            count: table.liveCount, blockRows: options.searchBlockRows, limits: options.limits)
        loadGraph(generation: manifest.generation)

        // Logs since the checkpoint, oldest first.
        let logs = try Self.logGenerations(in: directory).filter { $0 >= manifest.generation }
        var reports: [LogReplayReport] = []
        for logNumber in logs {
            let path = directory + "/" + Manifest.logFile(logNumber)
            reports.append(
                try WriteAheadLog.replay(path: path, limits: options.limits, policy: options.logRecovery) {
                    entry, log, offset in
                    _ = try self.apply(entry, log: log, payloadOffset: offset)
                })
        }
        recoveryReports = reports
        let current = max(logs.last ?? manifest.generation, manifest.generation)
        try Self.removeStaleFiles(in: directory, generation: manifest.generation, firstLog: manifest.generation)
        logGeneration = current
        let log = try WriteAheadLog(path: directory + "/" + Manifest.logFile(current))
        try Directory.sync(directory)
        queue = CommitQueue(log: log)
    }

    deinit { close() }

    /// Stops the writer thread after queued updates finish and releases the directory lock.
    /// Later updates throw `IndexError.closed`; snapshots already taken stay readable.
    /// Does not checkpoint: the log already holds every acknowledged update.
    public func close() {
        closeLock.lock()
        defer { closeLock.unlock() }
        guard !isClosed else { return }
        isClosed = true
        background.close()
        queue?.stop()
        lockFile.unlock()
    }

    // MARK: Reads

    /// A consistent view for searching and iterating; hold it as long as needed.
    public func snapshot() -> IndexSnapshot {
        stateLock.lock()
        defer { stateLock.unlock() }
        return published
    }

    /// Live documents.
    public var count: Int { snapshot().count }

    /// The documents with these ids, in order; nil for ids not in the index.
    /// - Throws: `IndexError.io` / `.corruptFile` if a text cannot be read back from its file.
    public func get(ids: [String]) throws -> [StoredDocument?] {
        stateLock.lock()
        let view = published
        let slots = ids.map { table.slot(of: $0) }
        stateLock.unlock()
        return try slots.map { slot in try slot.map { try view.document(at: $0) } }
    }

    /// Calls `body` for each live document of one snapshot.
    public func forEachDocument(_ body: (StoredDocument) throws -> Void) throws {
        try snapshot().forEachDocument(body)
    }

    // MARK: Opening helpers

    private static func loadOrCreateManifest(
        directory: String, fingerprint: String, dimension: Int,
        options: IndexOptions
    ) throws -> Manifest {
        let path = directory + "/" + Manifest.fileName
        guard Directory.exists(path) else {
            if try logGenerations(in: directory).isEmpty == false {
                throw IndexError.corruptFile(
                    path: path, reason: "missing, but write-ahead logs exist; refusing to start an empty index over them")
            }
            let manifest = Manifest(
                formatVersion: Manifest.currentFormatVersion, modelFingerprint: fingerprint,
                dimension: dimension, storage: options.storage.rawValue,
                generation: 0, documentCount: 0)
            let empty = VectorRows(dimension: dimension, storage: options.storage, segments: [], count: 0)
            try writeCheckpoint(directory: directory, manifest: manifest, rows: empty, slots: [], records: [])
            return manifest
        }
        let manifest = try Manifest.decode(try PosixFile.openForReading(path).readAll(), path: path)
        guard manifest.modelFingerprint == fingerprint else {
            throw IndexError.fingerprintMismatch(expected: fingerprint, found: manifest.modelFingerprint, path: directory)
        }
        guard manifest.dimension == dimension else {
            throw IndexError.dimensionMismatch(
                expected: dimension, actual: manifest.dimension, context: "index at \(directory) (manifest)")
        }
        if options.requireStorage, manifest.storage != options.storage.rawValue {
            throw IndexError.storageMismatch(path: directory, stored: manifest.storage, requested: options.storage.rawValue)
        }
        return manifest
    }

    /// Generations of the `wal-<g>.log` files present, ascending.
    static func logGenerations(in directory: String) throws -> [Int] {
        try Directory.list(directory).compactMap { name -> Int? in
            guard name.hasPrefix("wal-"), name.hasSuffix(".log") else { return nil }
            return Int(name.dropFirst(4).dropLast(4))
        }.sorted()
    }

    /// Deletes files no checkpoint or log replay needs: other generations' checkpoint
    /// files, logs older than the checkpoint, and leftovers of interrupted writes.
    static func removeStaleFiles(in directory: String, generation: Int, firstLog: Int) throws {
        for name in try Directory.list(directory) {
            var stale = name.hasSuffix(".tmp") || name.hasPrefix("vectors.scratch-")
            if let g = Int(name.replacingOccurrences(of: "vectors-", with: "").replacingOccurrences(of: ".bin", with: "")),
                name.hasPrefix("vectors-")
            {
                stale = stale || g != generation
            }
            if let g = Int(name.replacingOccurrences(of: "documents-", with: "").replacingOccurrences(of: ".bin", with: "")),
                name.hasPrefix("documents-")
            {
                stale = stale || g != generation
            }
            if let g = Int(name.replacingOccurrences(of: "graph-", with: "").replacingOccurrences(of: ".bin", with: "")),
                name.hasPrefix("graph-")
            {
                stale = stale || g != generation
            }
            if name.hasPrefix("wal-"), let g = Int(name.dropFirst(4).dropLast(4)) { stale = stale || g < firstLog }
            if stale { try Directory.remove(directory + "/" + name) }
        }
    }
}
