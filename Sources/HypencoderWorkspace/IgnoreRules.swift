/// The ignore rules of one workspace: every pattern from its `.gitignore`, `.ignore` and
/// `.hypencoderignore` files and from `.git/info/exclude`, each kept with the directory whose
/// file it came from.
///
/// A workspace is usually a git checkout, and the files a developer does not want searched
/// (build output, vendored dependencies, generated code) are the ones already listed in its
/// ignore files; reading those gives "grep by meaning" the same view of the tree that `git
/// status` and ripgrep give. `.ignore` is ripgrep's file for "not in version control's
/// ignore list, but do not search it"; `.hypencoderignore` does the same for this tool only.
///
/// Precedence follows git: a rule from a deeper directory overrides one from a shallower
/// directory, and within one directory the last matching rule wins. The files of one
/// directory are read in `fileNames` order (`.gitignore`, `.ignore`, `.hypencoderignore`), so
/// a later file can re-include what an earlier one excluded; `.git/info/exclude` is read
/// before the root's files, so those override it, as in git.
///
/// `isIgnored` judges one path on its own. Git's rule that nothing inside an excluded
/// directory can be re-included is kept by the caller: the walker never enters an ignored
/// directory, and `WorkspaceWalker.file(atAbsolutePath:)` checks every directory on the way.
public struct IgnoreRules: Sendable {
    /// The per-directory ignore files, in the order their rules are added (lowest precedence first).
    public static let fileNames = [".gitignore", ".ignore", ".hypencoderignore"]

    /// The repository-local exclude file, read once at the workspace root before the root's own files.
    public static let gitExcludePath = ".git/info/exclude"

    /// Rules keyed by the directory (relative to the workspace root, "" for the root) whose
    /// ignore file they came from, in file order. Keying by directory keeps a lookup
    /// proportional to the path's depth rather than to the number of ignore files in the tree.
    private var rulesByDirectory: [String: [IgnoreRule]] = [:]

    public init() {}

    /// True when no rule has been added.
    public var isEmpty: Bool { rulesByDirectory.isEmpty }

    /// Adds the rules in `text` (the contents of one ignore file) for `baseDirectory`, the
    /// file's directory relative to the workspace root ("" for the root). They apply to that
    /// directory and everything below it, and take precedence over rules added before for the
    /// same directory.
    public mutating func add(patternsFrom text: String, baseDirectory: String) {
        // Split on the newline scalar: as Characters, "\r\n" is one grapheme and would not split.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: true)
        let rules = lines.compactMap { IgnoreRule(line: Substring($0)) }
        guard !rules.isEmpty else { return }
        rulesByDirectory[Self.trimmingSlashes(baseDirectory), default: []].append(contentsOf: rules)
    }

    /// Whether the rules exclude `relativePath` (relative to the workspace root, `/`-separated,
    /// no leading slash). `isDirectory` matters for patterns ending in `/`, which only match
    /// directories. Parent directories are not consulted: see the type's documentation.
    public func isIgnored(relativePath: String, isDirectory: Bool) -> Bool {
        guard !rulesByDirectory.isEmpty else { return false }
        let path = Array(Self.trimmingSlashes(relativePath).utf8)
        guard !path.isEmpty else { return false }
        let nameStart = (path.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
        let name = path[nameStart...]

        // Deepest ignore file first: the first rule that matches decides.
        var baseEnd = nameStart - 1  // the slash ending the candidate base directory, or -1 for the root
        while true {
            let base = baseEnd < 0 ? "" : String(decoding: path[..<baseEnd], as: UTF8.self)
            if let rules = rulesByDirectory[base] {
                let pathBelowBase = path[(baseEnd + 1)...]
                for rule in rules.reversed() where rule.matches(pathBelowBase, name: name, isDirectory: isDirectory) {
                    return !rule.isNegated
                }
            }
            if baseEnd < 0 { return false }
            baseEnd = path[..<baseEnd].lastIndex(of: UInt8(ascii: "/")) ?? -1
        }
    }

    private static func trimmingSlashes(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

/// One line of an ignore file, parsed the way git's `parse_path_pattern` does.
struct IgnoreRule: Sendable {
    /// For a path pattern, its bytes before the first glob character, compared literally;
    /// empty for a name pattern. See `init(line:)` for why this is kept apart.
    let literalPrefix: [UInt8]
    /// The rest of the pattern, without the `!`, the leading `/` and the trailing `/`.
    let glob: GlobPattern
    /// `!pattern`: a match re-includes the path.
    let isNegated: Bool
    /// `pattern/`: matches directories only.
    let matchesDirectoriesOnly: Bool
    /// A pattern without any `/` (other than a trailing one) matches a name at any depth below
    /// its ignore file; one with a `/` is matched against the whole path from that directory.
    let matchesNameOnly: Bool

    /// Parses one line; nil for blank lines and comments.
    init?(line rawLine: Substring) {
        var line = rawLine
        if line.unicodeScalars.last == "\r" { line = Substring(line.unicodeScalars.dropLast()) }  // Windows line endings
        line = Self.trimmingUnescapedTrailingSpaces(line)
        guard !line.isEmpty, !line.hasPrefix("#") else { return nil }

        isNegated = line.hasPrefix("!")
        if isNegated { line = line.dropFirst() }

        // A trailing slash is "directories only"; an escaped one (`\/`) is not git syntax
        // anyone writes, so only a plain slash counts.
        matchesDirectoriesOnly = line.hasSuffix("/")
        while line.hasSuffix("/") { line = line.dropLast() }

        // Decided before the leading slash is removed: `/name` is anchored, `name` is not.
        matchesNameOnly = !line.contains("/")
        if line.hasPrefix("/") { line = line.dropFirst() }
        guard !line.isEmpty else { return nil }

        // Git's `match_pathname` compares a path pattern's leading literal part first and hands
        // only the rest to wildmatch, which then sees the rest as a whole pattern. That is
        // visible: in `c**/a` the `**` starts what wildmatch sees, so it acts as a leading `**/`
        // and the pattern matches the directory `ca`. Splitting the same way reproduces it.
        if matchesNameOnly {
            literalPrefix = []
            glob = GlobPattern(line)
        } else {
            let globStart = line.utf8.firstIndex { "*?[\\".utf8.contains($0) } ?? line.utf8.endIndex
            literalPrefix = Array(line.utf8[..<globStart])
            glob = GlobPattern(Substring(line.utf8[globStart...]))
        }
    }

    /// Whether the rule matches a path, given as its part below the rule's directory and its
    /// last component.
    func matches(_ pathBelowBase: ArraySlice<UInt8>, name: ArraySlice<UInt8>, isDirectory: Bool) -> Bool {
        if matchesDirectoriesOnly && !isDirectory { return false }
        if matchesNameOnly { return glob.matches(name) }
        guard pathBelowBase.starts(with: literalPrefix) else { return false }
        return glob.matches(pathBelowBase.dropFirst(literalPrefix.count))
    }

    /// Git drops trailing spaces unless a backslash escapes them (`name\ ` keeps one space).
    /// Tabs are kept, as in git.
    private static func trimmingUnescapedTrailingSpaces(_ line: Substring) -> Substring {
        let scalars = line.unicodeScalars
        var keptEnd = scalars.startIndex
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
            if scalar == "\\" && index < scalars.endIndex {
                index = scalars.index(after: index)  // the escaped scalar is kept, even a space
                keptEnd = index
            } else if scalar != " " {
                keptEnd = index
            }
        }
        return Substring(scalars[..<keptEnd])
    }
}
