import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// Every configured limit is reported as a JSON-RPC error that names it (`data.limit`),
/// and the daemon keeps serving others afterwards.
final class LimitTests: XCTestCase {
    private func assertLimit(
        _ reply: JSONValue?, _ name: String, max: Int64,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(reply?.errorCode, RPCError.Code.limitExceeded, "\(String(describing: reply))", file: file, line: line)
        XCTAssertEqual(reply?["error"]?["data"]?["limit"]?.stringValue, name, file: file, line: line)
        XCTAssertEqual(reply?["error"]?["data"]?["max"]?.int64Value, max, file: file, line: line)
        XCTAssertTrue(reply?.errorMessage.contains(name) ?? false, "message names the limit", file: file, line: line)
    }

    func testMessageSizeLimitAnswersThenCloses() throws {
        let daemon = try DaemonProcess(["--debug-methods", "--max-message-bytes", "1024"])
        let client = try daemon.connect()
        let big =
            #"{"jsonrpc":"2.0","id":1,"method":"debug/sleep","params":{"pad":""# + String(repeating: "x", count: 2000) + "\"}}\n"
        try client.sendRaw(big)
        let messages = try client.readUntilClosed()
        XCTAssertEqual(messages.count, 1)
        assertLimit(messages.first, "message.bytes", max: 1024)
        XCTAssertEqual(messages.first?["id"], .null)
        XCTAssertEqual(try daemon.connect().result("debug/sleep", ["milliseconds": 0])["slept"], 0)
    }

    func testContentLengthOverLimitIsRefusedFromTheHeader() throws {
        let daemon = try DaemonProcess(["--max-message-bytes", "1024"])
        let client = try daemon.connect(framing: .contentLength)
        try client.sendRaw("Content-Length: 5000000\r\n\r\n{")  // never sends the body
        let messages = try client.readUntilClosed()
        assertLimit(messages.first, "message.bytes", max: 1024)
    }

    func testBatchLengthLimit() throws {
        let daemon = try DaemonProcess(["--debug-methods", "--max-batch", "3"])
        let client = try daemon.connect()
        let member = #"{"jsonrpc":"2.0","id":1,"method":"debug/sleep","params":{"milliseconds":0}}"#
        try client.sendRaw("[" + Array(repeating: member, count: 4).joined(separator: ",") + "]\n")
        assertLimit(try client.readMessage(), "batch.length", max: 3)
        try client.sendRaw("[" + Array(repeating: member, count: 3).joined(separator: ",") + "]\n")
        XCTAssertEqual(try client.readMessage()?.arrayValue?.count, 3)
    }

    func testInFlightLimitPerConnection() throws {
        let daemon = try DaemonProcess(["--debug-methods", "--max-in-flight", "1"])
        let client = try daemon.connect()
        try client.send(client.requestMessage("debug/sleep", ["milliseconds": 60_000], id: 1))
        try client.send(client.requestMessage("debug/sleep", ["milliseconds": 0], id: 2))
        assertLimit(try client.response(id: 2), "connection.inFlight", max: 1)
        // Another connection has its own allowance.
        XCTAssertEqual(try daemon.connect().result("debug/sleep", ["milliseconds": 0])["slept"], 0)
        try client.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": 1]])
        XCTAssertEqual(try client.response(id: 1).errorCode, RPCError.Code.requestCancelled)
    }

    func testConnectionLimitAnswersInTheClientsFraming() throws {
        let daemon = try DaemonProcess(["--max-connections", "1"])
        let first = try daemon.connect()
        _ = try first.result("server/status")
        let second = try daemon.connect(framing: .contentLength)
        try second.send(second.requestMessage("server/status", nil, id: 1))
        let messages = try second.readUntilClosed()
        XCTAssertEqual(messages.count, 1)
        assertLimit(messages.first, "server.connections", max: 1)
        XCTAssertNotNil(try first.result("server/status")["version"], "the admitted client is unaffected")
    }

    func testJSONDepthLimit() throws {
        let daemon = try DaemonProcess(["--max-json-depth", "8"])
        let client = try daemon.connect()
        let deep = String(repeating: "[", count: 20) + String(repeating: "]", count: 20)
        try client.sendRaw(#"{"jsonrpc":"2.0","id":1,"method":"server/status","params":"# + deep + "}\n")
        assertLimit(try client.readMessage(), "json.depth", max: 8)
        XCTAssertNotNil(try client.result("server/status")["version"])
    }
}
