import Foundation

/// Which requests' pieces the scheduler's threads take first.
///
/// Two classes are enough for a local daemon: a person waits on a search; nobody waits on
/// each batch of a long ingestion. A free thread takes an interactive piece whenever one is
/// waiting, so a search that arrives during `index/add` gets every core as soon as the
/// ingestion pieces already running finish (pieces are kept small for that reason).
public enum WorkPriority: Int, Sendable, Comparable {
    case interactive = 0
    case bulk = 1

    public static func < (a: WorkPriority, b: WorkPriority) -> Bool { a.rawValue < b.rawValue }
}

/// Runs the pieces of one request on several cores, and the pieces of concurrent requests
/// fairly, on a fixed set of threads the daemon owns.
///
/// Why not let BLAS thread each call: a BLAS call only sees itself. Two requests each asking
/// for every core oversubscribe the machine (a search's p99 was 3.9× idle beside an
/// ingestion, BENCHMARKS.md), and one core per request leaves a lone request at half speed.
/// Here every BLAS call is single-threaded and the *request* is split instead: into blocks of
/// documents (exact search), row slices and attention heads (encoding). The threads then
/// choose among all requests' pieces:
/// - interactive pieces before bulk ones (`WorkPriority`);
/// - within a class, requests in turn (one piece each, round robin), so none starves;
/// - the thread that asked (`forEach`'s caller, a worker) runs pieces of its own request,
///   so a request always progresses even when every helper is busy elsewhere; a bulk caller
///   takes an interactive piece first if one is waiting.
///
/// `threads` counts the caller: `threads - 1` helper threads are started, so a lone request
/// keeps exactly `threads` cores busy. With W workers running at once, up to W + threads - 1
/// threads are runnable; the waiting callers sleep once their own pieces are all taken.
///
/// Trade-offs, honestly: one lock and one condition variable serve every thread, and
/// `broadcast` wakes them all when a piece finishes. That costs a few microseconds per piece,
/// nothing beside pieces of milliseconds, but would need per-thread queues on machines with
/// many dozens of cores. Pieces cannot be preempted: a search waits for the bulk pieces
/// already running, which is why callers cut work into pieces of a few milliseconds.
///
/// Threading: `forEach` may be called from any number of threads at once. Pieces must not
/// call `forEach` on the same scheduler (it would work, but the nested caller blocks one of
/// the threads the outer request counted on).
public final class CoreScheduler: @unchecked Sendable {
    /// Threads that run one request's pieces, the caller included.
    public let threads: Int

    private let condition = NSCondition()
    /// Requests with pieces not yet taken, oldest first.
    private var open: [Job] = []
    /// Where the round robin resumes: requests are taken in turn, not oldest first.
    private var turn = 0
    private var stopping = false

    private final class Job {
        /// Cleared by the caller once every piece is done, so nothing holds the closure that
        /// `withoutActuallyEscaping` lent when `forEach` returns.
        var body: ((Int) -> Void)?
        let count: Int
        let priority: WorkPriority
        var next = 0
        var finished = 0
        init(body: @escaping (Int) -> Void, count: Int, priority: WorkPriority) {
            self.body = body
            self.count = count
            self.priority = priority
        }
    }

    /// Starts `threads - 1` helper threads (none for 1). `threads` is clamped to 1...1024.
    public init(threads: Int) {
        self.threads = min(1024, max(1, threads))
        for index in 1..<self.threads {
            // Strong capture: a helper keeps the scheduler alive until `stop()` ends it.
            let thread = Thread { self.helperLoop() }
            thread.name = "hcd-core-\(index)"  // at most 15 bytes on Linux
            thread.start()
        }
    }

    /// A scheduler that runs every piece on the calling thread.
    public static let serial = CoreScheduler(threads: 1)

    /// Lets the helper threads end once no piece is left. `forEach` then runs on the caller.
    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Calls `body(i)` once for every `i` in `0..<count`, on the caller and the helper
    /// threads, and returns when all calls have returned. Pieces may run in any order and at
    /// the same time; `body` must be safe for that.
    public func forEach(_ count: Int, priority: WorkPriority, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        if count == 1 || threads == 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let job = Job(body: body, count: count, priority: priority)
            condition.lock()
            if stopping {
                condition.unlock()
                for i in 0..<count { body(i) }
                return
            }
            open.append(job)
            condition.broadcast()
            while true {
                // A bulk caller serves a waiting interactive request first.
                if job.priority > .interactive, let other = takeOpenJob(maximum: .interactive) {
                    runPiece(of: other)
                    continue
                }
                if job.next < job.count {
                    runPiece(of: job)
                    continue
                }
                break
            }
            while job.finished < job.count { condition.wait() }
            job.body = nil
            condition.unlock()
        }
    }

    /// Takes the next piece of `job` and runs it unlocked. Called and returns with the lock held.
    private func runPiece(of job: Job) {
        let piece = job.next
        job.next += 1
        if job.next == job.count, let index = open.firstIndex(where: { $0 === job }) { open.remove(at: index) }
        let body = job.body!
        condition.unlock()
        body(piece)
        condition.lock()
        job.finished += 1
        if job.finished == job.count { condition.broadcast() }
    }

    /// The request whose turn it is among those of the most urgent class present, if that
    /// class is at most `maximum`. Lock held.
    private func takeOpenJob(maximum: WorkPriority = .bulk) -> Job? {
        guard var best = open.first?.priority else { return nil }
        var candidates = 0
        for job in open {
            if job.priority < best { (best, candidates) = (job.priority, 0) }
            if job.priority == best { candidates += 1 }
        }
        guard best <= maximum else { return nil }
        turn &+= 1
        var skip = turn % candidates
        for job in open where job.priority == best {
            if skip == 0 { return job }
            skip -= 1
        }
        return nil
    }

    private func helperLoop() {
        condition.lock()
        while true {
            if let job = takeOpenJob() {
                runPiece(of: job)
            } else if stopping {
                break
            } else {
                condition.wait()
            }
        }
        condition.unlock()
    }
}

extension CoreScheduler {
    /// CPUs this process may run on: its affinity mask (so `taskset -c 0 hypencoderd` counts
    /// one), else the online CPUs. The mask is read from `/proc/self/status`
    /// (`Cpus_allowed`, hex words separated by commas): Glibc's `sched_getaffinity` is not
    /// visible to Swift without `_GNU_SOURCE`, and a C shim for one call is not worth it.
    public static func availableCores() -> Int {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        {
            let mask = line.dropFirst("Cpus_allowed:".count).filter { $0 != "," && $0 != " " && $0 != "\t" }
            let count = mask.reduce(0) { $0 + (Int(String($1), radix: 16) ?? 0).nonzeroBitCount }
            if count > 0 { return count }
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}
