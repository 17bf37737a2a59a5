import Dispatch
import HypencoderIndex

/// Decides when the daemon hands the memory of finished requests back to the system.
///
/// Why: requests are the daemon's big transient allocations (an `index/add` of 500 documents
/// is 2 MB of JSON and thousands of strings), and glibc keeps their freed pages whenever a
/// long-lived block was allocated after them (see `FreedMemory`). Without trimming, 100,000
/// documents added in batches of 500 left the daemon 154 MiB above its live data (32 MiB
/// between trims still left 150 MiB: a request's transient allocations are several times its
/// body). A trim walks the allocator's free lists and holds each arena's lock meanwhile, so
/// it waits for a quiet moment: when no request is running and `idleBytes` of bodies came in
/// since the last one, or regardless after `busyBytes` (a daemon that is never idle).
///
/// Threading: loop thread only (the dispatcher's counters); the trim itself runs on a utility
/// queue so it never delays I/O.
struct HeapTrimSchedule {
    static let idleBytes = 4 << 20
    static let busyBytes = 64 << 20
    private static let queue = DispatchQueue(label: "hypencoder.heap-trim", qos: .utility)

    private var bytesSinceTrim = 0

    /// Counts a request body just received.
    mutating func received(_ bytes: Int) { bytesSinceTrim += bytes }

    /// Trims if enough request bytes were received since the last trim. Call when requests
    /// have finished (their memory is free by then); `idle` when none is still running.
    mutating func trimIfDue(idle: Bool) {
        guard bytesSinceTrim >= (idle ? Self.idleBytes : Self.busyBytes) else { return }
        bytesSinceTrim = 0
        Self.queue.async { FreedMemory.returnToSystem() }
    }
}
