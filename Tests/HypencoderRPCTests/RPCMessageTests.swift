/// Message validation beyond the spec's examples: exact id echo, request vs notification,
/// each validation rule with its message, batch limits, responses read on the client side,
/// and the wire shape of errors.
import XCTest

@testable import HypencoderRPC

final class RPCMessageTests: XCTestCase {
    private func single(
        _ body: String, options: RPCParseOptions = RPCParseOptions(),
        file: StaticString = #filePath, line: UInt = #line
    ) -> RPCInboundItem? {
        guard case .single(let item) = RPCInboundBody.parse(bytes(body), options: options) else {
            XCTFail("expected a single item", file: file, line: line)
            return nil
        }
        return item
    }

    private func request(_ body: String, file: StaticString = #filePath, line: UInt = #line) -> RPCRequest? {
        guard case .message(.request(let request))? = single(body, file: file, line: line) else {
            XCTFail("expected a valid request", file: file, line: line)
            return nil
        }
        return request
    }

    /// The error response for an invalid body.
    private func rejection(
        _ body: String, options: RPCParseOptions = RPCParseOptions(),
        file: StaticString = #filePath, line: UInt = #line
    ) -> RPCResponse? {
        guard case .invalid(let response)? = single(body, options: options, file: file, line: line) else {
            XCTFail("expected an error reply", file: file, line: line)
            return nil
        }
        return response
    }

    func testIdsAreEchoedExactly() throws {
        let ids = [
            "9007199254740993", "9223372036854775807", "-9223372036854775808", "0",
            "1.5", "0.1", "-2.5e-8", "1.0", "\"abc\"", "\"\"", "\"é😀\"", "null",
        ]
        for id in ids {
            guard let req = request(#"{"jsonrpc":"2.0","method":"m","id":\#(id)}"#),
                let replyID = req.id
            else {
                XCTFail(id)
                continue
            }
            let reply = RPCResponse(id: replyID, result: true).json.serialized()
            let echoed = try JSONValue.parse(reply)["id"]
            XCTAssertEqual(echoed, try JSONValue.parse(id), id)
            if !id.contains("e") {
                XCTAssertTrue(text(reply).hasSuffix("\"id\":\(id)}"), "\(id) → \(text(reply))")
            }
        }
    }

    func testNullIdIsARequestAndAbsentIdIsANotification() {
        XCTAssertEqual(request(#"{"jsonrpc":"2.0","method":"m","id":null}"#)?.id, .null)
        XCTAssertEqual(request(#"{"jsonrpc":"2.0","method":"m","id":null}"#)?.isNotification, false)
        XCTAssertEqual(request(#"{"jsonrpc":"2.0","method":"m"}"#)?.isNotification, true)
    }

    func testParamsAndUnknownMembers() {
        XCTAssertEqual(request(#"{"jsonrpc":"2.0","method":"m","params":[1],"id":1}"#)?.params, [1])
        XCTAssertEqual(request(#"{"jsonrpc":"2.0","method":"m","params":{"a":1},"id":1}"#)?.params, ["a": 1])
        XCTAssertNil(request(#"{"jsonrpc":"2.0","method":"m","id":1}"#)?.params)
        XCTAssertNotNil(request(#"{"jsonrpc":"2.0","method":"m","id":1,"extra":true}"#), "ignored")
    }

    func testEachValidationRuleIsReportedWithTheRightIdAndMessage() {
        let cases: [(body: String, id: RPCID, message: String)] = [
            (#"{"method":"m","id":1}"#, .integer(1), "missing \"jsonrpc\""),
            (#"{"jsonrpc":"1.0","method":"m","id":1}"#, .integer(1), "must be \"2.0\", got \"1.0\""),
            (#"{"jsonrpc":2.0,"method":"m","id":1}"#, .integer(1), "must be \"2.0\", got 2.0"),
            (#"{"jsonrpc":"2.0","method":7,"id":"a"}"#, .string("a"), "\"method\" must be a string"),
            (#"{"jsonrpc":"2.0","method":"m","params":"x","id":2}"#, .integer(2), "\"params\" must be an object or an array"),
            (#"{"jsonrpc":"2.0","method":"m","params":null,"id":2}"#, .integer(2), "got null"),
            (#"{"jsonrpc":"2.0","method":"m","id":true}"#, .null, "\"id\" must be a string, a number or null, got a boolean"),
            (#"{"jsonrpc":"2.0","method":"m","id":{"x":1}}"#, .null, "got an object"),
            (#"{"jsonrpc":"2.0","id":3}"#, .integer(3), "missing \"method\""),
            (#""just a string""#, .null, "expected an object, got a string"),
        ]
        for (body, id, message) in cases {
            guard let response = rejection(body) else { continue }
            XCTAssertEqual(response.id, id, body)
            guard case .failure(let error) = response.outcome else {
                XCTFail(body)
                continue
            }
            XCTAssertEqual(error.code, RPCError.Code.invalidRequest, body)
            XCTAssertTrue(error.message.contains(message), "\(body): \(error.message)")
        }
    }

    func testBatchLengthLimit() {
        let element = #"{"jsonrpc":"2.0","method":"m"}"#
        let options = RPCParseOptions(maxBatchLength: 3)
        let ok = RPCInboundBody.parse(
            bytes("[" + Array(repeating: element, count: 3).joined(separator: ",") + "]"),
            options: options)
        XCTAssertEqual(ok.items.count, 3)
        let tooMany = rejection(
            "[" + Array(repeating: element, count: 4).joined(separator: ",") + "]",
            options: options)
        guard case .failure(let error)? = tooMany?.outcome else { return XCTFail("expected an error") }
        XCTAssertEqual(error.code, RPCError.Code.limitExceeded)
        XCTAssertEqual(error.data, ["limit": "batch.length", "max": 3, "actual": 4])
    }

    func testNestedBatchIsAnInvalidElement() {
        let body = RPCInboundBody.parse(bytes(#"[[{"jsonrpc":"2.0","method":"m","id":1}]]"#))
        guard case .batch(let items) = body, items.count == 1, case .invalid = items[0] else {
            return XCTFail("\(body)")
        }
    }

    func testTooDeepBodyIsALimitError() {
        let deep = "[" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "]"
        guard case .failure(let error)? = rejection(deep)?.outcome else { return XCTFail() }
        XCTAssertEqual(error.code, RPCError.Code.limitExceeded)
        XCTAssertEqual(error.data?["limit"], "json.depth")
    }

    func testResponsesAreReadOnTheClientSide() {
        guard case .message(.response(let ok))? = single(#"{"jsonrpc":"2.0","result":{"n":1},"id":5}"#) else {
            return XCTFail()
        }
        XCTAssertEqual(ok, RPCResponse(id: .integer(5), result: ["n": 1]))

        let errorBody = #"{"jsonrpc":"2.0","error":{"code":-32010,"message":"too big","data":{"limit":"x"}},"id":"a"}"#
        guard case .message(.response(let failed))? = single(errorBody) else { return XCTFail() }
        XCTAssertEqual(failed.outcome, .failure(RPCError(code: -32010, message: "too big", data: ["limit": "x"])))

        XCTAssertNotNil(rejection(#"{"jsonrpc":"2.0","result":1,"error":{"code":1,"message":"m"},"id":1}"#))
        XCTAssertNotNil(rejection(#"{"jsonrpc":"2.0","error":{"code":"x","message":"m"},"id":1}"#))
        XCTAssertNotNil(rejection(#"{"jsonrpc":"2.0","result":1}"#), "a response needs an id")
    }

    func testRequestAndResponseWireShapes() throws {
        let req = RPCRequest(id: .integer(1), method: "search", params: ["k": 10])
        XCTAssertEqual(req.json.serializedString(), #"{"jsonrpc":"2.0","method":"search","params":{"k":10},"id":1}"#)
        XCTAssertEqual(RPCRequest(id: nil, method: "exit").json.serializedString(), #"{"jsonrpc":"2.0","method":"exit"}"#)

        let error = RPCError.limitExceeded(LimitViolation(name: .messageBytes, max: 16, actual: 17))
        XCTAssertEqual(
            RPCResponse(id: .null, error: error).json,
            try JSONValue.parse(
                #"{"jsonrpc":"2.0","error":{"code":-32010,"message":"\#(error.message)","data":{"limit":"message.bytes","max":16,"actual":17}},"id":null}"#
            ))
        // Reading back what we write gives the same message.
        let written = RPCResponse(id: .string("x"), error: .methodNotFound("nope")).json.serialized()
        XCTAssertEqual(
            RPCInboundBody.parse(written),
            .single(.message(.response(RPCResponse(id: .string("x"), error: .methodNotFound("nope"))))))
    }

    func testStandardErrorCodes() {
        XCTAssertEqual(RPCError.parseError().code, -32700)
        XCTAssertEqual(RPCError.invalidRequest().code, -32600)
        XCTAssertEqual(RPCError.methodNotFound("m").code, -32601)
        XCTAssertEqual(RPCError.invalidParams(path: "params", "bad").code, -32602)
        XCTAssertEqual(RPCError.internalError().code, -32603)
        XCTAssertEqual(RPCError.requestCancelled().code, -32800)
        XCTAssertEqual(RPCError.serverNotInitialized().code, -32002)
        XCTAssertTrue((-32099 ... -32000).contains(RPCError.Code.limitExceeded))
    }

    func testReplyEncodingRules() {
        let response = RPCResponse(id: .integer(1), result: 1)
        XCTAssertNil(RPCResponse.encodeReply([], isBatch: true), "nothing for an all-notification batch")
        XCTAssertNil(RPCResponse.encodeReply([], isBatch: false), "nothing for a notification")
        XCTAssertEqual(RPCResponse.encodeReply([response], isBatch: false).map(text), #"{"jsonrpc":"2.0","result":1,"id":1}"#)
        XCTAssertEqual(RPCResponse.encodeReply([response], isBatch: true).map(text), #"[{"jsonrpc":"2.0","result":1,"id":1}]"#)
    }
}
