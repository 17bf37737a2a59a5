import Foundation

/// Group commit: one writer thread owns the log and every mutation of the index.
///
/// Callers hand in encoded records with `submit`, then block. The writer thread takes
/// everything that queued up while it was busy, appends it, calls fsync *once*, applies the
/// records to memory in log order, and only then wakes each caller: an update is
/// acknowledged strictly after it is durable, and concurrent writers share one fsync.
/// Maintenance work (checkpoint's log rotation, compaction) runs on the same thread with
/// `exclusive`, so it sees a quiet state without any extra locking.
///
/// If a write or fsync fails, what reached the disk is unknown, so the queue fails that group
/// and every later call with `IndexError.logUnusable`; reopening the index replays the log.
final class CommitQueue: @unchecked Sendable {
    /// Applies one durable record to memory, given the log it is in and its payload's offset
    /// there (where the index reads the record's texts back from).
    typealias Apply = (_ log: PayloadFile, _ payloadOffset: Int) throws -> UpdateCounts

    private final class Ticket {
        let payload: [UInt8]?
        let work: Apply
        var result: Result<UpdateCounts, Error>?
        init(payload: [UInt8]?, work: @escaping Apply) {
            self.payload = payload
            self.work = work
        }
    }

    private let condition = NSCondition()
    private var pending: [Ticket] = []
    private var stopping = false
    private var failure: String?
    private var log: WriteAheadLog
    private var thread: Thread?

    init(log: WriteAheadLog) {
        self.log = log
        committedLogBytes = log.size
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "hypencoder-index-writer"
        self.thread = thread
        thread.start()
    }

    /// Bytes in the current log file after the last group (a checkpoint trigger for callers).
    var logBytes: Int {
        condition.lock()
        defer { condition.unlock() }
        return committedLogBytes
    }
    private var committedLogBytes = 0

    /// Submissions waiting for the writer thread (for tests and status reports).
    var pendingCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return pending.count
    }

    /// True on the writer thread; used to check the threading contract.
    var isWriterThread: Bool { Thread.current === thread }

    /// Appends `payload` durably, then runs `apply` on the writer thread and returns its result.
    func submit(_ payload: [UInt8], apply: @escaping Apply) throws -> UpdateCounts {
        try enqueue(Ticket(payload: payload, work: apply))
    }

    /// Runs `work` on the writer thread between groups, with no update in flight.
    func exclusive<T>(_ work: @escaping (_ log: inout WriteAheadLog) throws -> T) throws -> T {
        var output: T?
        _ = try enqueue(
            Ticket(payload: nil) { [unowned self] _, _ in
                output = try work(&self.log)
                return UpdateCounts()
            })
        guard let output else { throw IndexError.logUnusable("maintenance task produced no result") }
        return output
    }

    /// Finishes queued work and stops the thread. Later calls throw `IndexError.closed`.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while thread != nil { condition.wait() }
        condition.unlock()
    }

    private func enqueue(_ ticket: Ticket) throws -> UpdateCounts {
        if isWriterThread {
            throw IndexError.threadingViolation(
                "an index update was started from the index's own writer thread (e.g. from inside an apply callback)")
        }
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { throw IndexError.closed }
        if let failure { throw IndexError.logUnusable(failure) }
        pending.append(ticket)
        condition.broadcast()
        while ticket.result == nil { condition.wait() }
        return try ticket.result!.get()
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty && stopping {
                thread = nil
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = pending
            pending.removeAll()
            let failed = failure
            condition.unlock()

            let results = process(batch, failed: failed)

            condition.lock()
            committedLogBytes = log.size
            for (ticket, result) in zip(batch, results) { ticket.result = result }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Splits the batch into runs of updates (one fsync each) separated by exclusive tasks.
    private func process(_ batch: [Ticket], failed: String?) -> [Result<UpdateCounts, Error>] {
        var results: [Result<UpdateCounts, Error>] = []
        var index = 0
        var failed = failed
        while index < batch.count {
            if let reason = failed {
                results.append(.failure(IndexError.logUnusable(reason)))
                index += 1
                continue
            }
            if batch[index].payload == nil {
                results.append(Result { try batch[index].work(log.reader, 0) })
                index += 1
                continue
            }
            var end = index
            while end < batch.count, batch[end].payload != nil { end += 1 }
            let group = batch[index..<end]
            var offsets: [Int] = []
            do {
                offsets = try log.append(group.map { $0.payload! })
                try log.sync()
            } catch {
                failed = "\(error)"
                condition.lock()
                failure = failed
                condition.unlock()
                for _ in group { results.append(.failure(error)) }
                index = end
                continue
            }
            for (ticket, offset) in zip(group, offsets) {
                if let reason = failed {
                    results.append(.failure(IndexError.logUnusable(reason)))
                    continue
                }
                do {
                    results.append(.success(try ticket.work(log.reader, offset)))
                } catch {
                    // The record is durable but memory could not follow it (e.g. disk full
                    // while growing the vector scratch file): memory is now behind the log,
                    // so stop taking updates; reopening replays the log.
                    failed = "update logged but not applied in memory: \(error)"
                    condition.lock()
                    failure = failed
                    condition.unlock()
                    results.append(.failure(IndexError.logUnusable(failed!)))
                }
            }
            index = end
        }
        return results
    }
}
