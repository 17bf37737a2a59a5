/// The JSON-RPC 2.0 specification's own examples (section 7), run through the message layer
/// with a tiny dispatcher implementing the spec's example methods (`subtract`, `sum`,
/// `get_data`, notifications). Replies are compared with the spec's by id, result and error
/// code (our error messages are more specific than the spec's generic phrases).
import XCTest

@testable import HypencoderRPC

final class RPCSpecExampleTests: XCTestCase {
    /// The spec's example methods.
    private func dispatch(_ request: RPCRequest) -> Result<JSONValue, RPCError> {
        let numbers = request.params?.arrayValue?.compactMap(\.int64Value) ?? []
        switch request.method {
        case "subtract":
            if let named = request.params?.objectValue,
                let minuend = named["minuend"]?.int64Value,
                let subtrahend = named["subtrahend"]?.int64Value
            {
                return .success(.integer(minuend - subtrahend))
            }
            guard numbers.count == 2 else { return .failure(.invalidParams(path: "params", "two numbers")) }
            return .success(.integer(numbers[0] - numbers[1]))
        case "sum":
            return .success(.integer(numbers.reduce(0, +)))
        case "get_data":
            return .success(["hello", 5])
        case "update", "notify_hello", "notify_sum":
            return .success(.null)
        default:
            return .failure(.methodNotFound(request.method))
        }
    }

    /// Parses a body, runs every request, and returns the parsed reply (nil when none is sent).
    private func serve(_ body: String) throws -> JSONValue? {
        let inbound = RPCInboundBody.parse(bytes(body))
        var responses: [RPCResponse] = []
        for item in inbound.items {
            switch item {
            case .invalid(let errorResponse):
                responses.append(errorResponse)
            case .message(.request(let request)):
                let outcome = dispatch(request)
                guard let id = request.id else { continue }  // notifications get nothing
                responses.append(RPCResponse(id: id, outcome: outcome))
            case .message(.response):
                XCTFail("a server does not expect responses here")
            }
        }
        return try RPCResponse.encodeReply(responses, isBatch: inbound.isBatch)
            .map { try JSONValue.parse($0) }
    }

    /// Compares a reply with the spec's: same ids, results and error codes, in order.
    private func assertReply(
        _ actual: JSONValue?, matches expected: String?,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        guard let expected else {
            return XCTAssertNil(actual, "no reply expected", file: file, line: line)
        }
        let want = json(expected)
        guard let actual else { return XCTFail("no reply", file: file, line: line) }
        func normalized(_ reply: JSONValue) -> JSONValue {
            guard case .object(var object) = reply else { return .array((reply.arrayValue ?? []).map(normalized)) }
            if let code = object["error"]?["code"] { object["error"] = ["code": code] }
            return .object(object)
        }
        XCTAssertEqual(normalized(actual), normalized(want), file: file, line: line)
    }

    func testPositionalAndNamedParameters() throws {
        assertReply(
            try serve(#"{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}"#),
            matches: #"{"jsonrpc": "2.0", "result": 19, "id": 1}"#)
        assertReply(
            try serve(#"{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}"#),
            matches: #"{"jsonrpc": "2.0", "result": -19, "id": 2}"#)
        assertReply(
            try serve(#"{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}"#),
            matches: #"{"jsonrpc": "2.0", "result": 19, "id": 3}"#)
        assertReply(
            try serve(#"{"jsonrpc": "2.0", "method": "subtract", "params": {"minuend": 42, "subtrahend": 23}, "id": 4}"#),
            matches: #"{"jsonrpc": "2.0", "result": 19, "id": 4}"#)
    }

    func testNotificationsGetNoReply() throws {
        assertReply(try serve(#"{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}"#), matches: nil)
        assertReply(try serve(#"{"jsonrpc": "2.0", "method": "foobar"}"#), matches: nil)
    }

    func testNonExistentMethod() throws {
        assertReply(
            try serve(#"{"jsonrpc": "2.0", "method": "foobar", "id": "1"}"#),
            matches: #"{"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "1"}"#)
    }

    func testInvalidJSON() throws {
        assertReply(
            try serve(#"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#),
            matches: #"{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}"#)
    }

    func testInvalidRequestObject() throws {
        assertReply(
            try serve(#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#),
            matches: #"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}"#)
    }

    func testBatchWithInvalidJSON() throws {
        let body = """
            [
              {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
              {"jsonrpc": "2.0", "method"
            ]
            """
        assertReply(
            try serve(body),
            matches: #"{"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null}"#)
    }

    func testEmptyBatch() throws {
        assertReply(
            try serve("[]"),
            matches: #"{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}"#)
    }

    func testInvalidBatchElements() throws {
        assertReply(
            try serve("[1]"),
            matches: #"[{"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}]"#)
        assertReply(
            try serve("[1,2,3]"),
            matches: """
                [
                  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
                  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
                  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null}
                ]
                """)
    }

    func testMixedBatch() throws {
        let body = """
            [
              {"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"},
              {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
              {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"},
              {"foo": "boo"},
              {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
              {"jsonrpc": "2.0", "method": "get_data", "id": "9"}
            ]
            """
        assertReply(
            try serve(body),
            matches: """
                [
                  {"jsonrpc": "2.0", "result": 7, "id": "1"},
                  {"jsonrpc": "2.0", "result": 19, "id": "2"},
                  {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null},
                  {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": "5"},
                  {"jsonrpc": "2.0", "result": ["hello", 5], "id": "9"}
                ]
                """)
    }

    func testBatchOfOnlyNotificationsGetsNoReply() throws {
        let body = """
            [
              {"jsonrpc": "2.0", "method": "notify_sum", "params": [1,2,4]},
              {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]}
            ]
            """
        assertReply(try serve(body), matches: nil)
    }
}
