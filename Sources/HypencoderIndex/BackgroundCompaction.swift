import Dispatch
import Foundation

/// Compaction the index starts by itself when its `CompactionPolicy` says dead rows are due
/// (checked after every update), on a utility thread of its own so the update that tipped the
/// balance is answered at once. At most one runs at a time; an update arriving meanwhile does
/// not queue another, since the running one reclaims its waste too or the next check will.
///
/// What a compaction frees (old rows' records, graph chunks) goes back to the allocator, and
/// then to the system (`FreedMemory`), which is what makes the daemon's RSS follow its live data.
///
/// Threading: `start` may be called from any thread. `close` waits for a running compaction to
/// end and refuses later ones, so nothing writes in the index's directory after
/// `DocumentIndex.close()` returns (the daemon removes a dropped collection's directory then).
final class BackgroundCompaction: @unchecked Sendable {
    private let condition = NSCondition()
    private var running = false
    private var closed = false
    private var finished = 0
    private let queue = DispatchQueue(label: "hypencoder.index.compaction", qos: .utility)

    /// Compactions run to completion so far (including failed ones).
    var completedRuns: Int {
        condition.lock()
        defer { condition.unlock() }
        return finished
    }

    /// Runs `work` on the compaction thread unless one is running or the index is closed.
    /// - Returns: whether it was started.
    @discardableResult
    func start(_ work: @escaping @Sendable () -> Void) -> Bool {
        condition.lock()
        guard !running, !closed else {
            condition.unlock()
            return false
        }
        running = true
        condition.unlock()
        queue.async { [self] in
            work()
            FreedMemory.returnToSystem()
            condition.lock()
            running = false
            finished += 1
            condition.broadcast()
            condition.unlock()
        }
        return true
    }

    /// Waits for a running compaction and refuses any later one.
    func close() {
        condition.lock()
        closed = true
        while running { condition.wait() }
        condition.unlock()
    }

    /// Waits until no compaction is running (tests, and callers that want a settled index).
    func waitUntilIdle() {
        condition.lock()
        while running { condition.wait() }
        condition.unlock()
    }
}

extension DocumentIndex {
    /// Starts a background compaction if the policy says the dead rows are due. Called after
    /// each update returns (never on the writer thread, which `compact()` must not block).
    func compactIfDue() {
        guard let policy = options.autoCompaction else { return }
        stateLock.lock()
        let view = published
        let (recordBytes, deadBytes) = (table.recordBytes, table.deadRecordBytes)
        stateLock.unlock()
        guard policy.isDue(slots: view.slotCount, live: view.count, recordBytes: recordBytes, deadBytes: deadBytes) else {
            return
        }
        let dead = view.slotCount - view.count
        background.start { [self] in
            let started = DispatchTime.now().uptimeNanoseconds
            do {
                try compact()
                let milliseconds = (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
                options.log(
                    .info,
                    "compacted in the background: \(dead) dead rows and \(deadBytes >> 10) KiB of their text reclaimed, "
                        + "\(view.count) live, \(milliseconds) ms")
            } catch IndexError.closed {
                // Closed meanwhile: nothing to do, the next open starts from the checkpoint and logs.
            } catch {
                options.log(
                    .warning, "background compaction failed (the index is unchanged; later updates try again): \(error)")
            }
        }
    }

    /// Background compactions finished since the index was opened.
    public var backgroundCompactions: Int { background.completedRuns }

    /// Waits for a background compaction in progress, if any.
    public func waitForBackgroundCompaction() { background.waitUntilIdle() }
}
