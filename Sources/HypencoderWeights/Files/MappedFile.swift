#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A whole file mapped read-only into memory.
///
/// Weight files are hundreds of megabytes; mapping them lets the kernel page the bytes in
/// as we convert each tensor, and lets it drop those pages again under pressure, instead of
/// holding a second 550 MB heap copy next to the converted `[Float]` arrays. The mapping
/// lives exactly as long as this object: readers keep it only while converting.
final class MappedFile {
    let path: String
    /// The file's bytes; empty (and unmapped) for an empty file.
    let bytes: UnsafeRawBufferPointer
    private let mappedAddress: UnsafeMutableRawPointer?

    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ModelError.file(path: path, reason: "cannot open: \(MappedFile.lastErrorText())")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ModelError.file(path: path, reason: "cannot stat: \(MappedFile.lastErrorText())")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ModelError.file(path: path, reason: "not a regular file")
        }
        let size = Int(status.st_size)
        if size == 0 {
            mappedAddress = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
            address != MAP_FAILED
        else {
            throw ModelError.file(path: path, reason: "cannot map \(size) bytes: \(MappedFile.lastErrorText())")
        }
        mappedAddress = address
        bytes = UnsafeRawBufferPointer(start: address, count: size)
    }

    /// Drops the pages behind `region` (a slice of `bytes`) from this process once they
    /// have been converted. The mapping is read-only and file-backed, so a later read would
    /// simply fault the bytes in again; dropping them keeps resident memory near the size of
    /// the converted tensors instead of tensors plus file.
    func discard(_ region: UnsafeRawBufferPointer) {
        guard let start = region.baseAddress, region.count > 0, let mappedAddress else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let base = Int(bitPattern: mappedAddress)
        let first = max(base, (Int(bitPattern: start) / page) * page)
        let end = min(base + bytes.count, Int(bitPattern: start) + region.count)
        guard end > first, let address = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(address, end - first, Int32(MADV_DONTNEED))
    }

    deinit {
        if let mappedAddress { munmap(mappedAddress, bytes.count) }
    }

    private static func lastErrorText() -> String {
        String(cString: strerror(errno))
    }
}

/// Checked little-endian reads from a byte buffer; every read that would leave the buffer
/// returns nil so hostile offsets become errors, never out-of-bounds loads.
extension UnsafeRawBufferPointer {
    func readLE<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T? {
        guard offset >= 0, offset <= count - MemoryLayout<T>.size, let base = baseAddress else { return nil }
        return T(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// The sub-range `offset ..< offset + length`, or nil when it does not fit.
    func slice(at offset: Int, length: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        guard let base = baseAddress else { return length == 0 ? self : nil }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }
}
