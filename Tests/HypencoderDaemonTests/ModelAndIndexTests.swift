import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// The model and index methods through the real daemon, with the small random-weight model
/// that `Scripts/make-test-models` builds, checked against the PyTorch reference numbers
/// committed in `Tests/Fixtures/reference/small2-safetensors.json`.
final class ModelAndIndexTests: XCTestCase {
    static let repositoryRoot = TestPaths.repositoryRoot
    static let modelDirectory = TestPaths.smallModel
    static let referencePath = repositoryRoot + "/Tests/Fixtures/reference/small2-safetensors.json"

    /// CI always creates the test model, so its absence is a failure, not a skip.
    static func requireModel() throws { try TestPaths.requireModel() }

    private func requireModel() throws { try Self.requireModel() }

    private func reference() throws -> JSONValue {
        try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: Self.referencePath))))
    }

    private func startDaemon(index: String? = nil, _ extra: [String] = []) throws -> DaemonProcess {
        try requireModel()
        var arguments = ["--model", Self.modelDirectory]
        if let index { arguments += ["--index", index] }
        return try DaemonProcess(arguments + extra)
    }

    private func assertClose(_ a: Double, _ b: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThanOrEqual(abs(a - b), 1e-3 * max(1, abs(b)), "\(what): \(a) vs reference \(b)", file: file, line: line)
    }

    func testScoresMatchThePyTorchReference() throws {
        let daemon = try startDaemon()
        let client = try daemon.connect()
        let fixture = try reference()
        let queries = fixture["queries"]?.arrayValue ?? []
        let documents = fixture["documents"]?.arrayValue ?? []
        // Every document, including those the reference truncated: the model directory's
        // config carries the limit, so the daemon must truncate the same way.
        let usable = Array(documents.indices)
        XCTAssertGreaterThan(usable.count, 2)
        for (q, query) in queries.enumerated() {
            let params: JSONValue = ["query": query, "documents": .array(usable.map { ["text": documents[$0]] })]
            let scores = try client.result("score", params)["scores"]?.arrayValue ?? []
            XCTAssertEqual(scores.count, usable.count)
            for (position, d) in usable.enumerated() {
                let expected = fixture["scores"]?.arrayValue?[q].arrayValue?[d].doubleValue ?? .nan
                assertClose(scores[position].doubleValue ?? .nan, expected, "score q\(q) d\(d)")
            }
        }
    }

    func testEncodeDocumentsMatchesReferenceInBothEncodings() throws {
        let daemon = try startDaemon()
        let client = try daemon.connect()
        let fixture = try reference()
        let texts = Array((fixture["documents"]?.arrayValue ?? []).prefix(3))
        let arrays = try client.result("encode/documents", ["texts": .array(texts)])
        let base64 = try client.result("encode/documents", ["texts": .array(texts), "encoding": "base64"])
        for i in texts.indices {
            let fromArray = (arrays["vectors"]?.arrayValue?[i].arrayValue ?? []).map { Float($0.doubleValue ?? .nan) }
            let fromBase64 = try Float32Base64.decode(base64["vectors"]?.arrayValue?[i].stringValue ?? "")
            XCTAssertEqual(fromArray, fromBase64, "both encodings carry the same float32 values")
            let head = fixture["document_vector_head"]?.arrayValue?[i].arrayValue ?? []
            for (j, value) in head.enumerated() {
                assertClose(Double(fromArray[j]), value.doubleValue ?? .nan, "vector \(i)[\(j)]")
            }
        }
        XCTAssertEqual(arrays["dimension"]?.int64Value, Int64((arrays["vectors"]?.arrayValue?[0].arrayValue?.count) ?? 0))
    }

    func testEncodeQueryDescribesTheQNet() throws {
        let daemon = try startDaemon()
        let client = try daemon.connect()
        let plain = try client.result("encode/query", ["text": "what is a hypernetwork"])
        XCTAssertNil(plain["weights"])
        let full = try client.result("encode/query", ["text": "what is a hypernetwork", "includeWeights": true])
        let layers = full["layers"]?.arrayValue ?? []
        XCTAssertFalse(layers.isEmpty)
        let weights = full["weights"]?["layers"]?.arrayValue ?? []
        XCTAssertEqual(weights.count, layers.count)
        let first = try Float32Base64.decode(weights.first?["weight"]?.stringValue ?? "")
        let inputs = layers.first?["inputs"]?.int64Value ?? 0
        let outputs = layers.first?["outputs"]?.int64Value ?? 0
        XCTAssertEqual(Int64(first.count), inputs * outputs)
    }

    func testIndexAddSearchGetDeleteAndRestart() throws {
        let indexDirectory = try temporaryDirectory() + "/index"
        var daemon = try startDaemon(index: indexDirectory)
        var client = try daemon.connect()
        let texts = [
            "hypernetworks write the weights of a small scoring network",
            "the cat sat on the mat", "retrieval with neural networks", "a recipe for bread",
        ]
        var documents: [JSONValue] = texts.enumerated().map { i, text in
            ["id": .string("doc-\(i)"), "text": .string(text), "metadata": ["n": .integer(Int64(i))]]
        }
        let vector = try client.result("encode/documents", ["texts": ["a given vector"], "encoding": "base64"])["vectors"]?
            .arrayValue?[0]
        documents.append(["id": "vec", "vector": vector ?? .null])
        let added = try client.result("index/add", ["documents": .array(documents)])
        XCTAssertEqual(added["added"], 5)
        XCTAssertEqual(try client.result("index/add", ["documents": [documents[0]]])["updated"], 1)
        XCTAssertEqual(try client.result("index/stats")["documents"], 5)

        let search = try client.result("search", ["query": "neural retrieval", "k": 3, "include": ["text", "metadata"]])
        let hits = search["results"]?.arrayValue ?? []
        XCTAssertEqual(hits.count, 3)
        XCTAssertEqual(search["documentsScored"], 5, "exact search scores every live document")
        XCTAssertGreaterThanOrEqual(search["elapsedMs"]?.doubleValue ?? -1, 0)
        let scores = hits.compactMap { $0["score"]?.doubleValue }
        XCTAssertEqual(scores, scores.sorted(by: >), "hits are best first")
        for hit in hits where hit["id"] != "vec" {
            XCTAssertNotNil(hit["text"]?.stringValue)
            XCTAssertNotNil(hit["metadata"]?["n"])
        }

        // Scoring by id uses the stored vector: the same as scoring that vector directly.
        let stored = try client.result(
            "index/get", ["ids": ["doc-1", "missing"], "include": ["vector", "text"], "encoding": "base64"])
        XCTAssertEqual(stored["documents"]?.arrayValue?[1], .null)
        XCTAssertEqual(stored["documents"]?.arrayValue?[0]["text"]?.stringValue, texts[1])
        let storedVector = stored["documents"]?.arrayValue?[0]["vector"] ?? .null
        let byID = try client.result(
            "score", ["query": "cats", "documents": [["id": "doc-1"], ["vector": storedVector], ["id": "missing"]]])
        let pair = byID["scores"]?.arrayValue ?? []
        XCTAssertEqual(pair[0], pair[1])
        XCTAssertEqual(pair[2], .null, "an unknown id scores null")

        XCTAssertEqual(try client.result("index/delete", ["ids": ["doc-3", "nope"]])["deleted"], 1)
        XCTAssertEqual(try client.result("index/checkpoint")["documents"], 4)
        XCTAssertEqual(try client.result("index/compact")["documents"], 4)
        // On four documents the graph reaches all of them: approximate equals exact.
        let exact = try client.result("search", ["query": "x", "k": 4])
        for traversal in ["improved", "paper"] {
            let approximate = try client.result(
                "search",
                [
                    "query": "x", "k": 4, "mode": "approximate",
                    "params": ["traversal": .string(traversal), "entryPoints": 2],
                ])
            // Same documents in the same order; the scores agree to float rounding (the graph
            // scores a few documents per GEMM call, exact search a block, so sums differ in order).
            let found = approximate["results"]?.arrayValue ?? []
            let expected = exact["results"]?.arrayValue ?? []
            XCTAssertEqual(found.map { $0["id"] }, expected.map { $0["id"] }, traversal)
            for (a, e) in zip(found, expected) {
                let (x, y) = (a["score"]?.doubleValue ?? .nan, e["score"]?.doubleValue ?? .nan)
                XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y)), traversal)
            }
            XCTAssertEqual(approximate["mode"], "approximate")
        }
        let misplaced = try client.call("search", ["query": "x", "params": ["ncandidates": 8]])
        XCTAssertTrue(misplaced.errorMessage.contains("params.params"), misplaced.errorMessage)
        let unknown = try client.call("search", ["query": "x", "mode": "approximate", "params": ["beam": 8]])
        XCTAssertTrue(unknown.errorMessage.contains("beam"), unknown.errorMessage)

        // A clean stop checkpoints; a restart on the same directory sees the same documents.
        daemon.signal(SIGTERM)
        XCTAssertEqual(try daemon.waitForExit(), 0)
        XCTAssertTrue(daemon.log.contains("index checkpointed"), daemon.log)
        for text in texts { XCTAssertFalse(daemon.log.contains(text), "document text in the info log") }
        daemon = try startDaemon(index: indexDirectory)
        client = try daemon.connect()
        XCTAssertEqual(try client.result("index/stats")["documents"], 4)
        let after = try client.result("index/get", ["ids": ["doc-0", "doc-3"]])["documents"]?.arrayValue
        XCTAssertEqual(after?[0]["id"], "doc-0")
        XCTAssertEqual(after?[1], .null)
    }

    func testIndexAddReportsProgress() throws {
        let daemon = try startDaemon(index: try temporaryDirectory() + "/index")
        let client = try daemon.connect()
        let documents: [JSONValue] = (0..<40).map { ["id": .string("d\($0)"), "text": .string("document number \($0)")] }
        let result = try client.result("index/add", ["documents": .array(documents), "workDoneToken": 7])
        XCTAssertEqual(result["added"], 40)
        let kinds = client.notifications.compactMap { $0["params"]?["value"]?["kind"]?.stringValue }
        XCTAssertEqual(kinds.first, "begin")
        XCTAssertEqual(kinds.last, "end")
        XCTAssertTrue(kinds.contains("report"))
        XCTAssertTrue(client.notifications.allSatisfy { $0["params"]?["token"] == 7 })
    }

    func testParamsErrorsNameTheField() throws {
        let daemon = try startDaemon(index: try temporaryDirectory() + "/index")
        let client = try daemon.connect()
        let k = try client.call("search", ["query": "x", "k": 0])
        XCTAssertEqual(k.errorCode, RPCError.Code.invalidParams)
        XCTAssertTrue(k.errorMessage.hasPrefix("params.k:"), k.errorMessage)
        let vector = try client.call("index/add", ["documents": [["id": "a", "vector": [1, 2, 3]]]])
        XCTAssertTrue(vector.errorMessage.hasPrefix("params.documents[0].vector:"), vector.errorMessage)
        let both = try client.call("score", ["query": "x", "documents": [["id": "a", "text": "b"]]])
        XCTAssertTrue(both.errorMessage.hasPrefix("params.documents[0]:"), both.errorMessage)
        let encoding = try client.call("encode/documents", ["texts": ["a"], "encoding": "hex"])
        XCTAssertTrue(encoding.errorMessage.hasPrefix("params.encoding:"), encoding.errorMessage)
    }

    func testModelMethodsWithoutAModelSayWhatIsMissing() throws {
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        let calls: [(String, JSONValue)] = [
            ("model/info", [:]), ("encode/query", ["text": "x"]),
            ("search", ["query": "x"]), ("index/stats", [:]),
        ]
        for (method, params) in calls {
            let reply = try client.call(method, params)
            XCTAssertTrue([-32020, -32021].contains(reply.errorCode ?? 0), "\(method): \(reply)")
            XCTAssertTrue(reply.errorMessage.contains("--model"), reply.errorMessage)
        }
    }
}
