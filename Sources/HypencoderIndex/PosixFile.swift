import Foundation
import TensorFiles

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A thin owner of a POSIX file descriptor. The index needs exact control over `fsync`,
/// positioned writes and truncation, which `FileHandle` does not give portably; every call
/// turns `errno` into an `IndexError.io` that names the path and the operation.
final class PosixFile {
    let descriptor: Int32
    let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    deinit { close(descriptor) }

    static func open(_ path: String, flags: Int32, mode: mode_t = 0o644) throws -> PosixFile {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw IndexError.io(operation: "open", path: path, code: errno) }
        return PosixFile(descriptor: fd, path: path)
    }

    static func openForReading(_ path: String) throws -> PosixFile { try open(path, flags: O_RDONLY) }

    /// Creates (or empties) a file for writing.
    static func create(_ path: String) throws -> PosixFile { try open(path, flags: O_RDWR | O_CREAT | O_TRUNC) }

    func size() throws -> Int {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw IndexError.io(operation: "fstat", path: path, code: errno) }
        return Int(info.st_size)
    }

    /// Writes all of `bytes` at `offset`, retrying short writes and EINTR.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw IndexError.io(operation: "write", path: path, code: errno)
            }
            done += n
        }
    }

    func write(_ bytes: [UInt8], at offset: Int) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }

    /// Reads exactly `count` bytes at `offset` (fewer only at end of file).
    func read(count: Int, at offset: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        try result.withUnsafeMutableBytes { buffer in
            while done < count {
                let n = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw IndexError.io(operation: "read", path: path, code: errno)
                }
                if n == 0 { break }
                done += n
            }
        }
        return Array(result.prefix(done))
    }

    func readAll() throws -> [UInt8] { try read(count: try size(), at: 0) }

    /// Flushes data and metadata to stable storage; the durability promise rests on this call.
    func sync() throws {
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw IndexError.io(operation: "fsync", path: path, code: errno)
        }
    }

    func truncate(to length: Int) throws {
        guard ftruncate(descriptor, off_t(length)) == 0 else {
            throw IndexError.io(operation: "ftruncate", path: path, code: errno)
        }
    }

    /// Takes an exclusive advisory lock without waiting. The kernel drops it when the process
    /// dies, so a crashed daemon never leaves the index locked.
    func tryLockExclusive() -> Bool { flock(descriptor, LOCK_EX | LOCK_NB) == 0 }

    func unlock() { flock(descriptor, LOCK_UN) }

    /// Maps `length` bytes at `offset` (a multiple of the page size). The mapping outlives this
    /// descriptor; the vector store never remaps one it has handed out, so a search holding a
    /// snapshot keeps its rows valid (even in an unlinked file) for as long as it runs.
    func map(offset: Int, length: Int, access: MappedFile.Access) throws -> MappedFile {
        try IndexError.translating {
            try MappedFile(descriptor: descriptor, path: path, offset: offset, length: length, access: access)
        }
    }
}

/// Directory operations whose ordering the checkpoint protocol depends on.
enum Directory {
    /// Makes renames and creations inside `path` durable.
    static func sync(_ path: String) throws {
        let directory = try PosixFile.open(path, flags: O_RDONLY | O_DIRECTORY)
        try directory.sync()
    }

    static func rename(_ from: String, to: String) throws {
        guard Glibc.rename(from, to) == 0 else {
            throw IndexError.io(operation: "rename to \(to)", path: from, code: errno)
        }
    }

    /// Removes a file; a missing file is not an error.
    static func remove(_ path: String) throws {
        guard unlink(path) == 0 || errno == ENOENT else {
            throw IndexError.io(operation: "unlink", path: path, code: errno)
        }
    }

    /// Creates `path` and any missing parents (mode 0755).
    static func create(_ path: String) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw IndexError.io(operation: "mkdir", path: current, code: errno)
            }
        }
    }

    static func list(_ path: String) throws -> [String] {
        do { return try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw IndexError.io(operation: "list directory", path: path, code: ENOENT)
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Writes `bytes` to `path` durably: temporary file, fsync, rename, (caller fsyncs the directory).
    static func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp"
        let file = try PosixFile.create(temporary)
        try file.write(bytes, at: 0)
        try file.sync()
        try rename(temporary, to: path)
    }
}
