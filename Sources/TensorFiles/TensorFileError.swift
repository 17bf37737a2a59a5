#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a tensor file could not be mapped or its header could not be read.
///
/// Every case carries the file's path, and `reason` names the field and the limit involved,
/// so the index and the weight loader can wrap it in their own error types without losing
/// anything (`IndexError.importFailed`, `ModelError.format`, …).
public enum TensorFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed; `code` is its `errno`, `operation` what was attempted
    /// (`open`, `fstat`, `mmap 4096 bytes at 0`).
    case system(path: String, operation: String, code: Int32)
    /// The path is a directory, device or FIFO: there is nothing to map.
    case notRegularFile(path: String)
    /// The bytes break the format (truncated, lying header, non-integer shape, …).
    case malformed(path: String, reason: String)

    public var path: String {
        switch self {
        case .system(let path, _, _), .notRegularFile(let path), .malformed(let path, _): return path
        }
    }

    /// The message without the path, for wrapping in another error that prints the path itself.
    public var reason: String {
        switch self {
        case .system(_, let operation, let code):
            return "cannot \(operation): \(String(cString: strerror(code))) (errno \(code))"
        case .notRegularFile:
            return "not a regular file"
        case .malformed(_, let reason):
            return reason
        }
    }

    public var description: String { "\(path): \(reason)" }
}
