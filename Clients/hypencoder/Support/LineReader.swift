#if canImport(Glibc)
    import Glibc
#endif

/// Reads a file one line at a time with `getline`, so a corpus of any size streams through
/// a buffer the size of its longest line. Lines come back without their `\n` (and `\r`).
final class LineReader {
    let path: String
    private let file: UnsafeMutablePointer<FILE>
    private var buffer: UnsafeMutablePointer<CChar>?
    private var capacity = 0
    /// 1-based number of the line last returned, for error messages ("corpus.jsonl:12: ...").
    private(set) var lineNumber = 0
    /// Bytes consumed so far, for progress against the file size.
    private(set) var bytesRead: Int64 = 0
    /// The file's size when opened (0 for pipes and devices).
    let size: Int64

    init(path: String) throws {
        self.path = path
        guard let file = fopen(path, "r") else {
            throw ClientError(.noInput, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        size = fstat(fileno(file), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : 0
        self.file = file
    }

    deinit {
        free(buffer)
        fclose(file)
    }

    /// The next line's bytes, or nil at the end of the file.
    func next() -> [UInt8]? {
        let n = getline(&buffer, &capacity, file)
        guard n >= 0, let buffer else { return nil }
        lineNumber += 1
        bytesRead += Int64(n)
        var length = n
        while length > 0, buffer[length - 1] == 10 || buffer[length - 1] == 13 { length -= 1 }
        return buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
    }

    /// "path:line" for messages about the line last returned.
    var location: String { "\(path):\(lineNumber)" }
}
