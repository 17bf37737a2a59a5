/// Sequential reading and writing of the index's larger files through a fixed buffer, so a
/// checkpoint of gigabytes of text never needs that much memory (issue 15: memory follows
/// live vectors and the graph, not the bytes on disk).

/// Appends to a new file through a buffer, keeping the CRC32C of everything written.
struct BufferedFileWriter {
    let file: PosixFile
    private var buffer: [UInt8] = []
    private let capacity: Int
    /// Bytes handed to the file so far plus those buffered: the offset of the next byte.
    private(set) var position = 0
    private var flushed = 0
    private(set) var checksum: UInt32 = 0

    init(file: PosixFile, capacity: Int = 1 << 20) {
        self.file = file
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > capacity { try flush() }
        if bytes.count >= capacity {
            checksum = CRC32C.update(checksum, bytes)
            try file.write(bytes, at: flushed)
            flushed += bytes.count
        } else {
            buffer.append(contentsOf: bytes)
        }
        position += bytes.count
    }

    mutating func append(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try append($0) } }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        checksum = buffer.withUnsafeBytes { CRC32C.update(checksum, $0) }
        try file.write(buffer, at: flushed)
        flushed += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Reads a file front to back through a buffer. Each `take` returns bytes valid until the
/// next call; reading past `end` throws `IndexError.corruptFile` naming the field, because
/// the file may be any damaged bytes.
struct BufferedFileReader: LittleEndianReading {
    /// The buffer's memory, owned outright so `take` can hand out a pointer into it (an
    /// array's storage may not be referenced outside `withUnsafeBytes`).
    private final class Storage {
        var bytes: UnsafeMutableRawPointer
        var capacity: Int
        init(capacity: Int) {
            self.capacity = capacity
            bytes = .allocate(byteCount: capacity, alignment: 16)
        }
        deinit { bytes.deallocate() }

        /// Grows to at least `needed` bytes, keeping the first `keep`.
        func reserve(_ needed: Int, keeping keep: Int) {
            guard needed > capacity else { return }
            let fresh = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 16)
            fresh.copyMemory(from: bytes, byteCount: keep)
            bytes.deallocate()
            bytes = fresh
            capacity = needed
        }
    }

    let file: PosixFile
    /// Bytes of the file that may be read (e.g. all but a trailing checksum).
    let end: Int
    private let storage: Storage
    /// Buffered bytes are `storage.bytes[start..<filled]`; they came from the file up to `fileOffset`.
    private var start = 0
    private var filled = 0
    private var fileOffset = 0
    private let chunk: Int

    init(file: PosixFile, end: Int, chunk: Int = 1 << 20) {
        self.file = file
        self.end = end
        self.chunk = chunk
        storage = Storage(capacity: chunk)
    }

    /// Offset in the file of the next byte `take` returns.
    var position: Int { fileOffset - (filled - start) }
    var remaining: Int { end - position }

    /// The next `count` bytes, contiguous (the buffer grows for a field larger than a chunk).
    mutating func take(_ count: Int, _ field: String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw IndexError.corruptFile(
                path: file.path, reason: "\(field) needs \(count) bytes at offset \(position), only \(remaining) left")
        }
        if filled - start < count {
            let kept = filled - start
            storage.bytes.copyMemory(from: storage.bytes + start, byteCount: kept)
            start = 0
            filled = kept
            let wanted = min(max(chunk - kept, count - kept), end - fileOffset)
            storage.reserve(kept + wanted, keeping: kept)
            let more = try file.read(count: wanted, at: fileOffset)
            guard more.count == wanted else {
                throw IndexError.corruptFile(path: file.path, reason: "file shrank while it was read")
            }
            more.withUnsafeBytes { (storage.bytes + filled).copyMemory(from: $0.baseAddress!, byteCount: wanted) }
            filled += wanted
            fileOffset += wanted
        }
        defer { start += count }
        return UnsafeRawBufferPointer(start: storage.bytes + start, count: count)
    }

    /// Skips `count` bytes without keeping them.
    mutating func skip(_ count: Int, _ field: String) throws {
        guard count >= 0, count <= remaining else {
            throw IndexError.corruptFile(
                path: file.path, reason: "\(field) needs \(count) bytes at offset \(position), only \(remaining) left")
        }
        let buffered = filled - start
        if count <= buffered {
            start += count
        } else {
            fileOffset += count - buffered
            start = 0
            filled = 0
        }
    }

    /// CRC32C of bytes `0..<length` of `file`, read in chunks.
    static func checksum(of file: PosixFile, length: Int, chunk: Int = 1 << 20) throws -> UInt32 {
        var crc: UInt32 = 0
        var offset = 0
        while offset < length {
            let bytes = try file.read(count: min(chunk, length - offset), at: offset)
            guard !bytes.isEmpty else { throw IndexError.corruptFile(path: file.path, reason: "file shrank while it was read") }
            crc = bytes.withUnsafeBytes { CRC32C.update(crc, $0) }
            offset += bytes.count
        }
        return crc
    }
}
