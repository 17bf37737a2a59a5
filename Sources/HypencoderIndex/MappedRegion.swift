import Foundation

/// One `mmap` of a file range, unmapped when the last reference goes away.
///
/// The vector store never remaps a region it has handed out: it grows by mapping further
/// regions. A search holding a snapshot therefore keeps its regions (and, after compaction,
/// even an unlinked file) alive and valid for as long as it runs.
final class MappedRegion: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let length: Int

    /// Maps `length` bytes of `file` at `offset` (a multiple of the page size).
    /// `writable` maps shared read-write; otherwise a private read-only view.
    init(file: PosixFile, offset: Int, length: Int, writable: Bool) throws {
        let protection = writable ? (PROT_READ | PROT_WRITE) : PROT_READ
        let flags = writable ? MAP_SHARED : MAP_PRIVATE
        let pointer = mmap(nil, max(length, 1), protection, flags, file.descriptor, off_t(offset))
        guard let pointer, pointer != MAP_FAILED else {
            throw IndexError.io(operation: "mmap \(length) bytes at \(offset)", path: file.path, code: errno)
        }
        base = pointer
        self.length = length
    }

    deinit { munmap(base, max(length, 1)) }
}
