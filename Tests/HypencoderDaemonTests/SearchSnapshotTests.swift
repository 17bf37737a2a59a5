import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// `search` with `include` reads each hit's text and metadata from the snapshot that was
/// scored (DESIGN.md §6), so while a document is being rewritten every hit is consistent:
/// the version whose vector produced the score is the version whose text and metadata come
/// back.
final class SearchSnapshotTests: XCTestCase {
    /// Version k of document "d" has vector v_k, text "version k" and metadata {"version": k}.
    /// The vectors are chosen so that their q-net scores for the query are far apart, which
    /// makes a hit's score say which version was scored. One connection rewrites "d" through
    /// the versions over and over; another searches meanwhile and checks every hit of "d".
    func testIncludedTextAndMetadataBelongToTheScoredVersion() throws {
        try TestPaths.requireModel()
        let daemon = try DaemonProcess([
            "--model", TestPaths.smallModel, "--index", try temporaryDirectory() + "/index", "--workers", "2",
        ])
        let reader = try daemon.connect()
        let dimension = Int(try reader.result("model/info")["documentDimension"]?.int64Value ?? 0)
        XCTAssertGreaterThan(dimension, 0)
        let query = "which version is this"

        // Candidate vectors, scored directly; keep those whose scores are well apart.
        let candidates = (0..<60).map { c in (0..<dimension).map { i in Float(sin(Double(c * 131 + i * 17) * 0.37)) } }
        let candidateScores = try scores(of: candidates, query: query, client: reader)
        let span = (candidateScores.max() ?? 0) - (candidateScores.min() ?? 0)
        XCTAssertGreaterThan(span, 0)
        let gap = span / 100
        var versions: [(vector: [Float], score: Float)] = []
        for (vector, score) in zip(candidates, candidateScores) where versions.allSatisfy({ abs($0.score - score) > gap }) {
            versions.append((vector, score))
        }
        XCTAssertGreaterThanOrEqual(versions.count, 5, "too few well-separated versions to tell apart")
        func version(scored score: Float) -> Int? {
            versions.indices.first { abs(versions[$0].score - score) < gap / 4 }
        }
        func upsert(_ k: Int) -> JSONValue {
            [
                "documents": [
                    [
                        "id": "d", "vector": .float32Array(versions[k].vector), "text": .string("version \(k)"),
                        "metadata": ["version": .integer(Int64(k))],
                    ]
                ]
            ]
        }
        // Neighbours that are always returned too (k covers the whole index).
        _ = try reader.result(
            "index/add",
            [
                "documents": .array(
                    (0..<4).map { n in
                        [
                            "id": .string("n\(n)"), "vector": .float32Array(candidates[(n * 7 + 3) % candidates.count]),
                            "text": "n",
                        ]
                    })
            ])
        _ = try reader.result("index/add", upsert(0))

        let writerDone = DispatchSemaphore(value: 0)
        let writerError = ErrorBox()
        let socketPath = daemon.socketPath
        let versionCount = versions.count
        let addRequests = (0..<versionCount).map { upsert($0) }
        Thread {
            defer { writerDone.signal() }
            do {
                let writer = try RPCClient.testing(path: socketPath)
                for round in 0..<6 {
                    for k in 0..<versionCount { _ = try writer.result("index/add", addRequests[(k + round) % versionCount]) }
                }
            } catch {
                writerError.set("\(error)")
            }
        }.start()

        var checked = 0
        var seen = Set<Int>()
        var searches = 0
        while writerDone.wait(timeout: .now()) == .timedOut {
            let mode = searches % 3 == 2 ? "approximate" : "exact"
            searches += 1
            let result = try reader.result(
                "search", ["query": .string(query), "k": 5, "mode": .string(mode), "include": ["text", "metadata"]])
            for hit in result["results"]?.arrayValue ?? [] where hit["id"] == "d" {
                let score = Float(hit["score"]?.doubleValue ?? .nan)
                guard let k = version(scored: score) else {
                    XCTFail("score \(score) of \"d\" is no version's score (\(mode) search)")
                    continue
                }
                XCTAssertEqual(hit["text"]?.stringValue, "version \(k)", "\(mode) search scored version \(k)")
                XCTAssertEqual(hit["metadata"]?["version"]?.int64Value, Int64(k), "\(mode) search scored version \(k)")
                seen.insert(k)
                checked += 1
            }
        }
        XCTAssertNil(writerError.value)
        XCTAssertGreaterThan(checked, 0, "no search returned \"d\"")
        XCTAssertGreaterThan(seen.count, 1, "the searches never overlapped an update (\(searches) searches)")
    }

    /// The q-net scores of `vectors` for `query`, through `score`.
    private func scores(of vectors: [[Float]], query: String, client: RPCClient) throws -> [Float] {
        let reply = try client.result(
            "score", ["query": .string(query), "documents": .array(vectors.map { ["vector": .float32Array($0)] })])
        return (reply["scores"]?.arrayValue ?? []).map { Float($0.doubleValue ?? .nan) }
    }
}

/// The writer thread's failure, read by the test thread after it joined.
private final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var message: String?
    var value: String? {
        lock.lock()
        defer { lock.unlock() }
        return message
    }
    func set(_ text: String) {
        lock.lock()
        message = text
        lock.unlock()
    }
}
