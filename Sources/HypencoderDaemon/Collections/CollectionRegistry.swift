import Foundation
import HypencoderIndex
import HypencoderRPC

/// The daemon's collections: independent indexes, each with its own documents, graph and
/// write-ahead log, so one daemon can serve several editor workspaces (or any other
/// partition a client wants) without their results ever mixing.
///
/// Layout: the default collection is the `--index` directory itself — exactly what the daemon
/// opened before collections existed, so older indexes and clients keep working — and a
/// named collection lives in `<index>/collections/<name>/`, a complete index of its own
/// (DESIGN.md §7 describes its files). Every collection is opened with the default one's
/// model fingerprint, dimension and options, so all of them answer the same model, and a new
/// one stores its vectors as the default one does (`--vectors`).
///
/// A named collection is created by its first write and opened again at every start. A
/// workspace collection also holds `workspace.json`, the root folder it indexes
/// (`WorkspaceRecord`), which is how an editor started anywhere below that folder finds it.
///
/// Dropping renames the collection's directory to a hidden `.dropped-…` name before removing
/// it, so a crash half-way through a removal can never leave a half-deleted collection that
/// opens at the next start: leftovers are removed then instead.
///
/// Threading: every method may be called from any worker thread; one lock guards the
/// table. Opening or creating an index happens under it (a few milliseconds, and rare),
/// which keeps two first writes to the same new collection from opening it twice.
final class CollectionRegistry: @unchecked Sendable {
    /// The name clients use for the `--index` directory; absent `collection` means it too.
    static let defaultName = "default"
    /// Longest collection name.
    static let maxNameLength = 64
    /// Most collections besides the default one (limit `server.collections`). Each holds a few
    /// open files (its lock, its log) and a writer thread, so an unbounded number would let a
    /// client exhaust the daemon's descriptors; 256 workspaces is far more than one user opens.
    static let maxCollections = 256

    let defaultIndex: DocumentIndex
    /// `<index>/collections`.
    let collectionsDirectory: String
    private let open: (String) throws -> DocumentIndex
    private let lock = NSLock()
    private var named: [String: DocumentIndex] = [:]
    /// Workspace roots by collection name (only collections made by `workspace/index`).
    private var roots: [String: String] = [:]
    private var dropCounter = 0

    /// Opens every named collection found under `defaultIndex.directory/collections` and
    /// removes what an interrupted drop left behind.
    /// - Throws: the index's error for a collection that cannot be opened, naming it.
    init(defaultIndex: DocumentIndex) throws {
        self.defaultIndex = defaultIndex
        collectionsDirectory = defaultIndex.directory + "/collections"
        let fingerprint = defaultIndex.fingerprint
        let dimension = defaultIndex.dimension
        // A new collection stores what the default one stores (what --vectors asked for, or the
        // type the default index was created with): one daemon, one vector type.
        var options = defaultIndex.options
        options.storage = defaultIndex.storage
        open = { directory in
            try DocumentIndex.open(directory: directory, fingerprint: fingerprint, dimension: dimension, options: options)
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: collectionsDirectory)) ?? []
        for entry in entries.sorted() {
            let path = collectionsDirectory + "/" + entry
            if entry.hasPrefix(".dropped-") {
                try? FileManager.default.removeItem(atPath: path)
                continue
            }
            guard Self.isValidName(entry) else { continue }
            do {
                let index = try open(path)
                named[entry] = index
                for report in index.recoveryReports { log.info("collection \(entry) recovery: \(report)") }
            } catch {
                for index in named.values { index.close() }
                throw DaemonError.startup("cannot open the collection \"\(entry)\" in \(path): \(error)")
            }
            if let record = WorkspaceRecord.read(directory: path) { roots[entry] = record.root }
        }
    }

    /// Whether `name` may name a collection: 1–64 of `[A-Za-z0-9._-]`, starting with a letter
    /// or digit (so it is always a plain, visible directory name).
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= maxNameLength else { return false }
        func allowed(_ byte: UInt8) -> Bool {
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
        }
        return allowed(first) && name.utf8.allSatisfy { allowed($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    /// The collection a request addresses: `params.collection` (absent: the default one).
    /// - Parameter create: make a missing named collection (only writes do).
    /// - Throws: -32602 naming `params.collection` for a bad or (when not creating) unknown name.
    func index(for reader: ParamsReader, create: Bool) throws -> DocumentIndex {
        guard reader.isGiven else { return defaultIndex }
        let name = try reader.string(maxLength: Self.maxNameLength, allowEmpty: false)
        guard Self.isValidName(name) else {
            throw reader.error("\"\(name)\" is not a collection name: 1-64 of A-Z a-z 0-9 . _ -, starting with a letter or digit")
        }
        guard let index = try index(named: name, create: create) else {
            throw reader.error("no collection named \"\(name)\" (index/add creates one)")
        }
        return index
    }

    /// The collection called `name` (the default one for "default"), created first when
    /// `create` is set and it does not exist; nil when it does not and `create` is not set.
    /// - Parameter workspace: for `workspace/index`: recorded in the collection (before its
    ///   first document) when it differs from what is recorded there.
    func index(named name: String, create: Bool, workspace: WorkspaceRecord? = nil) throws -> DocumentIndex? {
        if name == Self.defaultName { return defaultIndex }
        lock.lock()
        defer { lock.unlock() }
        if let index = named[name] {
            if let workspace, WorkspaceRecord.read(directory: index.directory) != workspace {
                try workspace.write(directory: index.directory)
                roots[name] = workspace.root
            }
            return index
        }
        guard create else { return nil }
        guard named.count < Self.maxCollections else {
            throw RPCError.limit(
                "server.collections", max: Self.maxCollections, actual: named.count + 1,
                "at most \(Self.maxCollections) collections besides the default one; drop one first (collection/drop)")
        }
        let directory = collectionsDirectory + "/" + name
        let index = try open(directory)
        if let workspace {
            do {
                try workspace.write(directory: directory)
            } catch {
                index.close()
                throw error
            }
            roots[name] = workspace.root
        }
        named[name] = index
        log.info("collection \(name) created in \(directory)")
        return index
    }

    /// Every collection, the default one first, then by name.
    func all() -> [(name: String, index: DocumentIndex, root: String?)] {
        lock.lock()
        defer { lock.unlock() }
        let others = named.keys.sorted().map { (name: $0, index: named[$0]!, root: roots[$0]) }
        return [(name: Self.defaultName, index: defaultIndex, root: nil)] + others
    }

    /// The workspace collection whose root contains `path` (the longest such root), if any.
    func workspace(containing path: String) -> (name: String, root: String)? {
        lock.lock()
        defer { lock.unlock() }
        let matches = roots.filter { _, root in path == root || path.hasPrefix(root.hasSuffix("/") ? root : root + "/") }
        guard let best = matches.max(by: { $0.value.utf8.count < $1.value.utf8.count }) else { return nil }
        return (name: best.key, root: best.value)
    }

    /// Removes a named collection and its files; returns how many documents it held.
    /// Requests already running on it finish on their snapshot; later writes to it fail.
    /// - Throws: -32602 for "default" or an unknown name.
    func drop(_ reader: ParamsReader) throws -> (name: String, documents: Int) {
        let name = try reader.string(maxLength: Self.maxNameLength, allowEmpty: false)
        guard name != Self.defaultName else {
            throw reader.error(
                "the default collection cannot be dropped (delete its documents, or stop the daemon and remove --index)")
        }
        lock.lock()
        guard let index = named.removeValue(forKey: name) else {
            lock.unlock()
            throw reader.error("no collection named \"\(name)\"")
        }
        roots[name] = nil
        dropCounter += 1
        let graveyard = collectionsDirectory + "/.dropped-\(name)-\(getpid())-\(dropCounter)"
        lock.unlock()
        let documents = index.count
        index.close()
        if rename(index.directory, graveyard) != 0 {
            log.warn("collection \(name): could not rename \(index.directory) for removal (errno \(errno)); removing in place")
            try FileManager.default.removeItem(atPath: index.directory)
        } else {
            try? FileManager.default.removeItem(atPath: graveyard)
        }
        log.info("collection \(name) dropped (\(documents) documents)")
        return (name, documents)
    }

    /// Checkpoints and closes every collection (the last step of a clean stop).
    func shutDown() {
        for (name, index, _) in all() {
            let what = name == Self.defaultName ? "index" : "collection \(name)"
            do {
                try index.checkpoint()
                log.info("\(what) checkpointed")
            } catch {
                log.error("\(what): checkpoint at shutdown failed (the log still holds every update): \(error)")
            }
            index.close()
        }
    }

    /// Closes every collection without checkpointing (a start that never served).
    func closeAll() {
        for (_, index, _) in all() { index.close() }
    }
}
