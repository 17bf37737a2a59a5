/// One file the walker will hand to the indexer: a regular, readable, not ignored, not hidden
/// file no larger than the size limit.
///
/// Size and modification time come from the same `lstat` that found the file, so the daemon
/// can skip re-reading a file whose size and time have not changed since the last walk, and
/// fall back to `contentHash` only when they have.
public struct WorkspaceFile: Equatable, Hashable, Sendable {
    /// The path below the workspace root, `/`-separated, no leading slash: the name the index
    /// stores and the client shows.
    public let relativePath: String
    /// The path to open: the workspace root joined with `relativePath`.
    public let absolutePath: String
    /// Bytes, as `lstat` reported them.
    public let size: Int
    /// Modification time, nanoseconds since the Unix epoch.
    public let modifiedNanoseconds: Int64

    public init(relativePath: String, absolutePath: String, size: Int, modifiedNanoseconds: Int64) {
        self.relativePath = relativePath
        self.absolutePath = absolutePath
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
    }
}

/// How many entries a walk left out, and why: reported to the user so that "why is my file
/// not found?" has an answer without reading logs.
///
/// Each entry is counted once, at the level where it was rejected: a hidden or ignored
/// directory counts as one, and nothing inside it is looked at.
public struct SkipCounts: Equatable, Sendable {
    /// Excluded by an ignore rule. Symbolic links and special files (FIFOs, sockets, devices)
    /// are counted here too: the walker never follows or reads them, for the same reason it
    /// honours ignore files — they are not the user's text.
    public var ignored = 0
    /// A name starting with `.` (files and directories alike; `.git` is one of them).
    public var hidden = 0
    /// Never set by the walker, which does not read contents: the daemon adds to it when
    /// `TextFileReader` finds a listed file to be binary.
    public var binary = 0
    /// A regular file larger than the walker's `maxFileBytes`.
    public var tooLarge = 0
    /// A file or directory this process may not read, or whose name is not valid UTF-8.
    public var unreadable = 0

    public init(ignored: Int = 0, hidden: Int = 0, binary: Int = 0, tooLarge: Int = 0, unreadable: Int = 0) {
        self.ignored = ignored
        self.hidden = hidden
        self.binary = binary
        self.tooLarge = tooLarge
        self.unreadable = unreadable
    }
}

/// Everything one walk found.
public struct WalkResult: Equatable, Sendable {
    /// The files to index, sorted by `relativePath` so that two walks of the same tree give
    /// the same list and a diff against the index can be a merge.
    public var files: [WorkspaceFile]
    public var skipped: SkipCounts

    public init(files: [WorkspaceFile], skipped: SkipCounts) {
        self.files = files
        self.skipped = skipped
    }
}

/// What a full walk would decide about one path: the answer `WorkspaceWalker.file(atAbsolutePath:)`
/// gives when an editor reports a save, so the daemon can update one file without walking the tree.
public enum FileVerdict: Equatable, Sendable {
    /// The walk would list this file.
    case file(WorkspaceFile)
    /// An ignore rule excludes the file or one of the directories above it.
    case ignored
    /// The file's name, or a directory's on the way to it, starts with `.`.
    case hidden
    /// A regular file larger than the walker's `maxFileBytes`.
    case tooLarge
    /// Nothing is there (any more): the daemon should drop the file from the index.
    case missing
    /// The path is not inside the workspace root.
    case outside
    /// A directory, symbolic link, FIFO, socket or device, or a path through a symbolically
    /// linked directory: the walk would not list it (it counts links and special files as `ignored`).
    case notRegular
    /// The file, or a directory on the way to it, cannot be read by this process.
    case unreadable
}
