import Foundation
import XCTest

@testable import CoreScheduling

/// The scheduler with real threads: every piece once, one request on several threads,
/// interactive pieces before bulk ones, requests of one class in turn.
final class CoreSchedulerTests: XCTestCase {
    /// "caller" when run on the thread that called `forEach` (`caller`), else "helper".
    private func who(_ caller: pthread_t) -> String { pthread_equal(pthread_self(), caller) != 0 ? "caller" : "helper" }

    /// What the pieces did, in order, under one lock.
    private final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ event: String) {
            lock.lock()
            list.append(event)
            lock.unlock()
        }
        var all: [String] {
            lock.lock()
            defer { lock.unlock() }
            return list
        }
    }

    func testEveryPieceRunsExactlyOnce() {
        let scheduler = CoreScheduler(threads: 4)
        defer { scheduler.stop() }
        for count in [0, 1, 2, 7, 1000] {
            let runs = UnsafeMutablePointer<Int>.allocate(capacity: max(1, count))
            runs.initialize(repeating: 0, count: max(1, count))
            defer { runs.deallocate() }
            // Each piece writes only its own element: no lock needed, any lost or doubled
            // piece shows as a count other than 1.
            scheduler.forEach(count, priority: .interactive) { runs[$0] += 1 }
            XCTAssertEqual((0..<count).filter { runs[$0] != 1 }, [], "count \(count)")
        }
    }

    func testOneRequestRunsOnSeveralThreads() {
        let scheduler = CoreScheduler(threads: 2)
        defer { scheduler.stop() }
        let events = Events()
        let caller = pthread_self()
        scheduler.forEach(20, priority: .bulk) { _ in
            events.add(who(caller))
            usleep(2_000)
        }
        XCTAssertEqual(Set(events.all), ["caller", "helper"])
    }

    func testSerialSchedulerRunsOnTheCaller() {
        let events = Events()
        let caller = pthread_self()
        Parallelism.serial.forEach(5) { events.add("\($0) \(who(caller))") }
        XCTAssertEqual(events.all, (0..<5).map { "\($0) caller" })
    }

    /// Once an interactive request is queued, free threads (the helper and the bulk
    /// request's own caller) take its pieces before any further bulk piece: at most the
    /// bulk pieces already running when it arrived (one per thread) start meanwhile.
    func testInteractivePiecesGoBeforeBulkOnes() {
        let scheduler = CoreScheduler(threads: 2)
        defer { scheduler.stop() }
        let events = Events()
        let bulkStarted = DispatchSemaphore(value: 0)
        let bulkDone = DispatchSemaphore(value: 0)
        Thread {
            scheduler.forEach(60, priority: .bulk) { piece in
                events.add("bulk \(piece)")
                if piece == 0 { bulkStarted.signal() }
                usleep(3_000)
            }
            bulkDone.signal()
        }.start()
        bulkStarted.wait()
        usleep(5_000)
        events.add("submitted")
        scheduler.forEach(6, priority: .interactive) { piece in
            events.add("search \(piece)")
            usleep(3_000)
        }
        events.add("search done")
        bulkDone.wait()
        let all = events.all
        let submitted = all.firstIndex(of: "submitted")!
        let lastSearchStart = all.lastIndex { $0.hasPrefix("search ") && $0 != "search done" }!
        let bulkBetween = all[submitted..<lastSearchStart].filter { $0.hasPrefix("bulk") }
        XCTAssertLessThanOrEqual(bulkBetween.count, 2, "\(all)")
        XCTAssertEqual(all.filter { $0.hasPrefix("bulk") }.count, 60)
        XCTAssertEqual(all.filter { $0.hasPrefix("search ") && $0 != "search done" }.count, 6)
    }

    /// Two bulk requests at once: the helper alternates, so both get pieces run by it and
    /// neither waits for the other to finish.
    func testRequestsOfOneClassTakeTurns() {
        let scheduler = CoreScheduler(threads: 3)
        defer { scheduler.stop() }
        let events = Events()
        let group = DispatchGroup()
        for name in ["a", "b"] {
            group.enter()
            Thread {
                let caller = pthread_self()
                scheduler.forEach(40, priority: .bulk) { _ in
                    events.add("\(name) \(self.who(caller))")
                    usleep(2_000)
                }
                group.leave()
            }.start()
        }
        group.wait()
        let all = events.all
        for name in ["a", "b"] {
            XCTAssertEqual(all.filter { $0.hasPrefix(name) }.count, 40)
            XCTAssertTrue(all.contains { $0.hasPrefix("\(name) helper") }, "helpers never ran \(name): \(all)")
        }
        // Neither finished before the other began.
        let firstB = all.firstIndex { $0.hasPrefix("b") }!
        let lastA = all.lastIndex { $0.hasPrefix("a") }!
        let firstA = all.firstIndex { $0.hasPrefix("a") }!
        let lastB = all.lastIndex { $0.hasPrefix("b") }!
        XCTAssertTrue(firstB < lastA && firstA < lastB, "\(all)")
    }

    func testStoppedSchedulerStillRunsEveryPieceOnTheCaller() {
        let scheduler = CoreScheduler(threads: 3)
        scheduler.stop()
        let events = Events()
        let caller = pthread_self()
        scheduler.forEach(4, priority: .interactive) { events.add("\($0) \(who(caller))") }
        XCTAssertEqual(events.all, (0..<4).map { "\($0) caller" })
    }

    func testAvailableCoresCountsThisProcessesCPUs() {
        let cores = CoreScheduler.availableCores()
        XCTAssertGreaterThanOrEqual(cores, 1)
        XCTAssertLessThanOrEqual(cores, ProcessInfo.processInfo.processorCount)
    }
}
