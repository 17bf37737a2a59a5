import Foundation
import XCTest

@testable import HypencoderIndex

/// A search's hits carry the snapshot they were scored on, so the text and metadata read for
/// a hit are those of the version that was scored, even while the document is being
/// rewritten (DESIGN.md §6: a search reads one snapshot).
final class SearchResultConsistencyTests: XCTestCase {
    /// One writer rewrites document "d" as version 1, 2, …: vector [k, 0], text "version k",
    /// metadata {"version": k}. Readers search with the dot product on [1, 0], so a hit's score
    /// is the version whose vector was scored, and check that the text, metadata and vector
    /// read through the result belong to that same version, for both search methods.
    func testTextAndMetadataOfAHitAreThoseOfTheScoredVersion() throws {
        let index = try DocumentIndex.open(directory: makeTemporaryDirectory(self), fingerprint: "m", dimension: 2)
        func version(_ k: Int) -> DocumentUpsert {
            DocumentUpsert(
                id: "d", vector: [Float(k), 0], metadata: Array("{\"version\":\(k)}".utf8), text: "version \(k)")
        }
        // Neighbours that score below every version, so "d" is always among the hits.
        try index.upsert((0..<20).map { DocumentUpsert(id: "n\($0)", vector: [-1 - Float($0), 1], text: "neighbour") })
        try index.upsert([version(1)])

        let state = ConsistencyState()
        let scorer = DotScorer(query: [1, 0])
        let methods: [SearchMethod] = [.exact, .approximate(ApproximateSearchParameters(entryPoints: 8, ncandidates: 32))]
        let group = DispatchGroup()
        for reader in 0..<3 {
            group.enter()
            Thread {
                defer { group.leave() }
                var round = 0
                while true {
                    let stop = state.finished
                    let exact = round % methods.count == 0
                    let method = methods[round % methods.count]
                    round += 1
                    do {
                        let result = try index.search(scorer: scorer, k: 5, method: method)
                        guard let position = result.hits.firstIndex(where: { $0.id == "d" }) else {
                            // The graph walk may miss it while "d" moves slot after slot; exact never may.
                            if exact { state.report("reader \(reader): \"d\" missing from \(result.hits.map(\.id))") }
                            if stop { break }
                            continue
                        }
                        let scored = Int(result.hits[position].score)
                        let record = try result.record(ofHit: position)
                        let metadata = record.metadata.map { String(decoding: $0, as: UTF8.self) }
                        if record.text != "version \(scored)" || metadata != "{\"version\":\(scored)}" {
                            state.report(
                                "reader \(reader): scored version \(scored) but read text \(record.text ?? "nil"), metadata \(metadata ?? "nil")"
                            )
                        }
                        if try result.document(ofHit: position).vector != [Float(scored), 0] {
                            state.report("reader \(reader): the stored vector is not the scored one (version \(scored))")
                        }
                        state.count(scored, approximate: !exact)
                    } catch {
                        state.report("reader \(reader): \(error)")
                    }
                    if stop { break }
                }
            }.start()
        }
        let versions = 150
        for k in 2...versions {
            try index.upsert([version(k)])
            if k % 50 == 0 { try index.compact() }  // renumbers every slot under the readers
        }
        state.finish()
        group.wait()
        XCTAssertEqual(state.problems, [])
        XCTAssertGreaterThan(state.distinctVersions, 1, "the readers never overlapped an update")
        XCTAssertGreaterThan(state.approximateHits, 0, "approximate search never found \"d\"")
        let last = try index.search(scorer: scorer, k: 1, method: .exact)
        XCTAssertEqual(last.hits.map(\.id), ["d"])
        XCTAssertEqual(try last.record(ofHit: 0).text, "version \(versions)")
        XCTAssertEqual(last.documentsScored, 21)
    }
}

/// Problems and versions seen by the reader threads (problems and the stop flag in `SharedFlags`).
private final class ConsistencyState: @unchecked Sendable {
    private let flags = SharedFlags()
    private let lock = NSLock()
    private var seen = Set<Int>()
    private var approximate = 0

    var problems: [String] { Array(flags.problems.prefix(10)) }
    var finished: Bool { flags.finished }
    func report(_ problem: String) { flags.report(problem) }
    func finish() { flags.finish() }

    var distinctVersions: Int {
        lock.lock()
        defer { lock.unlock() }
        return seen.count
    }
    var approximateHits: Int {
        lock.lock()
        defer { lock.unlock() }
        return approximate
    }
    func count(_ version: Int, approximate byGraph: Bool) {
        lock.lock()
        seen.insert(version)
        if byGraph { approximate += 1 }
        lock.unlock()
    }
}
