import TensorFiles

/// Everything that can go wrong while loading or running a model.
///
/// Messages name the file, the key and the limit involved, because the reader is usually
/// someone pointing `--model` at a directory they did not build themselves.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// A file is missing or unreadable.
    case file(path: String, reason: String)
    /// A weight or config file is malformed (truncated, lying header, bad JSON, ...).
    case format(path: String, reason: String)
    /// A pickle asked for something a state dict never needs.
    case forbiddenPickle(path: String, reason: String)
    /// The config and the tensors disagree, or a required tensor is absent.
    case missingTensor(key: String, expectedShape: [Int])
    case shapeMismatch(key: String, expectedShape: [Int], foundShape: [Int])
    /// A tensor holds NaN or infinity.
    case nonFinite(key: String)
    /// A config value is missing, of the wrong type, or out of range.
    case config(key: String, reason: String)
    /// OpenBLAS could not be loaded or failed its start-up check.
    case blas(String)
    /// Caller input outside what the model accepts.
    case invalidInput(String)

    public var description: String {
        switch self {
        case .file(let path, let reason): return "\(path): \(reason)"
        case .format(let path, let reason): return "\(path): malformed: \(reason)"
        case .forbiddenPickle(let path, let reason): return "\(path): refused pickle: \(reason)"
        case .missingTensor(let key, let shape): return "missing tensor '\(key)' (expected shape \(shape))"
        case .shapeMismatch(let key, let expected, let found):
            return "tensor '\(key)' has shape \(found), expected \(expected)"
        case .nonFinite(let key): return "tensor '\(key)' contains NaN or infinity"
        case .config(let key, let reason): return "config '\(key)': \(reason)"
        case .blas(let message): return "OpenBLAS: \(message)"
        case .invalidInput(let message): return message
        }
    }
}

extension ModelError {
    /// A `TensorFiles` failure in the loader's terms: bytes that break the format are
    /// `.format` errors, everything else about reaching the file (open, stat, mmap, a
    /// directory where a file should be) is `.file`. The path and reason carry over unchanged.
    init(_ error: TensorFileError) {
        switch error {
        case .malformed(let path, let reason): self = .format(path: path, reason: reason)
        case .system, .notRegularFile: self = .file(path: error.path, reason: error.reason)
        }
    }

    /// Runs `body`, rethrowing a `TensorFileError` as the matching `ModelError`.
    static func translating<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as TensorFileError { throw ModelError(error) }
    }
}
