import Foundation
import TensorFiles

/// Every failure the index reports. Each case names the file, field or limit involved so that
/// an operator reading a log line knows what to fix without reading the source.
public enum IndexError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A system call failed; `code` is the `errno` value.
    case io(operation: String, path: String, code: Int32)
    /// A value is over one of the bounds in `IndexLimits`; `limit` is the property name.
    case limitExceeded(limit: String, value: Int, maximum: Int)
    /// A vector or matrix has the wrong number of components.
    case dimensionMismatch(expected: Int, actual: Int, context: String)
    /// The index was built by a different model than the one opening it.
    case fingerprintMismatch(expected: String, found: String, path: String)
    /// The index stores vectors as `stored`, and its opener required `requested`
    /// (`IndexOptions.requireStorage`).
    case storageMismatch(path: String, stored: String, requested: String)
    /// A file was written by a newer (or unknown) format version.
    case unsupportedFormatVersion(path: String, found: Int, supported: Int)
    /// A file is truncated, has a bad checksum or does not parse.
    case corruptFile(path: String, reason: String)
    /// A write-ahead log record before the last one is damaged (see `WriteAheadLog`).
    case logCorrupted(path: String, offset: Int, reason: String)
    /// A caller passed a value the index cannot store (empty id, NaN component, …).
    case invalidArgument(String)
    /// Writing an update failed (disk full, I/O error, …); the log was cut back, so nothing of
    /// it was stored and later updates may succeed once the cause is gone.
    case updateNotStored(String)
    /// An earlier write of the log failed and the log could not be cut back to its last
    /// acknowledged record; updates are refused until that cut succeeds (retried each time).
    case logUnusable(String)
    /// Another process (or another `DocumentIndex` in this one) holds the directory.
    case directoryLocked(path: String)
    /// A bulk-import input file is malformed.
    case importFailed(path: String, reason: String)
    /// The index was closed.
    case closed
    /// A documented threading rule was broken (e.g. updating the index from inside a scorer).
    case threadingViolation(String)

    public var description: String {
        switch self {
        case .io(let operation, let path, let code):
            return "\(operation) failed for \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .limitExceeded(let limit, let value, let maximum):
            return "\(limit) exceeded: \(value) > \(maximum)"
        case .dimensionMismatch(let expected, let actual, let context):
            return "\(context): expected dimension \(expected), got \(actual)"
        case .fingerprintMismatch(let expected, let found, let path):
            return
                "index at \(path) was built by model '\(found)', but model '\(expected)' is loaded; rebuild the index or load the matching model"
        case .storageMismatch(let path, let stored, let requested):
            return
                "index at \(path) stores \(stored) vectors, but \(requested) was asked for; open it without asking for a vector type to keep \(stored), or index into a new directory to get \(requested) (there is no conversion)"
        case .unsupportedFormatVersion(let path, let found, let supported):
            return "\(path) has format version \(found); this build reads up to version \(supported)"
        case .corruptFile(let path, let reason):
            return "\(path) is corrupt: \(reason)"
        case .logCorrupted(let path, let offset, let reason):
            return
                "write-ahead log \(path) is corrupt at byte \(offset) (not the last record): \(reason); refusing to open so acknowledged updates after it are not silently dropped (open with logRecovery = .truncateAtFirstCorruption to keep only the records before it)"
        case .invalidArgument(let message):
            return message
        case .updateNotStored(let reason):
            return "the update was not stored: \(reason); nothing of it is in the index"
        case .logUnusable(let reason):
            return
                "updates are refused until the write-ahead log can be cut back to its last acknowledged record (\(reason)); this is retried before every update"
        case .directoryLocked(let path):
            return "index directory \(path) is already open (lock held on \(path)/LOCK)"
        case .importFailed(let path, let reason):
            return "cannot import \(path): \(reason)"
        case .closed:
            return "the index is closed"
        case .threadingViolation(let message):
            return "threading contract broken: \(message)"
        }
    }
}

extension IndexError {
    /// A `TensorFiles` failure in the index's terms: a failed system call is `.io` (operation,
    /// path and errno carried over); a file that is not a regular file or breaks its format
    /// can only come from a bulk import, so it is `.importFailed` with the reason unchanged.
    init(_ error: TensorFileError) {
        switch error {
        case .system(let path, let operation, let code): self = .io(operation: operation, path: path, code: code)
        case .notRegularFile, .malformed: self = .importFailed(path: error.path, reason: error.reason)
        }
    }

    /// Runs `body`, rethrowing a `TensorFileError` as the matching `IndexError`.
    static func translating<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as TensorFileError { throw IndexError(error) }
    }
}
