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
/// If a write or fsync fails, what reached the disk is unknown, so the queue cuts the log back to
/// where the group began (ftruncate, then fsync) and fails the group's callers with
/// `IndexError.updateNotStored`: the log again holds exactly what was acknowledged, and the
/// next group is written as if nothing happened, so writes work again as soon as the disk does
/// (issue 15). Every byte before the cut was fsync'ed by an earlier, successful group, so an
/// fsync error cannot have taken acknowledged data with it. The same holds when a record is
/// durable but memory cannot follow it (the vector store could not grow): the log is cut back
/// to that record. If the cut itself fails, the log may end in records nobody was told about;
/// updates are then refused with `IndexError.logUnusable` and the cut is retried before each
/// later group, so the queue heals without a restart once the disk does. A reopen after a
/// crash in that state replays such records whole (never half: each has its CRC).
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
    /// Writer thread only: set when the log could not be cut back after a failure; `size` is
    /// where it must be cut before anything else is written.
    private var damage: (size: Int, reason: String)?
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
            condition.unlock()

            let results = process(batch)

            condition.lock()
            committedLogBytes = log.size
            for (ticket, result) in zip(batch, results) { ticket.result = result }
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Splits the batch into runs of updates (one fsync each) separated by exclusive tasks.
    private func process(_ batch: [Ticket]) -> [Result<UpdateCounts, Error>] {
        var results: [Result<UpdateCounts, Error>] = []
        var index = 0
        while index < batch.count {
            if let damage, !cutLog(to: damage.size, after: damage.reason) {
                results.append(.failure(IndexError.logUnusable(damage.reason)))
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
            results += commit(batch[index..<end])
            index = end
        }
        return results
    }

    /// Appends and fsyncs one run of updates, then applies them in order; on a failure, cuts
    /// the log back so that it holds exactly the updates that succeed.
    private func commit(_ group: ArraySlice<Ticket>) -> [Result<UpdateCounts, Error>] {
        let start = log.size
        let offsets: [Int]
        do {
            offsets = try log.append(group.map { $0.payload! })
            try log.sync()
        } catch {
            let outcome = failure(error, cutAt: start)
            return group.map { _ in .failure(outcome) }
        }
        var results: [Result<UpdateCounts, Error>] = []
        for (ticket, offset) in zip(group, offsets) {
            do {
                results.append(.success(try ticket.work(log.reader, offset)))
            } catch {
                // Durable but not applied (the apply undid its own partial work): cut this
                // record and the rest of the group, which were not applied either.
                let outcome = failure(error, cutAt: offset - WriteAheadLog.headerSize)
                results += Array(repeating: .failure(outcome), count: group.count - results.count)
                break
            }
        }
        return results
    }

    /// The error to give the callers of updates that failed with `error`, after cutting the
    /// log back to `size`: `updateNotStored` if the cut worked, `logUnusable` if not.
    private func failure(_ error: Error, cutAt size: Int) -> IndexError {
        let reason = "\(error)"
        return cutLog(to: size, after: reason) ? .updateNotStored(reason) : .logUnusable(damage?.reason ?? reason)
    }

    /// Truncates the log to `size` and makes that durable; records the damage if it cannot.
    private func cutLog(to size: Int, after reason: String) -> Bool {
        do {
            try log.truncate(to: size)
            damage = nil
            return true
        } catch {
            damage = (size, "\(reason); then cutting the log back failed: \(error)")
            return false
        }
    }
}
