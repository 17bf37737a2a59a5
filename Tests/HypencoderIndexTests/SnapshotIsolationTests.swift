import XCTest

@testable import HypencoderIndex

final class SnapshotIsolationTests: XCTestCase {
    /// One writer rewrites all documents in each batch with the batch's version number as
    /// every component (and deletes/re-adds a marker); readers search and iterate
    /// concurrently. Every snapshot must show one version across all documents (never half a
    /// batch), and versions a reader sees never go backwards.
    func testReadersNeverSeeHalfAnUpdate() throws {
        let dimension = 4
        let documents = 64
        let versions = 60
        let index = try DocumentIndex.open(directory: makeTemporaryDirectory(self), fingerprint: "m", dimension: dimension)
        func batch(_ version: Int) -> [DocumentUpsert] {
            (0..<documents).map { DocumentUpsert(id: "d\($0)", vector: [Float](repeating: Float(version), count: dimension)) }
        }
        try index.upsert(batch(0))

        let shared = SharedFlags()

        let readers = 3
        let group = DispatchGroup()
        for reader in 0..<readers {
            group.enter()
            Thread {
                defer { group.leave() }
                var lastVersion: Float = -1
                let scorer = DotScorer(query: [1, 0, 0, 0])
                while true {
                    let stop = shared.finished
                    let snapshot = index.snapshot()
                    var seen = Set<Float>()
                    do {
                        try snapshot.forEachDocument { seen.insert($0.vector[0]) }
                    } catch {
                        shared.report("reader \(reader): reading the snapshot failed: \(error)")
                    }
                    if seen.count != 1 || snapshot.count != documents {
                        shared.report(
                            "reader \(reader): snapshot mixes versions \(seen.sorted()) over \(snapshot.count) documents")
                    }
                    let version = seen.first ?? -1
                    if version < lastVersion {
                        shared.report("reader \(reader): version went back from \(lastVersion) to \(version)")
                    }
                    lastVersion = version
                    if let hits = try? snapshot.exactSearch(scorer: scorer, k: documents), Set(hits.map(\.score)).count != 1 {
                        shared.report("reader \(reader): search saw several versions")
                    }
                    if stop { break }
                }
            }.start()
        }
        for version in 1...versions {
            try index.upsert(batch(version))
            if version % 20 == 0 { try index.compact() }
            if version % 25 == 0 { try index.checkpoint() }
        }
        shared.finish()
        group.wait()
        XCTAssertEqual(shared.problems, [])
        XCTAssertEqual(try index.get(ids: ["d0"])[0]?.vector, [Float](repeating: Float(versions), count: dimension))
    }

    /// Several threads upserting at once share fsyncs (group commit) and all get acknowledged.
    func testConcurrentWritersAreAllAcknowledged() throws {
        let directory = makeTemporaryDirectory(self)
        let index = try DocumentIndex.open(directory: directory, fingerprint: "m", dimension: 2)
        let shared = SharedFlags()
        DispatchQueue.concurrentPerform(iterations: 8) { writer in
            for item in 0..<25 {
                do {
                    try index.upsert([DocumentUpsert(id: "w\(writer)-\(item)", vector: [Float(writer), Float(item)])])
                } catch {
                    shared.report("writer \(writer): \(error)")
                }
            }
        }
        XCTAssertEqual(shared.problems, [])
        XCTAssertEqual(index.count, 200)
        index.close()
        XCTAssertEqual(try DocumentIndex.open(directory: directory, fingerprint: "m", dimension: 2).count, 200)
    }

    /// Updates that queue up while the writer is busy are written with one fsync.
    func testQueuedUpdatesShareOneFsync() throws {
        let index = try DocumentIndex.open(directory: makeTemporaryDirectory(self), fingerprint: "m", dimension: 2)
        let syncsBefore = try index.queue.exclusive { log in log.syncCount }
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let writers = DispatchGroup()
        let shared = SharedFlags()
        // Occupy the writer thread so that the next five submissions wait together.
        // Plain threads: blocked GCD workers would make the pool add threads only slowly.
        func spawn(_ body: @escaping @Sendable () -> Void) {
            writers.enter()
            Thread {
                body()
                writers.leave()
            }.start()
        }
        spawn {
            do {
                try index.queue.exclusive { _ in
                    started.signal()
                    release.wait()
                }
            } catch { shared.report("\(error)") }
        }
        started.wait()
        for writer in 0..<5 {
            spawn {
                do { try index.upsert([DocumentUpsert(id: "w\(writer)", vector: [1, 2])]) } catch { shared.report("\(error)") }
            }
        }
        while index.queue.pendingCount < 5 { usleep(1000) }
        release.signal()
        writers.wait()
        XCTAssertEqual(shared.problems, [])
        XCTAssertEqual(index.count, 5)
        XCTAssertEqual(try index.queue.exclusive { log in log.syncCount } - syncsBefore, 1)
    }

    func testUpdatingFromInsideTheWriterThreadIsDetected() throws {
        // The commit queue refuses re-entrant submissions instead of deadlocking.
        let index = try DocumentIndex.open(directory: makeTemporaryDirectory(self), fingerprint: "m", dimension: 2)
        let result: Result<Void, Error> = try index.queue.exclusive { _ in
            Result { try index.upsert([DocumentUpsert(id: "x", vector: [1, 2])]) }.map { _ in () }
        }
        XCTAssertThrowsError(try result.get()) { error in
            guard case .threadingViolation = error as? IndexError else { return XCTFail("got \(error)") }
        }
    }
}
