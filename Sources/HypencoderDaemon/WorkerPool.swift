import Foundation

/// A few threads that run handlers (model and index work) off the loop thread.
///
/// Why our own threads rather than `uv_queue_work`: libuv's pool is shared with its file
/// system calls and sized by an environment variable, and we need to see and edit the
/// queue: `$/cancelRequest` must be able to take a request out before it starts, and
/// `server/status` reports queued and running work.
///
/// Tasks run in FIFO order. A task's `run` closure must deliver its own result (the
/// dispatcher's closures `post` it back to the loop); the pool only schedules.
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
    private var threads: [Thread] = []

    init(threads count: Int) {
        for index in 0..<max(1, count) {
            // Strong on purpose: each thread keeps the pool alive until `stop()` lets it end.
            // With an unowned capture, a daemon that failed at start-up (say, a socket path
            // too long) released the pool before its threads ran, and they crashed reading it.
            let thread = Thread { self.workLoop() }
            thread.name = "hypencoder-worker-\(index)"
            thread.stackSize = 8 << 20  // model code recurses little, but JSON trees can be deep
            threads.append(thread)
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
