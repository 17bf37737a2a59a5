#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What reading one workspace file gave.
public enum TextFileContent: Equatable, Sendable {
    /// UTF-8 text, without a leading byte-order mark.
    case text(String)
    /// Not text: a NUL byte near the start, or bytes that are not UTF-8. Not indexed.
    case binary
    /// Opening or reading failed, or the file is no longer a regular file within the size
    /// limit; the message says which, with the path.
    case unreadable(String)
}

/// Reads a file the walker listed and decides whether it is text worth indexing.
///
/// The walker only looks at names and `lstat`, so this is where binary files (images,
/// archives, compiled objects that no ignore rule caught) are recognised, at the moment the
/// bytes are in memory anyway.
public enum TextFileReader {
    /// How far to look for a NUL byte. Git and ripgrep use the same heuristic and window:
    /// text almost never contains NUL, while nearly every binary format has one in its header.
    public static let binaryProbeBytes = 8192

    /// Reads the whole regular file at `path` if it holds at most `maxBytes` bytes.
    ///
    /// The file may have changed since the walk listed it, so it is checked again: a file
    /// that has grown past `maxBytes` is `.unreadable` with a message saying so (it is not cut
    /// short, which could split a character and make text look binary), and a path that is
    /// now a symbolic link, FIFO or directory is `.unreadable` too. Opening uses
    /// `O_NONBLOCK` so that a FIFO put in a file's place cannot hang the reader.
    public static func read(path: String, maxBytes: Int) -> TextFileContent {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else { return .unreadable("cannot open \(path): \(SystemError(code: errno))") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            return .unreadable("cannot stat \(path): \(SystemError(code: errno))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { return .unreadable("\(path) is not a regular file") }

        var bytes: [UInt8] = []
        bytes.reserveCapacity(min(max(Int(info.st_size), 0), max(maxBytes, 0)) + 1)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            // One byte beyond the limit is enough to know the file is too large.
            let wanted = min(chunk.count, max(maxBytes, 0) + 1 - bytes.count)
            let count = readSome(descriptor, into: &chunk, count: wanted)
            if count < 0 { return .unreadable("cannot read \(path): \(SystemError(code: errno))") }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maxBytes { return .unreadable("\(path) is larger than \(maxBytes) bytes") }
        }
        return decode(bytes)
    }

    /// Classifies bytes already in memory (what `read` does after reading): binary if a NUL
    /// is among the first `binaryProbeBytes` bytes or the bytes are not valid UTF-8,
    /// otherwise the text with a leading UTF-8 byte-order mark removed.
    ///
    /// Only UTF-8 is accepted. Files in Latin-1 or UTF-16 are rare in code workspaces, and
    /// guessing an encoding wrongly would index nonsense; they count as binary instead.
    public static func decode(_ bytes: [UInt8]) -> TextFileContent {
        if bytes.prefix(binaryProbeBytes).contains(0) { return .binary }
        let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
        let body = bytes.starts(with: byteOrderMark) ? bytes[3...] : bytes[...]
        guard let text = String(validating: body, as: UTF8.self) else { return .binary }
        return .text(text)
    }
}

/// `read(2)`, retried when a signal interrupts it. At file scope because inside
/// `TextFileReader` the name `read` means the type's own method.
private func readSome(_ descriptor: Int32, into buffer: inout [UInt8], count: Int) -> Int {
    while true {
        let result = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, count) }
        if result < 0 && errno == EINTR { continue }
        return result
    }
}
