/// What one request may use of the machine: the daemon's `CoreScheduler` and the request's
/// priority there. Passed down from the daemon to the index and the model, which split their
/// work into pieces (`forEach`) without knowing who else is running.
public struct Parallelism: Sendable {
    public let scheduler: CoreScheduler
    public let priority: WorkPriority

    public init(scheduler: CoreScheduler, priority: WorkPriority = .interactive) {
        self.scheduler = scheduler
        self.priority = priority
    }

    /// Everything on the calling thread: library use, tests, tools.
    public static let serial = Parallelism(scheduler: .serial)

    /// Threads that may run this request's pieces at once (when nothing else runs).
    public var width: Int { scheduler.threads }

    /// `body(i)` for every `i` in `0..<count`, spread over the scheduler's threads; returns
    /// when all are done.
    public func forEach(_ count: Int, _ body: (Int) -> Void) {
        scheduler.forEach(count, priority: priority, body)
    }
}
