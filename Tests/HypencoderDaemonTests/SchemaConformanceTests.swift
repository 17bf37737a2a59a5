import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// `Schemas/hypencoder.openrpc.json` is a contract: every method the daemon serves is in it,
/// and real params and results (from the running daemon) validate against it.
final class SchemaConformanceTests: XCTestCase {
    static let schemaPath = ModelAndIndexTests.repositoryRoot + "/Schemas/hypencoder.openrpc.json"

    private func loadSchema() throws -> (JSONValue, [String: JSONValue]) {
        let document = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: Self.schemaPath))))
        XCTAssertEqual(document["openrpc"]?.stringValue?.hasPrefix("1.2"), true)
        var methods: [String: JSONValue] = [:]
        for method in document["methods"]?.arrayValue ?? [] {
            if let name = method["name"]?.stringValue { methods[name] = method }
        }
        return (document, methods)
    }

    /// Calls `method` and checks the params sent and the result received against the schema.
    private func check(
        _ client: RPCClient, _ method: String, _ params: JSONValue? = nil,
        schema document: JSONValue, methods: [String: JSONValue],
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        guard let description = methods[method] else {
            return XCTFail("\(method) missing from the schema", file: file, line: line)
        }
        let validator = SchemaValidator(document: document)
        if let params {
            var properties = JSONObject()
            var required: [JSONValue] = []
            for param in description["params"]?.arrayValue ?? [] {
                guard let name = param["name"]?.stringValue else { continue }
                properties[name] = param["schema"] ?? [:]
                if param["required"] == true { required.append(.string(name)) }
            }
            let paramsSchema: JSONValue = [
                "type": "object", "properties": .object(properties),
                "required": .array(required), "additionalProperties": false,
            ]
            let problems = validator.validate(params, against: paramsSchema, path: "params")
            XCTAssertTrue(problems.isEmpty, "\(method) params: \(problems)", file: file, line: line)
        }
        let result = try client.result(method, params)
        let problems = validator.validate(result, against: description["result"]?["schema"] ?? [:], path: "result")
        XCTAssertTrue(problems.isEmpty, "\(method) result: \(problems)\n\(result)", file: file, line: line)
    }

    func testEveryServedMethodIsDescribed() throws {
        let (_, methods) = try loadSchema()
        let daemon = try DaemonProcess(["--debug-methods"])
        let served = try daemon.connect().result("initialize", [:])["capabilities"]?["methods"]?.arrayValue ?? []
        XCTAssertFalse(served.isEmpty)
        for name in served.compactMap(\.stringValue) {
            XCTAssertNotNil(methods[name], "\(name) is served but not in \(Self.schemaPath)")
        }
        XCTAssertEqual(Set(methods.keys), Set(served.compactMap(\.stringValue)), "schema lists methods the daemon does not serve")
    }

    func testLifecycleAndStatusResultsConform() throws {
        let (document, methods) = try loadSchema()
        let daemon = try DaemonProcess(["--debug-methods"])
        let client = try daemon.connect()
        try check(client, "initialize", ["processId": 1, "capabilities": [:]], schema: document, methods: methods)
        try check(client, "debug/sleep", ["milliseconds": 1, "workDoneToken": "t"], schema: document, methods: methods)
        let validator = SchemaValidator(document: document)
        for notification in client.notifications {
            let problems = validator.validate(
                notification["params"] ?? .null,
                against: ["$ref": "#/components/schemas/ProgressNotification"])
            XCTAssertTrue(problems.isEmpty, "$/progress: \(problems)")
        }
        try check(client, "server/status", nil, schema: document, methods: methods)
        try check(client, "$/cancelRequest", ["id": 99], schema: document, methods: methods)
        try check(client, "shutdown", nil, schema: document, methods: methods)
    }

    func testModelAndIndexResultsConform() throws {
        try ModelAndIndexTests.requireModel()
        let (document, methods) = try loadSchema()
        let daemon = try DaemonProcess([
            "--model", ModelAndIndexTests.modelDirectory,
            "--index", try temporaryDirectory() + "/index",
        ])
        let client = try daemon.connect()
        try check(client, "model/info", nil, schema: document, methods: methods)
        try check(client, "encode/query", ["text": "hello", "includeWeights": true], schema: document, methods: methods)
        try check(client, "encode/documents", ["texts": ["a", "b"], "encoding": "base64"], schema: document, methods: methods)
        try check(client, "encode/documents", ["texts": ["a"]], schema: document, methods: methods)
        try check(
            client, "index/add",
            [
                "documents": [
                    ["id": "a", "text": "first", "metadata": ["k": 1]],
                    ["id": "b", "text": "second"],
                ]
            ], schema: document, methods: methods)
        // A text longer than the model's window: the result lists it in `truncated`.
        try check(
            client, "index/add",
            ["documents": [["id": "long", "text": .string(String(repeating: "many words ", count: 2_000))]]],
            schema: document, methods: methods)
        try check(
            client, "search", ["query": "first", "k": 2, "include": ["text", "metadata"]], schema: document, methods: methods)
        try check(
            client, "score", ["query": "q", "documents": [["id": "a"], ["text": "t"], ["id": "zz"]]], schema: document,
            methods: methods)
        try check(
            client, "index/get", ["ids": ["a", "zz"], "include": ["text", "metadata", "vector"]], schema: document,
            methods: methods)
        try check(client, "index/stats", nil, schema: document, methods: methods)
        try check(client, "index/delete", ["ids": ["b"]], schema: document, methods: methods)
        try check(client, "index/checkpoint", nil, schema: document, methods: methods)
        try check(client, "index/compact", nil, schema: document, methods: methods)
        try check(client, "server/status", nil, schema: document, methods: methods)
        try check(try daemon.connect(), "initialize", nil, schema: document, methods: methods)
    }

    /// The validator itself must be able to fail, or the tests above prove nothing.
    func testValidatorRejectsNonConformingValues() throws {
        let (document, methods) = try loadSchema()
        let validator = SchemaValidator(document: document)
        let statsSchema = methods["index/stats"]?["result"]?["schema"] ?? [:]
        XCTAssertFalse(validator.validate(["documents": 1], against: statsSchema).isEmpty, "missing members")
        let vector: JSONValue = ["$ref": "#/components/schemas/Vector"]
        XCTAssertTrue(validator.validate([1, 2.5], against: vector).isEmpty)
        XCTAssertTrue(validator.validate("AACAPw==", against: vector).isEmpty)
        XCTAssertFalse(validator.validate(["x"], against: vector).isEmpty)
        let scoreSchema = methods["score"]?["result"]?["schema"] ?? [:]
        XCTAssertFalse(validator.validate(["scores": ["high"]], against: scoreSchema).isEmpty)
        XCTAssertFalse(validator.validate(["scores": [], "extra": 1], against: scoreSchema).isEmpty)
        let addSchema = methods["index/add"]?["result"]?["schema"] ?? [:]
        XCTAssertTrue(
            validator.validate(["added": 1, "updated": 0, "truncated": ["a"], "documentMaxTokens": 128], against: addSchema)
                .isEmpty)
        XCTAssertFalse(validator.validate(["added": 1, "updated": 0, "truncated": []], against: addSchema).isEmpty)
        let queryText: JSONValue = ["$ref": "#/components/schemas/QueryText"]
        XCTAssertFalse(validator.validate("", against: queryText).isEmpty, "empty texts are outside the schema")
    }
}
