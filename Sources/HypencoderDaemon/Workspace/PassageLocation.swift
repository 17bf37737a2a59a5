import Foundation
import HypencoderRPC

/// Where a passage of an indexed file comes from, as stored in its document's metadata:
/// `{"path": "/abs/file", "line": 10, "endLine": 24, "fileSize": …, "fileModified": …,
/// "fileHash": "…"}`. `path`, `line` and `endLine` (1-based, inclusive) are what editors jump
/// to; the `file*` keys are what `workspace/index` compares on its next run to tell an
/// unchanged file from a changed one without reading it (size and modification time, as
/// git's index does) and a touched file from an edited one (the content hash).
struct PassageLocation: Equatable {
    var path: String
    var line: Int
    var endLine: Int
    var file: FileState

    /// What identifies one version of a file.
    struct FileState: Equatable {
        var size: Int
        var modifiedNanoseconds: Int64
        var hash: String
    }

    var metadata: JSONValue {
        [
            "path": .string(path), "line": .integer(Int64(line)), "endLine": .integer(Int64(endLine)),
            "fileSize": .integer(Int64(file.size)), "fileModified": .integer(file.modifiedNanoseconds),
            "fileHash": .string(file.hash),
        ]
    }

    /// The location stored in a document's metadata, nil for documents that are not passages.
    init?(metadata: JSONValue) {
        guard case .object(let object) = metadata,
            case .string(let path)? = object["path"], case .integer(let line)? = object["line"],
            case .integer(let endLine)? = object["endLine"], case .integer(let size)? = object["fileSize"],
            case .integer(let modified)? = object["fileModified"], case .string(let hash)? = object["fileHash"]
        else { return nil }
        self.init(
            path: path, line: Int(line), endLine: Int(endLine),
            file: FileState(size: Int(size), modifiedNanoseconds: modified, hash: hash))
    }

    init(path: String, line: Int, endLine: Int, file: FileState) {
        self.path = path
        self.line = line
        self.endLine = endLine
        self.file = file
    }

    /// Whether stored metadata bytes contain the key `"path"` at all (a cheap scan before a parse).
    static func mayHoldLocation(_ bytes: [UInt8]?) -> Bool {
        guard let bytes else { return false }
        let key = Array(#""path""#.utf8)
        guard bytes.count >= key.count else { return false }
        return (0...(bytes.count - key.count)).contains { start in
            bytes[start] == key[0] && bytes[start..<(start + key.count)].elementsEqual(key)
        }
    }

    /// The `path`, `line` and `endLine` members a search hit carries when its document's
    /// metadata has them (passages of indexed files, or any client document that uses the
    /// same keys), so editors need not ask for metadata to jump to a result.
    static func fields(of metadata: JSONValue) -> [(String, JSONValue)] {
        guard case .object(let object) = metadata, case .string? = object["path"] else { return [] }
        return ["path", "line", "endLine"].compactMap { key in
            switch object[key] {
            case .string(let value)? where key == "path": return (key, .string(value))
            case .integer(let value)? where key != "path": return (key, .integer(value))
            default: return nil
            }
        }
    }
}

/// Paths that clients send for workspaces: absolute, and resolved through symbolic links so
/// that `/home/me/proj` and a linked `/work/proj` name the same workspace.
enum WorkspacePaths {
    /// `reader`'s string as an absolute, resolved path. A path that does not exist (a deleted
    /// file) is resolved through its nearest existing ancestor.
    /// - Throws: -32602 naming the field when it is not an absolute path.
    static func absolute(_ reader: ParamsReader) throws -> String {
        let path = try reader.string(maxLength: Int(PATH_MAX), allowEmpty: false)
        guard path.hasPrefix("/") else { throw reader.error("expected an absolute path, got \"\(path)\"") }
        guard !path.utf8.contains(0) else { throw reader.error("a path cannot contain a NUL character") }
        return resolve(path)
    }

    static func resolve(_ path: String) -> String {
        if let resolved = realpath(path, nil) {
            defer { free(resolved) }
            return String(cString: resolved)
        }
        // The last component split off by hand: Foundation's NSString path methods trapped on
        // a client's path of long runs of slashes (found by the method-params fuzz target,
        // Tests/Fuzz/regressions/method-params/workspace-path-of-slashes).
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return path }
        let last = trimmed[trimmed.index(after: slash)...]
        guard !last.isEmpty else { return path }  // "/" itself
        var parent = trimmed[..<slash]
        while parent.hasSuffix("/") { parent = parent.dropLast() }
        let base = parent.isEmpty ? "/" : resolve(String(parent))
        return (base == "/" ? "" : base) + "/" + last
    }
}
