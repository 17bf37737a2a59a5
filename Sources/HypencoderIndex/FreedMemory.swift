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
    private static let mallocTrim = glibcFunction("malloc_trim", as: (@convention(c) (Int) -> Int32).self)

    /// Thread-safe (glibc locks each arena while trimming it); costs a walk of the free lists.
    public static func returnToSystem() { _ = mallocTrim?(0) }

    /// glibc's `mallopt`, looked up like `malloc_trim`.
    private static let mallopt = glibcFunction("mallopt", as: (@convention(c) (Int32, Int32) -> Int32).self)

    /// The C library's function `name` as `type`, or nil where it has none (not glibc).
    private static func glibcFunction<Function>(_ name: String, as type: Function.Type) -> Function? {
        #if canImport(Glibc)
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
            return unsafeBitCast(symbol, to: type)
        #else
            return nil
        #endif
    }

    /// The padding the daemon keeps at the top of each arena (`M_TOP_PAD`).
    public static let requestPadding = 32 << 20

    /// Keeps `requestPadding` bytes of freed memory at the top of each arena instead of giving
    /// it back after every request. Why: a query's transient buffers (the hyperhead's generated
    /// weights and their copies, about 40 MB for bert-base with six 768-wide layers) are freed
    /// on a worker thread, whose arena then gives the pages back at once (glibc shrinks a
    /// thread's heap once enough of its top is free, and deletes heaps that are wholly free);
    /// the next query takes them again, one page fault and one zeroed page at a time. Through
    /// the socket that made a bert-base query 20–30 ms slower than the same call on a
    /// benchmark's main thread (BENCHMARKS.md, issue 11). The pages kept are those of the last
    /// requests, at most `requestPadding` per arena; `returnToSystem` (an idle daemon's trim)
    /// still gives back everything.
    /// Returns false where there is no `mallopt` or it refuses.
    @discardableResult
    public static func keepPaddingBetweenRequests() -> Bool {
        // M_TOP_PAD is -2 in <malloc.h>.
        guard let mallopt else { return false }
        return mallopt(-2, Int32(requestPadding)) == 1
    }
}
