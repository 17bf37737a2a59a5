import Foundation
import HypencoderRPC
import HypencoderWorkspace

/// `workspace.json` in a workspace collection's directory: the folder that collection indexes
/// and how its files were split (`{"root": "/abs/path", "passageTokens": 128,
/// "overlapLines": 2, "maxFileBytes": 1048576}`), so an update on save splits a file exactly
/// as the last `workspace/index` did. It is written (atomically: temporary file, fsync,
/// rename, fsync of the directory) before the collection's first document, so a collection
/// that holds a workspace's passages always knows its root after a crash.
struct WorkspaceRecord: Equatable {
    static let fileName = "workspace.json"

    var root: String
    var settings: WorkspaceSync.Settings

    /// The record in `directory`, or nil when there is none (a plain collection) or it cannot
    /// be read (then the collection simply is not found by path; re-indexing the workspace
    /// writes the record again).
    static func read(directory: String) -> WorkspaceRecord? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + fileName),
            case .object(let object)? = try? JSONValue.parse([UInt8](data)),
            case .string(let root)? = object["root"]
        else { return nil }
        var settings = WorkspaceSync.Settings()
        if case .integer(let value)? = object["passageTokens"] { settings.passageTokens = Int(value) }
        if case .integer(let value)? = object["overlapLines"] { settings.overlapLines = Int(value) }
        if case .integer(let value)? = object["maxFileBytes"] { settings.maxFileBytes = Int(value) }
        return WorkspaceRecord(root: root, settings: settings)
    }

    func write(directory: String) throws {
        let object: JSONValue = [
            "root": .string(root), "passageTokens": .integer(Int64(settings.passageTokens)),
            "overlapLines": .integer(Int64(settings.overlapLines)), "maxFileBytes": .integer(Int64(settings.maxFileBytes)),
        ]
        let bytes = object.serialized() + [0x0A]
        let path = directory + "/" + Self.fileName
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.failure("cannot create \(temporary)") }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Self.failure("cannot write \(path)")
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// -32022, as the index's own file errors are: the operation was refused, nothing written.
    private static func failure(_ what: String) -> RPCError {
        RPCError(code: ServerErrorCode.indexError, message: "index: \(what): \(String(cString: strerror(errno)))")
    }

    /// The collection name for a workspace root: `ws-<folder name>-<12 hex digits of the
    /// path's hash>` — readable in `collection/list`, and the same for the same root on every
    /// run, so re-indexing finds its collection again without any state on the client side.
    static func collectionName(forRoot root: String) -> String {
        let folder = root.split(separator: "/").last.map(String.init) ?? "root"
        let readable = String(
            folder.unicodeScalars.prefix(40).map { scalar -> Character in
                let allowed =
                    scalar.isASCII
                    && (CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "_" || scalar == "-")
                return allowed ? Character(scalar) : "-"
            })
        return "ws-\(readable)-\(contentHash(root).prefix(12))"
    }
}
