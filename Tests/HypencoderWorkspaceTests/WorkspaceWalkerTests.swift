import Foundation
import XCTest

@testable import HypencoderWorkspace

/// The walker over real trees on disk: what it lists, what it skips and how it counts, and
/// that the single-file verdict agrees with the full walk.
final class WorkspaceWalkerTests: XCTestCase {
    private var tree: TemporaryTree!

    override func setUpWithError() throws { tree = try TemporaryTree() }
    override func tearDown() { tree.remove() }

    private func walk(maxFileBytes: Int = 1 << 20) throws -> WalkResult {
        return try WorkspaceWalker(root: tree.root, maxFileBytes: maxFileBytes).walk()
    }

    private func listedPaths(_ result: WalkResult) -> [String] { result.files.map(\.relativePath) }

    func testListsEveryPlainFileSortedWithSizesAndTimes() throws {
        for path in ["b.txt", "a/z.md", "a/b/c.swift", "a-b.txt", "A.txt", "c/d/e/f.txt"] {
            try tree.write(path, "text of \(path)")
        }
        try tree.makeDirectory("empty")
        let result = try walk()
        XCTAssertEqual(listedPaths(result), listedPaths(result).sorted())
        XCTAssertEqual(Set(listedPaths(result)), ["b.txt", "a/z.md", "a/b/c.swift", "a-b.txt", "A.txt", "c/d/e/f.txt"])
        XCTAssertEqual(result.skipped, SkipCounts())
        for file in result.files {
            XCTAssertEqual(file.absolutePath, tree.path(file.relativePath))
            XCTAssertEqual(file.size, "text of \(file.relativePath)".utf8.count)
            var info = stat()
            XCTAssertEqual(lstat(file.absolutePath, &info), 0)
            XCTAssertEqual(file.modifiedNanoseconds, Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
            XCTAssertGreaterThan(file.modifiedNanoseconds, 1_600_000_000 * 1_000_000_000)
        }
    }

    func testHiddenEntriesAreCountedOnceAndNotEntered() throws {
        try tree.write("visible.txt", "v")
        try tree.write(".env", "secret")
        try tree.write(".venv/lib/site.py", "x")
        try tree.write(".venv/lib/more.py", "x")
        try tree.write("src/.cache/blob", "x")
        let result = try walk()
        XCTAssertEqual(listedPaths(result), ["visible.txt"])
        XCTAssertEqual(result.skipped, SkipCounts(hidden: 3))
    }

    func testIgnoredDirectoryIsNotEnteredSoNothingInsideCanBeReincluded() throws {
        try tree.write(".gitignore", "build/\n!build/keep.txt\n*.txt\n!important.txt\n")
        try tree.write("build/keep.txt", "k")
        try tree.write("build/out.bin", "o")
        try tree.write("notes.txt", "n")
        try tree.write("important.txt", "i")
        try tree.write("src/important.txt", "i")
        try tree.write("src/main.swift", "m")
        let result = try walk()
        XCTAssertEqual(listedPaths(result), ["important.txt", "src/important.txt", "src/main.swift"])
        // build/ (one directory) and notes.txt; .gitignore itself is hidden.
        XCTAssertEqual(result.skipped, SkipCounts(ignored: 2, hidden: 1))
    }

    func testNestedIgnoreFilesOverrideTheirParentsWithinTheirDirectory() throws {
        try tree.write(".gitignore", "*.log\n")
        try tree.write("logs/.gitignore", "!*.log\nold.log\n")
        try tree.write("logs/new.log", "n")
        try tree.write("logs/old.log", "o")
        try tree.write("logs/deeper/also.log", "a")
        try tree.write("top.log", "t")
        try tree.write("other/x.log", "x")
        let result = try walk()
        XCTAssertEqual(listedPaths(result), ["logs/deeper/also.log", "logs/new.log"])
        XCTAssertEqual(result.skipped.ignored, 3)
    }

    func testAllThreeIgnoreFilesAndGitExcludeAreRead() throws {
        try tree.write(".git/info/exclude", "*.tmp\nfrom-exclude.txt\n")
        try tree.write(".gitignore", "!keep.tmp\n*.gen\n")
        try tree.write(".ignore", "vendor/\n")
        try tree.write(".hypencoderignore", "!wanted.gen\n*.min.js\n")
        for path in ["a.tmp", "keep.tmp", "from-exclude.txt", "x.gen", "wanted.gen", "vendor/lib.c", "app.min.js", "app.js"] {
            try tree.write(path, "x")
        }
        let result = try walk()
        XCTAssertEqual(listedPaths(result), ["app.js", "keep.tmp", "wanted.gen"])
        XCTAssertEqual(result.skipped, SkipCounts(ignored: 5, hidden: 4))  // .git and the three ignore files
    }

    func testSymbolicLinksAreNotFollowedAndCountAsIgnored() throws {
        try tree.write("real/file.txt", "r")
        try tree.makeSymbolicLink("link-to-file.txt", to: tree.path("real/file.txt"))
        try tree.makeSymbolicLink("link-to-dir", to: tree.path("real"))
        try tree.makeSymbolicLink("dangling", to: tree.path("nowhere"))
        try tree.makeSymbolicLink("real/loop", to: tree.root)
        let result = try walk()
        XCTAssertEqual(listedPaths(result), ["real/file.txt"])
        XCTAssertEqual(result.skipped, SkipCounts(ignored: 4))
    }

    func testFilesOverTheLimitAreTooLarge() throws {
        try tree.write("small.txt", String(repeating: "s", count: 100))
        try tree.write("exact.txt", String(repeating: "e", count: 128))
        try tree.write("big.txt", String(repeating: "b", count: 129))
        let result = try walk(maxFileBytes: 128)
        XCTAssertEqual(listedPaths(result), ["exact.txt", "small.txt"])
        XCTAssertEqual(result.skipped, SkipCounts(tooLarge: 1))
    }

    func testUnreadableFilesAndDirectoriesAreCounted() throws {
        // Root reads anything whatever the mode, so there is nothing to observe when running as root.
        if geteuid() == 0 { throw XCTSkip("running as root: chmod 000 does not stop root from reading") }
        try tree.write("open.txt", "o")
        try tree.write("closed.txt", "c")
        try tree.write("locked/inside.txt", "i")
        XCTAssertEqual(chmod(tree.path("closed.txt"), 0), 0)
        XCTAssertEqual(chmod(tree.path("locked"), 0), 0)
        let result = try walk()
        XCTAssertEqual(listedPaths(result), ["open.txt"])
        XCTAssertEqual(result.skipped, SkipCounts(unreadable: 2))
        let walker = WorkspaceWalker(root: tree.root, maxFileBytes: 1 << 20)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("closed.txt")), .unreadable)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("locked/inside.txt")), .unreadable)
    }

    func testNamesThatAreNotUTF8AreCountedAsUnreadable() throws {
        try tree.write("fine.txt", "f")
        // A name with the byte 0xFF, which no UTF-8 string contains; made with open(2) on raw bytes.
        var rawPath = Array((tree.root + "/bad-").utf8)
        rawPath.append(0xFF)
        rawPath.append(0)
        let descriptor = rawPath.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY, 0o644) }
        }
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        close(descriptor)
        let result = try walk()
        XCTAssertEqual(listedPaths(result), ["fine.txt"])
        XCTAssertEqual(result.skipped, SkipCounts(unreadable: 1))
    }

    func testRootMustBeAnExistingDirectory() throws {
        try tree.write("file.txt", "f")
        for root in [tree.path("file.txt"), tree.path("missing")] {
            XCTAssertThrowsError(try WorkspaceWalker(root: root, maxFileBytes: 10).walk()) { error in
                XCTAssertEqual(error as? WorkspaceError, .notADirectory(root))
                XCTAssertTrue("\(error)".contains("is not a directory"), "\(error)")
            }
        }
    }

    func testTooManyFilesIsRefused() throws {
        for index in 0..<4 { try tree.write("f\(index).txt", "x") }
        XCTAssertEqual(try WorkspaceWalker(root: tree.root, maxFileBytes: 10, fileLimit: 4).walk().files.count, 4)
        XCTAssertThrowsError(try WorkspaceWalker(root: tree.root, maxFileBytes: 10, fileLimit: 3).walk()) { error in
            XCTAssertEqual(error as? WorkspaceError, .tooManyFiles(3))
            XCTAssertTrue("\(error)".contains("more than 3 files"), "\(error)")
        }
        XCTAssertEqual(WorkspaceWalker.defaultFileLimit, 200_000)
    }

    func testRootGivenWithDotsAndSlashesIsCleaned() throws {
        try tree.write("sub/a.txt", "a")
        let walker = WorkspaceWalker(root: tree.root + "/sub/../sub//./", maxFileBytes: 10)
        XCTAssertEqual(walker.root, tree.path("sub"))
        XCTAssertEqual(try walker.walk().files.map(\.absolutePath), [tree.path("sub/a.txt")])
    }

    // MARK: - file(atAbsolutePath:)

    /// A tree with one of everything; every regular file in it gets `.file` exactly when the
    /// walk lists it, with the same size, time and paths.
    func testSingleFileVerdictAgreesWithTheWalkForEveryFile() throws {
        try tree.write(".git/info/exclude", "excluded-by-git.txt\n")
        try tree.write(".git/HEAD", "ref")
        try tree.write(".gitignore", "*.log\nbuild/\n/anchored.txt\n")
        try tree.write("src/.gitignore", "!debug.log\ngenerated/\n")
        try tree.write("src/.hypencoderignore", "*.snap\n")
        try tree.write("src/sub/.ignore", "!*.snap\n")
        let files = [
            "readme.md", "excluded-by-git.txt", "app.log", "anchored.txt", "src/anchored.txt", "build/out.o",
            "build/deep/x.txt", "src/debug.log", "src/other.log", "src/generated/api.swift", "src/a.snap",
            "src/sub/b.snap", "src/sub/code.swift", ".hidden.txt", "src/.cache/x", "big.txt",
        ]
        for path in files { try tree.write(path, path == "big.txt" ? String(repeating: "b", count: 500) : path) }
        try tree.makeSymbolicLink("src/link.txt", to: tree.path("readme.md"))

        let walker = WorkspaceWalker(root: tree.root, maxFileBytes: 400)
        let walked = try walker.walk()
        XCTAssertEqual(
            listedPaths(walked),
            ["readme.md", "src/anchored.txt", "src/debug.log", "src/sub/b.snap", "src/sub/code.swift"])
        let listed = Dictionary(uniqueKeysWithValues: walked.files.map { ($0.relativePath, $0) })
        for entry in tree.allEntries() {
            let verdict = walker.file(atAbsolutePath: tree.path(entry.relativePath))
            if entry.isDirectory {
                XCTAssertNil(verdict.walkedFile, "directory \(entry.relativePath)")
                continue
            }
            XCTAssertEqual(verdict.walkedFile, listed[entry.relativePath], entry.relativePath)
        }
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("app.log")), .ignored)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("build/deep/x.txt")), .ignored)  // via its directory
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("excluded-by-git.txt")), .ignored)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("src/a.snap")), .ignored)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path(".hidden.txt")), .hidden)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("src/.cache/x")), .hidden)  // via its directory
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("big.txt")), .tooLarge)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("src/link.txt")), .notRegular)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("src")), .notRegular)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.root), .notRegular)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("gone.txt")), .missing)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("no/such/dir.txt")), .missing)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("readme.md/child")), .missing)
        XCTAssertEqual(walker.file(atAbsolutePath: "/etc/hostname"), .outside)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.root + "-sibling/readme.md"), .outside)
        XCTAssertEqual(walker.file(atAbsolutePath: tree.path("src/../readme.md")), .file(listed["readme.md"]!))
    }

    /// An editor may report a path through a link to the workspace, or the daemon may have
    /// been given the root through one: both map to the path the walk lists.
    func testPathsThroughSymbolicLinksMapToTheWalkedPath() throws {
        try tree.write("workspace/notes.md", "n")
        try tree.makeSymbolicLink("alias", to: tree.path("workspace"))
        let direct = WorkspaceWalker(root: tree.path("workspace"), maxFileBytes: 100)
        guard case .file(let file) = direct.file(atAbsolutePath: tree.path("alias/notes.md")) else {
            return XCTFail("a path through a link to the root should resolve")
        }
        XCTAssertEqual(file.relativePath, "notes.md")
        XCTAssertEqual(file.absolutePath, tree.path("workspace/notes.md"))

        let throughAlias = WorkspaceWalker(root: tree.path("alias"), maxFileBytes: 100)
        XCTAssertEqual(try throughAlias.walk().files.map(\.relativePath), ["notes.md"])
        guard case .file(let viaRealPath) = throughAlias.file(atAbsolutePath: tree.path("workspace/notes.md")) else {
            return XCTFail("the real path of a file under a linked root should resolve")
        }
        XCTAssertEqual(viaRealPath.relativePath, "notes.md")
    }
}

extension FileVerdict {
    /// The file when the verdict is `.file`, else nil: lets a test compare a verdict with the walk's list.
    fileprivate var walkedFile: WorkspaceFile? {
        if case .file(let file) = self { return file }
        return nil
    }
}
