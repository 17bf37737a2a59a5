#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One `mmap` of a file range, unmapped in `deinit`, i.e. when the last reference goes away.
///
/// Weight files are hundreds of megabytes and index vector files can be larger than memory:
/// mapping lets the kernel page bytes in as they are read and drop them again under
/// pressure, instead of holding a heap copy. Nothing ever remaps or shrinks a mapping it has
/// handed out, so whoever holds the object (a search holding an index snapshot, a loader
/// converting tensors) may keep reading `bytes` until it lets go — even after the file was
/// unlinked.
public final class MappedFile: @unchecked Sendable {
    public enum Access: Sendable {
        /// A private read-only view: what readers of weight, matrix and checkpoint files need.
        case readOnly
        /// A shared read-write view: stores go to the file (the index's scratch vectors).
        case readWrite
    }

    /// The file, for error messages.
    public let path: String
    public let access: Access
    /// The mapped bytes. A zero-length mapping has no address (`mmap` refuses length 0):
    /// `bytes` is then empty with a nil base.
    public let bytes: UnsafeRawBufferPointer

    /// The same bytes for writing; only a `.readWrite` mapping may be written.
    public var mutableBytes: UnsafeMutableRawBufferPointer {
        precondition(access == .readWrite, "\(path) is mapped read-only")
        return UnsafeMutableRawBufferPointer(mutating: bytes)
    }

    /// Maps the whole of the regular file at `path`, read-only. The descriptor is closed
    /// again at once: the mapping keeps the file alive by itself.
    public convenience init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw TensorFileError.system(path: path, operation: "open", code: errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw TensorFileError.system(path: path, operation: "fstat", code: errno)
        }
        // A directory opens fine for reading on Linux; say what is wrong instead of mmap's ENODEV.
        guard (status.st_mode & S_IFMT) == S_IFREG else { throw TensorFileError.notRegularFile(path: path) }
        try self.init(descriptor: descriptor, path: path, offset: 0, length: Int(status.st_size), access: .readOnly)
    }

    /// Maps `length` bytes of the open file `descriptor` at `offset` (a multiple of the page
    /// size). The caller keeps ownership of the descriptor and may close it afterwards.
    public init(descriptor: Int32, path: String, offset: Int = 0, length: Int, access: Access) throws {
        precondition(offset >= 0 && length >= 0, "negative mapping range")
        self.path = path
        self.access = access
        guard length > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let protection = access == .readWrite ? (PROT_READ | PROT_WRITE) : PROT_READ
        let flags = access == .readWrite ? MAP_SHARED : MAP_PRIVATE
        guard let address = mmap(nil, length, protection, flags, descriptor, off_t(offset)), address != MAP_FAILED
        else {
            throw TensorFileError.system(path: path, operation: "mmap \(length) bytes at \(offset)", code: errno)
        }
        bytes = UnsafeRawBufferPointer(start: address, count: length)
    }

    /// Drops the pages behind `region` (a slice of `bytes`) from this process once they have
    /// been read. A read-only mapping is file-backed, so a later read simply faults the bytes
    /// in again; dropping them keeps resident memory near the size of the converted tensors
    /// instead of tensors plus file. Does nothing for a read-write mapping.
    public func discard(_ region: UnsafeRawBufferPointer) {
        guard access == .readOnly, let start = region.baseAddress, region.count > 0, let mapped = bytes.baseAddress
        else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard page > 0 else { return }
        let base = Int(bitPattern: mapped)
        let first = max(base, (Int(bitPattern: start) / page) * page)
        let end = min(base + bytes.count, Int(bitPattern: start) + region.count)
        guard end > first, let address = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(address, end - first, Int32(MADV_DONTNEED))
    }

    deinit {
        if let address = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: address), bytes.count) }
    }
}
