/// Why a whole walk could not be done. Problems with single entries inside the tree are not
/// errors: they are counted in `SkipCounts` and the walk goes on.
public enum WorkspaceError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The workspace root does not exist or is not a directory.
    case notADirectory(String)
    /// The root is a directory, but listing it failed (usually permissions).
    case unreadableRoot(path: String, reason: String)
    /// The tree holds more indexable files than the limit. Refusing is better than indexing
    /// an arbitrary part of it: the user most likely pointed at a home directory or a tree
    /// without ignore files, and should narrow the root or add ignore rules.
    case tooManyFiles(Int)

    public var description: String {
        switch self {
        case .notADirectory(let path):
            return "workspace root \(path) is not a directory"
        case .unreadableRoot(let path, let reason):
            return "cannot list workspace root \(path): \(reason)"
        case .tooManyFiles(let limit):
            return
                "workspace has more than \(limit) files to index; choose a smaller folder or exclude "
                + "directories with a .gitignore, .ignore or .hypencoderignore file"
        }
    }
}
