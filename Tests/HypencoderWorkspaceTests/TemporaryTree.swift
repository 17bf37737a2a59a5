import Foundation
import XCTest

/// A real directory under /tmp for one test, filled with real files, removed afterwards.
final class TemporaryTree {
    let root: String

    init() throws {
        var template = Array("/tmp/hcws.XXXXXX".utf8CString)
        root = try XCTUnwrap(mkdtemp(&template).map { String(cString: $0) })
    }

    /// Removes the tree, first giving back permissions a test took away (else removal fails).
    func remove() {
        if let paths = FileManager.default.enumerator(atPath: root) {
            for case let path as String in paths { chmod(root + "/" + path, 0o755) }
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    func path(_ relativePath: String) -> String { root + "/" + relativePath }

    /// Writes `contents` to `relativePath`, creating the directories on the way.
    func write(_ relativePath: String, _ contents: String) throws {
        try write(relativePath, bytes: Array(contents.utf8))
    }

    func write(_ relativePath: String, bytes: [UInt8]) throws {
        let url = URL(fileURLWithPath: path(relativePath))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    func makeDirectory(_ relativePath: String) throws {
        try FileManager.default.createDirectory(atPath: path(relativePath), withIntermediateDirectories: true)
    }

    func makeSymbolicLink(_ relativePath: String, to destination: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path(relativePath), withDestinationPath: destination)
    }

    /// Every regular file and directory in the tree, hidden and ignored ones included, as
    /// relative paths; nothing below a symbolic link.
    func allEntries() -> [(relativePath: String, isDirectory: Bool)] {
        var entries: [(String, Bool)] = []
        guard let paths = FileManager.default.enumerator(atPath: root) else { return [] }
        for case let relativePath as String in paths {
            var info = stat()
            guard lstat(path(relativePath), &info) == 0 else { continue }
            entries.append((relativePath, info.st_mode & S_IFMT == S_IFDIR))
        }
        return entries
    }
}
