#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Lists the files of a workspace that are worth indexing, and judges single paths the same way.
///
/// The rules, applied to every entry in this order, each rejection counted once in `SkipCounts`:
/// 1. a name starting with `.` is hidden (`.git`, `.venv`, editor state): not entered, not listed;
/// 2. a symbolic link or special file is counted as ignored and never followed or read — a link
///    can lead out of the workspace or into a cycle, and the file it leads to, if it is in the
///    workspace, is listed under its own path anyway;
/// 3. a path the ignore rules exclude is ignored, and an ignored directory is not entered, so
///    nothing below it can be re-included (git's rule);
/// 4. a regular file larger than `maxFileBytes` is too large, and one this process cannot read
///    is unreadable (so is a directory it cannot list, and a name that is not valid UTF-8).
///
/// The ignore files of a directory are read before its entries are judged, so rules apply to
/// their own directory and everything below it. `file(atAbsolutePath:)` reads the same ignore
/// files for the directories above one path and applies the same rules in the same order, so a
/// save reported by an editor gets the verdict a full walk would give.
///
/// Ignore files above the root are not read: the root is the whole world, as if it were the
/// top of a repository. `.git/info/exclude` is read when the root contains `.git` as a directory.
public struct WorkspaceWalker: Sendable {
    /// The default cap on listed files, well above a large monorepo's source tree and well
    /// below what would take the encoder days: past it the user has almost certainly chosen the
    /// wrong folder.
    public static let defaultFileLimit = 200_000

    /// The root as given, made absolute and cleaned lexically; `absolutePath`s start with it.
    public let root: String
    public let maxFileBytes: Int
    public let fileLimit: Int

    public init(root: String, maxFileBytes: Int, fileLimit: Int = WorkspaceWalker.defaultFileLimit) {
        self.root = FileSystem.lexicallyNormalized(root)
        self.maxFileBytes = maxFileBytes
        self.fileLimit = fileLimit
    }

    /// Walks the whole tree. Throws when the root is not a listable directory or holds more
    /// than `fileLimit` files to index; problems with single entries are counted and skipped.
    public func walk() throws -> WalkResult {
        guard case .success(let rootStatus) = FileSystem.status(followingLinksAt: root), rootStatus.kind == .directory
        else { throw WorkspaceError.notADirectory(root) }

        var rules = IgnoreRules()
        loadGitExclude(into: &rules)
        var files: [WorkspaceFile] = []
        var skipped = SkipCounts()
        // Depth first with an explicit stack of directories still to list (relative paths).
        var pending = [""]
        while let directory = pending.popLast() {
            let absoluteDirectory = FileSystem.joined(root, directory)
            let listing: (names: [String], undecodableNames: Int)
            switch FileSystem.directoryEntries(at: absoluteDirectory) {
            case .success(let entries): listing = entries
            case .failure(let error):
                if directory.isEmpty { throw WorkspaceError.unreadableRoot(path: root, reason: error.description) }
                skipped.unreadable += 1
                continue
            }
            skipped.unreadable += listing.undecodableNames
            let ignoreFilesHere = IgnoreRules.fileNames.filter(listing.names.contains)
            loadIgnoreFiles(ignoreFilesHere, of: directory, into: &rules)

            for name in listing.names {
                let relativePath = directory.isEmpty ? name : directory + "/" + name
                switch judge(relativePath: relativePath, name: name, rules: rules) {
                case .accepted(let file):
                    guard files.count < fileLimit else { throw WorkspaceError.tooManyFiles(fileLimit) }
                    files.append(file)
                case .directoryToEnter: pending.append(relativePath)
                case .vanished: break
                case .skipped(.ignored), .skipped(.notRegular): skipped.ignored += 1
                case .skipped(.hidden): skipped.hidden += 1
                case .skipped(.tooLarge): skipped.tooLarge += 1
                case .skipped(.unreadable): skipped.unreadable += 1
                case .skipped: break  // judge gives no other verdicts
                }
            }
        }
        files.sort { $0.relativePath < $1.relativePath }
        return WalkResult(files: files, skipped: skipped)
    }

    /// What a full walk would decide about the file at `path` (absolute, or relative to the
    /// working directory): used when an editor reports a save, to update one file without
    /// walking the tree. Reads the ignore files of every directory from the root down to the
    /// file's, and rejects the file if any directory on the way would not have been entered.
    public func file(atAbsolutePath path: String) -> FileVerdict {
        guard let relativePath = relativePath(of: path) else { return .outside }
        if relativePath.isEmpty { return .notRegular }  // the root itself

        var rules = IgnoreRules()
        loadGitExclude(into: &rules)
        let names = relativePath.split(separator: "/").map(String.init)
        var directory = ""
        for (position, name) in names.enumerated() {
            loadIgnoreFiles(IgnoreRules.fileNames, of: directory, into: &rules)
            let entryPath = directory.isEmpty ? name : directory + "/" + name
            let isLast = position == names.count - 1
            switch judge(relativePath: entryPath, name: name, rules: rules) {
            case .accepted(let file):
                return isLast ? .file(file) : .missing  // a file cannot have children
            case .directoryToEnter:
                if isLast { return .notRegular }
                guard FileSystem.isListable(FileSystem.joined(root, entryPath)) else { return .unreadable }
            case .vanished: return .missing
            case .skipped(let verdict): return verdict
            }
            directory = entryPath
        }
        return .missing  // not reached: the last name always returns
    }

    /// The decision for one directory entry; shared by `walk` and `file(atAbsolutePath:)`
    /// so the two cannot drift apart.
    private enum Judgement {
        case accepted(WorkspaceFile)
        case directoryToEnter
        /// Removed between listing and `lstat`: not counted at all.
        case vanished
        case skipped(FileVerdict)
    }

    private func judge(relativePath: String, name: String, rules: IgnoreRules) -> Judgement {
        if name.hasPrefix(".") { return .skipped(.hidden) }
        let absolutePath = FileSystem.joined(root, relativePath)
        let status: FileSystem.EntryStatus
        switch FileSystem.status(ofEntryAt: absolutePath) {
        case .success(let found): status = found
        case .failure(let error):
            return error.code == ENOENT || error.code == ENOTDIR ? .vanished : .skipped(.unreadable)
        }
        switch status.kind {
        case .symbolicLink, .special:
            return .skipped(.notRegular)
        case .directory:
            return rules.isIgnored(relativePath: relativePath, isDirectory: true) ? .skipped(.ignored) : .directoryToEnter
        case .regularFile:
            if rules.isIgnored(relativePath: relativePath, isDirectory: false) { return .skipped(.ignored) }
            if status.size > maxFileBytes { return .skipped(.tooLarge) }
            if !FileSystem.isReadable(absolutePath, status: status) { return .skipped(.unreadable) }
            return .accepted(
                WorkspaceFile(
                    relativePath: relativePath, absolutePath: absolutePath, size: status.size,
                    modifiedNanoseconds: status.modifiedNanoseconds))
        }
    }

    /// `path` relative to the root ("" for the root itself), or nil when it lies outside.
    /// Compared lexically first; if that fails, with symbolic links resolved on both sides,
    /// so a file reached through a link to the workspace (or a root given through a link)
    /// still maps to the path the walk would list.
    private func relativePath(of path: String) -> String? {
        if let relative = Self.relativePath(of: FileSystem.lexicallyNormalized(path), under: root) { return relative }
        guard let resolvedRoot = FileSystem.resolvedPath(root) else { return nil }
        // The file itself may be gone (a delete is reported too), so resolve its directory.
        let normalized = FileSystem.lexicallyNormalized(path)
        let slash = normalized.lastIndex(of: "/")!
        let parent = slash == normalized.startIndex ? "/" : String(normalized[..<slash])
        guard let resolvedParent = FileSystem.resolvedPath(parent) else { return nil }
        let resolved = FileSystem.joined(resolvedParent, String(normalized[normalized.index(after: slash)...]))
        return Self.relativePath(of: resolved, under: resolvedRoot)
    }

    private static func relativePath(of path: String, under root: String) -> String? {
        if path == root { return "" }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard path.hasPrefix(prefix) else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    private func loadGitExclude(into rules: inout IgnoreRules) {
        guard case .success(let gitStatus) = FileSystem.status(ofEntryAt: FileSystem.joined(root, ".git")),
            gitStatus.kind == .directory
        else { return }
        if case .text(let text) = TextFileReader.read(
            path: FileSystem.joined(root, IgnoreRules.gitExcludePath), maxBytes: Self.maxIgnoreFileBytes)
        {
            rules.add(patternsFrom: text, baseDirectory: "")
        }
    }

    /// Reads the ignore files called `names` in `directory` (relative), in precedence order.
    /// A missing, unreadable, binary or oversized ignore file is passed over silently, and a
    /// symbolic link is not followed (`TextFileReader` opens with `O_NOFOLLOW`), as git does.
    private func loadIgnoreFiles(_ names: [String], of directory: String, into rules: inout IgnoreRules) {
        for name in names {
            let path = FileSystem.joined(FileSystem.joined(root, directory), name)
            if case .text(let text) = TextFileReader.read(path: path, maxBytes: Self.maxIgnoreFileBytes) {
                rules.add(patternsFrom: text, baseDirectory: directory)
            }
        }
    }

    /// Far beyond any hand-written ignore file; stops a stray huge file from being parsed as rules.
    private static let maxIgnoreFileBytes = 4 << 20
}
