import Foundation

/// A few threads that run handlers (model and index work) off the loop thread.
///
/// Why our own threads rather than libuv's `uv_queue_work`. Not for cancellation: libuv can
/// cancel a queued work request too (`uv_cancel` on a `uv_work_t` that has not started; its
/// after-work callback then gets `UV_ECANCELED`), and `removeIfQueued` does no more than
/// that. The reasons are elsewhere:
/// - Size. libuv has one pool per process, shared by every loop, sized once from
///   `UV_THREADPOOL_SIZE` (default 4) when it is first used. The daemon's size is
///   `--workers` / `workers` in the config file, and the BLAS thread policy divides the
///   cores by that same number (`BLASThreadPolicy`); setting an environment variable before
///   libuv's first use to get it would be fragile and invisible.
/// - Nothing else in the queue. libuv's pool also runs its file-system requests and DNS
///   look-ups, and a long `index/add` on it would delay them; this pool runs only
///   requests, so its `queuedCount` and `runningCount` are what `server/status` reports.
/// - Threads we own: named `hcd-worker-N` (so they show as such in `top -H` and in
///   debuggers), with the stack size set here, and ended by `stop()` once the queue is
///   drained, as the daemon's shut-down does; libuv's threads live until the process ends.
///
/// Tasks run in FIFO order, with no priorities. A task's `run` closure must deliver its own
/// result (the dispatcher's closures `post` it back to the loop); the pool only schedules.
/// `submit`, `removeIfQueued` and `stop` are called on the loop thread; the counts may be
/// read from any thread.
final class WorkerPool: @unchecked Sendable {
    final class Task: @unchecked Sendable {
        fileprivate let run: () -> Void
        fileprivate var isQueued = true
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    private let condition = NSCondition()
    private var queue: [Task] = []
    private var queueHead = 0
    private var running = 0
    private var stopping = false

    init(threads count: Int) {
        for index in 0..<max(1, count) {
            // Strong on purpose: each thread keeps the pool alive until `stop()` lets it end.
            // With an unowned capture, a daemon that failed at start-up (say, a socket path
            // too long) released the pool before its threads ran, and they crashed reading it.
            // The pool does not keep the threads in turn: Foundation holds a running `Thread`
            // and lets go when it ends, so nothing is left in a cycle once they have (an array
            // of them here was a pool ↔ thread cycle that LeakSanitizer reported).
            let thread = Thread { self.workLoop() }
            // Linux keeps at most 15 bytes of a thread name: a longer one is refused and the thread
            // keeps the process name.
            thread.name = "hcd-worker-\(index)"
            thread.stackSize = 8 << 20  // model code recurses little, but JSON trees can be deep
            thread.start()
        }
    }

    var queuedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count - queueHead
    }
    var runningCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return running
    }

    func submit(_ task: Task) {
        condition.lock()
        queue.append(task)
        condition.signal()
        condition.unlock()
    }

    /// Takes `task` out of the queue if it has not started. Returns true if it was removed
    /// (it will never run); false if it is running or done.
    func removeIfQueued(_ task: Task) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard task.isQueued, let index = queue[queueHead...].firstIndex(where: { $0 === task }) else {
            return false
        }
        task.isQueued = false
        queue.remove(at: index)
        return true
    }

    /// Lets the threads finish what is queued, then end. Does not wait.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func workLoop() {
        while true {
            condition.lock()
            while queueHead == queue.count && !stopping { condition.wait() }
            if queueHead == queue.count {
                condition.unlock()
                return
            }
            let task = queue[queueHead]
            queueHead += 1
            // Drop consumed slots now and then so the array does not grow without bound.
            if queueHead > 64 && queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            task.isQueued = false
            running += 1
            condition.unlock()

            task.run()

            condition.lock()
            running -= 1
            condition.unlock()
        }
    }
}
