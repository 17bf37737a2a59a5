import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// Texts the model is asked to read: empty or whitespace-only ones are refused naming the
/// field; `index/add` stores texts up to the index's 4 MiB whole, encodes their start and
/// says which were longer than the window; the other methods keep their 1 MiB bound.
final class TextInputTests: XCTestCase {
    private var daemon: DaemonProcess!
    private var client: RPCClient!

    override func setUpWithError() throws {
        try ModelAndIndexTests.requireModel()
        daemon = try DaemonProcess([
            "--model", ModelAndIndexTests.modelDirectory, "--index", try temporaryDirectory() + "/index",
        ])
        client = try daemon.connect()
    }

    override func tearDown() {
        client = nil
        daemon = nil
    }

    /// The error of a call, which must be invalid params whose message starts with `path`.
    private func assertRefused(
        _ method: String, _ params: JSONValue, path: String, saying text: String = "must not be empty",
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let reply = try client.call(method, params)
        XCTAssertEqual(reply.errorCode, RPCError.Code.invalidParams, "\(reply)", file: file, line: line)
        XCTAssertTrue(reply.errorMessage.hasPrefix(path + ": "), reply.errorMessage, file: file, line: line)
        XCTAssertTrue(reply.errorMessage.contains(text), reply.errorMessage, file: file, line: line)
        XCTAssertEqual(reply["error"]?["data"]?["path"]?.stringValue, path, file: file, line: line)
    }

    func testEmptyAndWhitespaceOnlyTextsAreRefusedInIndexAdd() throws {
        for blank in ["", " ", " \n\t\u{3000} "] {
            try assertRefused(
                "index/add", ["documents": [["id": "a", "text": "fine"], ["id": "b", "text": .string(blank)]]],
                path: "params.documents[1].text")
            // Even beside a vector: a text is stored for `include`, and a blank one is a bug.
            try assertRefused(
                "index/add",
                [
                    "documents": [
                        ["id": "c", "text": .string(blank), "vector": .float32Array([Float](repeating: 0.5, count: 64))]
                    ]
                ],
                path: "params.documents[0].text")
        }
        XCTAssertEqual(try client.result("index/stats")["documents"], 0, "a refused batch adds nothing")
    }

    func testEmptyAndWhitespaceOnlyQueriesAreRefusedInSearch() throws {
        _ = try client.result("index/add", ["documents": [["id": "a", "text": "the cat sat on the mat"]]])
        for blank in ["", "   ", "\n"] {
            try assertRefused("search", ["query": .string(blank)], path: "params.query")
            try assertRefused("search", ["query": .string(blank), "mode": "approximate"], path: "params.query")
        }
        XCTAssertEqual(try client.result("search", ["query": " cat "])["results"]?.arrayValue?.count, 1)
    }

    func testEmptyTextsAreRefusedByTheModelMethods() throws {
        try assertRefused("encode/query", ["text": ""], path: "params.text")
        try assertRefused("encode/documents", ["texts": ["fine", " "]], path: "params.texts[1]")
        try assertRefused("score", ["query": "\t", "documents": [["text": "fine"]]], path: "params.query")
        try assertRefused(
            "score", ["query": "fine", "documents": [["text": "fine"], ["text": ""]]], path: "params.documents[1].text")
    }

    func testIndexAddStoresTextsLongerThanTheWindowWholeAndNamesThem() throws {
        let window = try XCTUnwrap(client.result("model/info")["documentMaxLength"]?.int64Value)
        let long = String(repeating: "a rocket burns fuel to reach orbit. ", count: 2 << 20 / 36)  // ~2 MiB
        XCTAssertGreaterThan(long.utf8.count, HandlerLimitsMirror.queryTextBytes)
        let result = try client.result(
            "index/add",
            ["documents": [["id": "short", "text": "a rocket"], ["id": "long", "text": .string(long)]]])
        XCTAssertEqual(result["added"], 2)
        XCTAssertEqual(result["truncated"], ["long"])
        XCTAssertEqual(result["documentMaxTokens"]?.int64Value, window)
        let stored = try client.result("index/get", ["ids": ["long"], "include": ["text"]])
        XCTAssertEqual(stored["documents"]?.arrayValue?.first?["text"]?.stringValue?.utf8.count, long.utf8.count, "stored whole")

        // Encoded from its start: the same vector as the window's worth of the text alone.
        let vectors = try client.result("index/get", ["ids": ["long"], "include": ["vector"]])
        let head = String(long.prefix(4096))
        let encoded = try client.result("encode/documents", ["texts": .array([.string(head)])])
        let fromIndex = (vectors["documents"]?.arrayValue?.first?["vector"]?.arrayValue ?? []).compactMap(\.doubleValue)
        let fromHead = (encoded["vectors"]?.arrayValue?.first?.arrayValue ?? []).compactMap(\.doubleValue)
        XCTAssertEqual(fromIndex.count, fromHead.count)
        for (a, b) in zip(fromIndex, fromHead) { XCTAssertEqual(a, b, accuracy: 1e-5) }

        // Nothing cut, nothing listed.
        let plain = try client.result("index/add", ["documents": [["id": "short", "text": "a rocket again"]]])
        XCTAssertNil(plain["truncated"])
        XCTAssertNil(plain["documentMaxTokens"])
    }

    func testTextBoundsNameTheFieldAndTheLimit() throws {
        let overIndex = String(repeating: "x", count: (4 << 20) + 1)
        try assertRefused(
            "index/add", ["documents": [["id": "a", "text": "fine"], ["id": "b", "text": .string(overIndex)]]],
            path: "params.documents[1].text", saying: "longer than the maximum of 4194304")
        let overQuery = String(repeating: "x", count: HandlerLimitsMirror.queryTextBytes + 1)
        try assertRefused(
            "encode/documents", ["texts": .array([.string(overQuery)])], path: "params.texts[0]",
            saying: "longer than the maximum of 1048576")
        try assertRefused("search", ["query": .string(overQuery)], path: "params.query", saying: "maximum of 1048576")
    }
}

/// The daemon's fixed per-request text bound (`HandlerLimits.maxTextBytes`), restated: the
/// bound is part of the protocol (Docs/protocol.md), so a change to it should fail here.
private enum HandlerLimitsMirror {
    static let queryTextBytes = 1 << 20
}
