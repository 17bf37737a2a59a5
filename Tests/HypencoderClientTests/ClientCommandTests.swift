import Foundation
import HypencoderTestSupport
import XCTest

/// Every subcommand of the real `hypencoder` executable against a real daemon on the small2
/// test model with a temporary index.
final class ClientCommandTests: XCTestCase {
    func testAddOfABEIRCorpusThenSearchFindsTheDocumentTheModelScoresHighest() throws {
        let daemon = try TestDaemon()
        let collection = daemon.directory + "/beir"
        try TinyBEIR.write(to: collection)

        let added =
            try parseJSON(daemon.ok(["add", collection + "/corpus.jsonl", "--json", "--batch-size", "3"])) as? [String: Any]
        XCTAssertEqual(added?["documents"] as? Int, TinyBEIR.documents.count)
        XCTAssertEqual(added?["added"] as? Int, TinyBEIR.documents.count)

        // The stored text is BEIR's title + " " + text.
        let got = try parseJSON(daemon.ok(["get", "rocket", "--json"])) as? [String: Any]
        let stored = (got?["documents"] as? [[String: Any]])?.first
        XCTAssertEqual(stored?["text"] as? String, "Rockets A rocket burns fuel to fly to orbit and the moon.")

        // Search ranks by the same scores the model gives those texts encoded on the fly.
        let query = TinyBEIR.queries[1].text
        let texts = TinyBEIR.documents.map { $0.title + " " + $0.text }
        let scored = try parseJSON(daemon.ok(["score", query, "--text"] + texts + ["--json"])) as? [String: Any]
        let scores = try XCTUnwrap(scored?["scores"] as? [Double])
        let best = try XCTUnwrap(scores.indices.max { scores[$0] < scores[$1] })

        let result = try parseJSON(daemon.ok(["search", query, "-k", "10", "--json"])) as? [String: Any]
        let hits = try XCTUnwrap(result?["results"] as? [[String: Any]])
        XCTAssertEqual(Set(hits.compactMap { $0["id"] as? String }), Set(TinyBEIR.documents.map(\.id)))
        XCTAssertEqual(hits.first?["id"] as? String, TinyBEIR.documents[best].id)
        XCTAssertEqual(try XCTUnwrap(hits.first?["score"] as? Double), scores[best], accuracy: 1e-3)

        // The human table lists the same top hit first.
        let table = try daemon.ok(["search", query, "-k", "2", "--include", "text"]).split(separator: "\n")
        XCTAssertTrue(table.first?.hasPrefix("rank") == true, "\(table)")
        XCTAssertTrue(table.dropFirst().first?.contains(" \(TinyBEIR.documents[best].id) ") == true, "\(table)")
    }

    func testOwnJSONLWithMetadataAndVectorsAddGetDeleteAndStdin() throws {
        let daemon = try TestDaemon()
        let file = daemon.directory + "/docs.jsonl"
        try """
        {"id": "a", "text": "first document", "metadata": {"lang": "en", "n": 1}}

        {"id": "b", "text": "second document"}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertTrue(try daemon.ok(["add", file]).contains("2 documents: 2 added, 0 updated"))
        // Adding again replaces: all updated. Through stdin this time.
        let again = try daemon.client(["add", "-", "--json"], stdin: "{\"id\": \"a\", \"text\": \"first, edited\"}\n")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual((try parseJSON(again.stdout) as? [String: Any])?["updated"] as? Int, 1)

        let got = try parseJSON(daemon.ok(["get", "a", "missing", "--vector", "--json"])) as? [String: Any]
        let documents = try XCTUnwrap(got?["documents"] as? [Any])
        XCTAssertEqual(documents.count, 2)
        XCTAssertTrue(documents[1] is NSNull)
        let first = try XCTUnwrap(documents[0] as? [String: Any])
        XCTAssertEqual(first["text"] as? String, "first, edited")
        let vector = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(first["vector"] as? String)))
        XCTAssertEqual(vector.count, 64 * 4, "small2 stores 64 float32 per document")

        // A document given as a vector (the one just read back) is stored as given.
        let floats = vector.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let line = "{\"id\": \"v\", \"vector\": [\(floats.map { "\($0)" }.joined(separator: ","))]}\n"
        let viaVector = try daemon.client(["add", "-"], stdin: line)
        XCTAssertEqual(viaVector.status, 0, viaVector.stderr)
        let scores = try parseJSON(daemon.ok(["score", "anything", "--id", "a", "v", "--json"])) as? [String: Any]
        let pair = try XCTUnwrap(scores?["scores"] as? [Double])
        XCTAssertEqual(pair[0], pair[1], accuracy: 1e-5)

        let table = try daemon.ok(["get", "a", "missing"])
        XCTAssertTrue(table.contains("first, edited") && table.contains("(not found)"), table)

        let deleted = try parseJSON(daemon.ok(["delete", "b", "nope", "--json"])) as? [String: Any]
        XCTAssertEqual(deleted?["deleted"] as? Int, 1)
        XCTAssertEqual(deleted?["notFound"] as? Int, 1)
        XCTAssertTrue(try daemon.ok(["delete", "a"]).contains("1 deleted, 0 not found"))
    }

    func testScoreMixesIdsAndTextsInOrderAndMarksUnknownIds() throws {
        let daemon = try TestDaemon()
        _ = try daemon.client(["add", "-"], stdin: "{\"id\": \"x\", \"text\": \"hello world\"}\n")
        let result =
            try parseJSON(daemon.ok(["score", "hello", "--id", "x", "--text", "hello world", "--id", "nope", "--json"]))
            as? [String: Any]
        let scores = try XCTUnwrap(result?["scores"] as? [Any])
        XCTAssertEqual(scores.count, 3)
        XCTAssertEqual(try XCTUnwrap(scores[0] as? Double), try XCTUnwrap(scores[1] as? Double), accuracy: 1e-4)
        XCTAssertTrue(scores[2] is NSNull)
        XCTAssertTrue(try daemon.ok(["score", "hello", "--id", "nope"]).contains("(not in index)"))
    }

    func testStatusInfoCheckpointCompactAndCall() throws {
        let daemon = try TestDaemon()
        _ = try daemon.client(["add", "-"], stdin: "{\"id\": \"x\", \"text\": \"hello\"}\n{\"id\": \"y\", \"text\": \"bye\"}\n")

        let status = try parseJSON(daemon.ok(["status", "--json"])) as? [String: Any]
        XCTAssertEqual(status?["shuttingDown"] as? Bool, false)
        XCTAssertEqual((status?["index"] as? [String: Any])?["documents"] as? Int, 2)
        XCTAssertTrue(try daemon.ok(["status"]).contains("2 documents"))

        let info = try parseJSON(daemon.ok(["info", "--json"])) as? [String: Any]
        XCTAssertEqual((info?["model"] as? [String: Any])?["documentDimension"] as? Int, 64)
        XCTAssertEqual((info?["index"] as? [String: Any])?["documents"] as? Int, 2)
        XCTAssertTrue(try daemon.ok(["info"]).contains("fingerprint"))

        _ = try daemon.ok(["delete", "y"])
        let checkpoint = try parseJSON(daemon.ok(["checkpoint", "--json"])) as? [String: Any]
        XCTAssertEqual(checkpoint?["documents"] as? Int, 1)
        XCTAssertTrue(try daemon.ok(["compact"]).contains("1 documents"))

        let encoded = try parseJSON(daemon.ok(["call", "encode/query", "{\"text\": \"hello\"}"])) as? [String: Any]
        XCTAssertEqual(encoded?["inputDimension"] as? Int, 64)
        XCTAssertEqual(try daemon.ok(["call", "index/stats", "--compact"]).split(separator: "\n").count, 1)
    }

    func testInfoReportsAMissingIndexInsteadOfFailing() throws {
        let daemon = try TestDaemon(withIndex: false)
        let info = try parseJSON(daemon.ok(["info", "--json"])) as? [String: Any]
        XCTAssertTrue(info?["index"] is NSNull)
        XCTAssertNotNil(info?["model"] as? [String: Any])
        XCTAssertTrue(try daemon.ok(["info"]).contains("none open"))
    }

    func testImportOfNumpyAndRawVectors() throws {
        let daemon = try TestDaemon()
        // Two vectors the model made, read back from the index, then imported under new ids.
        _ = try daemon.client(["add", "-"], stdin: "{\"id\": \"a\", \"text\": \"alpha\"}\n{\"id\": \"b\", \"text\": \"beta\"}\n")
        let got = try parseJSON(daemon.ok(["get", "a", "b", "--vector", "--json"])) as? [String: Any]
        let vectors = try (got?["documents"] as? [[String: Any]] ?? []).map {
            try XCTUnwrap(Data(base64Encoded: try XCTUnwrap($0["vector"] as? String)))
        }
        XCTAssertEqual(vectors.count, 2)
        let raw = vectors[0] + vectors[1]

        let rawPath = daemon.directory + "/v.f32"
        let idsPath = daemon.directory + "/ids.txt"
        try raw.write(to: URL(fileURLWithPath: rawPath))
        try "ra\nrb\n".write(toFile: idsPath, atomically: true, encoding: .utf8)
        let imported = try parseJSON(daemon.ok(["import", "--vectors", rawPath, "--ids", idsPath, "--json"])) as? [String: Any]
        XCTAssertEqual(imported?["added"] as? Int, 2)

        // The same matrix as .npy (version 1.0 header, padded to 64 bytes as numpy does).
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 64), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var npy = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        npy += Data(header.utf8) + raw
        let npyPath = daemon.directory + "/v.npy"
        try npy.write(to: URL(fileURLWithPath: npyPath))
        try "na\nnb\n".write(toFile: idsPath, atomically: true, encoding: .utf8)
        XCTAssertTrue(try daemon.ok(["import", "--vectors", npyPath, "--ids", idsPath]).contains("2 vectors: 2 added"))

        let scores = try parseJSON(daemon.ok(["score", "query", "--id", "b", "rb", "nb", "--json"])) as? [String: Any]
        let values = try XCTUnwrap(scores?["scores"] as? [Double])
        XCTAssertEqual(values[0], values[1], accuracy: 1e-5)
        XCTAssertEqual(values[0], values[2], accuracy: 1e-5)

        // Row count and id count must agree.
        try "only-one\n".write(toFile: idsPath, atomically: true, encoding: .utf8)
        let mismatch = try daemon.client(["import", "--vectors", rawPath, "--ids", idsPath])
        XCTAssertEqual(mismatch.status, 65)
        XCTAssertTrue(mismatch.stderr.contains("2 vectors but"), mismatch.stderr)
    }

    func testEvalWritesARunFileAndPrintsMeasuresInRange() throws {
        let daemon = try TestDaemon()
        let collection = daemon.directory + "/beir"
        try TinyBEIR.write(to: collection)
        let runPath = daemon.directory + "/run.trec"
        let measures =
            try parseJSON(daemon.ok(["eval", "--corpus", collection, "--run", runPath, "-k", "3", "--json", "--quiet"]))
            as? [String: Any]
        XCTAssertEqual(measures?["queries"] as? Int, TinyBEIR.queries.count)
        for name in ["nDCG@10", "MAP", "R@100"] {
            let value = try XCTUnwrap(measures?[name] as? Double, name)
            XCTAssertTrue((0...1).contains(value), "\(name) = \(value)")
        }
        // With k = 4 = the corpus size every relevant document is retrieved: R@100 is 1.
        let full =
            try parseJSON(daemon.ok(["eval", "--corpus", collection, "--no-index", "-k", "4", "--json", "--quiet"]))
            as? [String: Any]
        XCTAssertEqual(try XCTUnwrap(full?["R@100"] as? Double), 1, accuracy: 1e-12)

        let lines = try String(contentsOfFile: runPath, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, TinyBEIR.queries.count * 3)
        let fields = lines[0].split(separator: " ")
        XCTAssertEqual(fields.count, 6)
        XCTAssertEqual(fields[1], "Q0")
        XCTAssertEqual(fields[3], "1")
        XCTAssertEqual(fields[5], "hypencoder")
        XCTAssertTrue(try daemon.ok(["eval", "--corpus", collection, "--no-index", "--quiet"]).contains("nDCG@10"))
    }
}
