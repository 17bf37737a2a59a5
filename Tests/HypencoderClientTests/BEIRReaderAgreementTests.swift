import Foundation
import HypencoderTestSupport
import XCTest

/// `hypencoder eval` (through the daemon) and `hypencoder-model rank` (the model alone) read
/// a BEIR collection with the same reader (HypencoderRPC's `BEIRCollection`), so they rank
/// the same judged queries, score them alike, and refuse the same malformed line.
final class BEIRReaderAgreementTests: XCTestCase {
    /// TinyBEIR plus a query judged only with grade 0 (judged all the same: trec_eval scores
    /// it 0) and a query nobody judged (never ranked).
    private func writeCollection(_ directory: String) throws {
        try TinyBEIR.write(to: directory)
        let queries = try String(contentsOfFile: directory + "/queries.jsonl", encoding: .utf8)
        try (queries + "{\"_id\": \"q4\", \"text\": \"where do rivers go\"}\n{\"_id\": \"q5\", \"text\": \"unjudged\"}\n")
            .write(toFile: directory + "/queries.jsonl", atomically: true, encoding: .utf8)
        let qrels = try String(contentsOfFile: directory + "/qrels/test.tsv", encoding: .utf8)
        try (qrels + "q4\triver\t0\n").write(toFile: directory + "/qrels/test.tsv", atomically: true, encoding: .utf8)
    }

    /// query → document → score, from a TREC run file.
    private func readRun(_ path: String) throws -> [String: [String: Double]] {
        var run: [String: [String: Double]] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            let fields = line.split(separator: " ")
            XCTAssertEqual(fields.count, 6, String(line))
            run[String(fields[0]), default: [:]][String(fields[2])] = Double(fields[4])
        }
        return run
    }

    private func rank(_ directory: String, run: String) throws -> ProcessOutcome {
        try runProcess(
            try TestPaths.product("hypencoder-model"),
            [
                "rank", "--model", TestPaths.smallModel, "--corpus", directory + "/corpus.jsonl",
                "--queries", directory + "/queries.jsonl", "--qrels", directory + "/qrels/test.tsv",
                "--run", run, "-k", "4",
            ],
            environment: ["OPENBLAS_NUM_THREADS": "1"])
    }

    func testEvalAndRankRankTheSameJudgedQueriesWithTheSameScores() throws {
        let daemon = try TestDaemon()
        let collection = daemon.directory + "/beir"
        try writeCollection(collection)

        let evalRun = daemon.directory + "/eval.trec"
        let measures =
            try parseJSON(daemon.ok(["eval", "--corpus", collection, "--run", evalRun, "-k", "4", "--json", "--quiet"]))
            as? [String: Any]
        XCTAssertEqual(measures?["queries"] as? Int, 4, "q1–q4 are judged (q4 with grade 0 only), q5 is not")

        let rankRun = daemon.directory + "/rank.trec"
        let ranked = try rank(collection, run: rankRun)
        XCTAssertEqual(ranked.status, 0, ranked.stderr)

        let viaDaemon = try readRun(evalRun)
        let viaModel = try readRun(rankRun)
        XCTAssertEqual(Set(viaDaemon.keys), ["q1", "q2", "q3", "q4"])
        XCTAssertEqual(Set(viaModel.keys), Set(viaDaemon.keys), "both read the qrels by the same rule")
        // Both encode a document as title + " " + text with the same engine.
        for (query, documents) in viaDaemon {
            XCTAssertEqual(Set(viaModel[query]?.keys ?? [:].keys), Set(documents.keys), query)
            for (document, score) in documents {
                let other = try XCTUnwrap(viaModel[query]?[document], "\(query) \(document)")
                XCTAssertEqual(other, score, accuracy: 1e-3 * max(1, abs(score)), "\(query) \(document)")
            }
        }
    }

    func testEvalAndRankRefuseTheSameMalformedQrelsLine() throws {
        let daemon = try TestDaemon()
        let collection = daemon.directory + "/beir"
        try writeCollection(collection)
        try "query-id\tcorpus-id\tscore\nq1\tcat\t2\nq2\trocket\thigh\n".write(
            toFile: collection + "/qrels/test.tsv", atomically: true, encoding: .utf8)

        let evaluated = try daemon.client(["eval", "--corpus", collection, "--quiet"])
        XCTAssertEqual(evaluated.status, 65, evaluated.stderr)
        XCTAssertTrue(evaluated.stderr.contains("qrels/test.tsv:3: grade \"high\" is not an integer"), evaluated.stderr)

        let ranked = try rank(collection, run: daemon.directory + "/rank.trec")
        XCTAssertEqual(ranked.status, 1, ranked.stderr)
        XCTAssertTrue(ranked.stderr.contains("qrels/test.tsv:3: grade \"high\" is not an integer"), ranked.stderr)

        // A missing split is "no input" for the client, as any missing file is.
        let missing = try daemon.client(["eval", "--corpus", collection, "--split", "dev", "--quiet"])
        XCTAssertEqual(missing.status, 66, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("qrels/dev.tsv"), missing.stderr)
    }
}
