import Foundation
import XCTest

@testable import HypencoderIndex

/// Dead rows are reclaimed without anyone calling `compact()` (`IndexOptions.autoCompaction`):
/// a document rewritten over and over keeps the index small, searches running meanwhile see a
/// consistent index, and everything acknowledged is there after a reopen.
final class BackgroundCompactionTests: XCTestCase {
    private func open(_ directory: String, policy: CompactionPolicy?) throws -> DocumentIndex {
        var options = IndexOptions()
        options.autoCompaction = policy
        return try DocumentIndex.open(directory: directory, fingerprint: "test", dimension: 4, options: options)
    }

    private func version(_ n: Int) -> DocumentUpsert {
        DocumentUpsert(
            id: "d", vector: [Float(n), 1, 0, 0], metadata: Array("{\"version\":\(n)}".utf8),
            text: "version \(n) " + String(repeating: "x", count: 4096))
    }

    func testARewrittenDocumentDoesNotGrowTheIndex() throws {
        let directory = makeTemporaryDirectory(self)
        let index = try open(directory, policy: CompactionPolicy(minDeadSlots: 100, deadFraction: 0.5))
        try index.upsert([DocumentUpsert(id: "other", vector: [0, 0, 1, 0], text: "stays")])

        // A reader searches throughout: every snapshot holds both documents, "d" exactly once.
        let stop = ManagedFlag()
        let reader = Thread {
            while !stop.isSet {
                let ids = index.snapshot().ids()
                if !(ids.count == 2 && Set(ids) == ["d", "other"]) && !(ids == ["other"]) {
                    stop.fail("inconsistent snapshot: \(ids)")
                }
            }
        }
        reader.start()
        var largest = 0
        for n in 1...1000 {
            try index.upsert([version(n)])
            largest = max(largest, index.snapshot().slotCount)
        }
        index.waitForBackgroundCompaction()
        stop.set()
        while !reader.isFinished { usleep(1000) }
        XCTAssertNil(stop.failure)

        XCTAssertGreaterThanOrEqual(index.backgroundCompactions, 1)
        XCTAssertLessThan(largest, 1000, "slots were reclaimed while writing, not only at the end")
        XCTAssertLessThan(index.snapshot().slotCount, 500)
        XCTAssertEqual(index.count, 2)
        XCTAssertEqual(try index.get(ids: ["d"])[0]?.text, version(1000).text)
        index.close()

        let reopened = try open(directory, policy: nil)
        XCTAssertEqual(reopened.count, 2)
        XCTAssertEqual(try reopened.get(ids: ["d"])[0]?.metadata, Array("{\"version\":1000}".utf8))
        XCTAssertEqual(try reopened.get(ids: ["other"])[0]?.text, "stays")
    }

    func testWithoutAPolicyOnlyACallCompacts() throws {
        let index = try open(makeTemporaryDirectory(self), policy: nil)
        for n in 1...300 { try index.upsert([version(n)]) }
        index.waitForBackgroundCompaction()
        XCTAssertEqual(index.backgroundCompactions, 0)
        XCTAssertEqual(index.snapshot().slotCount, 300)
        try index.compact()
        XCTAssertEqual(index.snapshot().slotCount, 1)
    }

    func testDeletionsAloneCanBeDue() throws {
        let index = try open(makeTemporaryDirectory(self), policy: CompactionPolicy(minDeadSlots: 50, deadFraction: 0.5))
        try index.upsert((0..<120).map { DocumentUpsert(id: "doc-\($0)", vector: [Float($0), 0, 0, 1]) })
        try index.delete(ids: (0..<49).map { "doc-\($0)" })
        index.waitForBackgroundCompaction()
        XCTAssertEqual(index.backgroundCompactions, 0, "49 dead rows: fewer than minDeadSlots")
        try index.delete(ids: (49..<61).map { "doc-\($0)" })
        index.waitForBackgroundCompaction()
        XCTAssertEqual(index.backgroundCompactions, 1, "61 dead of 120: both thresholds met")
        XCTAssertEqual(index.snapshot().slotCount, 59)
        XCTAssertEqual(Set(index.snapshot().ids()), Set((61..<120).map { "doc-\($0)" }))
    }

    func testDeadTextAloneCanBeDue() throws {
        let policy = CompactionPolicy(minDeadSlots: 1_000_000, deadFraction: 0.5, maxDeadBytes: 1 << 20)
        let index = try open(makeTemporaryDirectory(self), policy: policy)
        let big = String(repeating: "y", count: 64 << 10)
        for n in 0..<15 { try index.upsert([DocumentUpsert(id: "big", vector: [Float(n), 0, 0, 0], text: big + "\(n)")]) }
        index.waitForBackgroundCompaction()
        XCTAssertEqual(index.backgroundCompactions, 0, "15 versions: 896 KiB dead, under 1 MiB")
        for n in 15..<40 { try index.upsert([DocumentUpsert(id: "big", vector: [Float(n), 0, 0, 0], text: big + "\(n)")]) }
        index.waitForBackgroundCompaction()
        XCTAssertGreaterThanOrEqual(index.backgroundCompactions, 1)
        XCTAssertLessThan(index.snapshot().slotCount, 40)
        XCTAssertEqual(try index.get(ids: ["big"])[0]?.text, big + "39")
    }

    func testThePolicyNeedsBothThresholds() {
        let policy = CompactionPolicy(minDeadSlots: 1000, deadFraction: 0.5)
        XCTAssertFalse(policy.isDue(slots: 1500, live: 600), "900 dead: too few")
        XCTAssertFalse(policy.isDue(slots: 10_000, live: 8000), "2000 dead but 20 %")
        XCTAssertTrue(policy.isDue(slots: 2000, live: 1000))
        XCTAssertTrue(policy.isDue(slots: 10, live: 9, recordBytes: 40 << 20, deadBytes: 30 << 20), "dead text")
        XCTAssertFalse(policy.isDue(slots: 10, live: 9, recordBytes: 400 << 20, deadBytes: 30 << 20), "7 % of the text")
    }
}

/// A stop flag a test thread polls, with the first failure it saw.
private final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var problem: String?
    var isSet: Bool { lock.withLock { stopped } }
    var failure: String? { lock.withLock { problem } }
    func set() { lock.withLock { stopped = true } }
    func fail(_ message: String) {
        lock.withLock {
            if problem == nil { problem = message }
            stopped = true
        }
    }
}
