import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Hands memory the process has freed back to the operating system.
///
/// Why it is needed: glibc's allocator returns freed memory to the system only from the top
/// of each arena's heap. A request's transient allocations (a 2 MB `index/add` parses into
/// thousands of strings) interleave with long-lived ones made meanwhile (a slot table chunk,
/// a graph chunk), so after the request most of its pages are free but pinned below a live
/// block. Measured 2026-12-07: 100,000 documents added in batches of 500 left 154 MiB of such
/// free pages in the daemon's RSS; one `malloc_trim(0)` returned them (it releases free whole
/// pages anywhere in the arenas, not only at the top). Callers trim after work that freed a
/// lot: a compaction, or a volume of requests (`HeapTrimSchedule` in the daemon).
public enum FreedMemory {
    /// glibc's `malloc_trim(0)`, looked up at run time: Swift's Glibc module does not export
    /// `<malloc.h>`, and another C target only for this one call would be more than it is worth.
    /// Elsewhere (other C libraries) it is a no-op.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
            return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
            return nil
        #endif
    }()

    /// Thread-safe (glibc locks each arena while trimming it); costs a walk of the free lists.
    public static func returnToSystem() { _ = mallocTrim?(0) }
}
