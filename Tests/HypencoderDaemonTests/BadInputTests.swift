import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// A first slice of the bad-input catalogue: each input gets its proper error (or a clean
/// close), and the daemon answers the next request.
final class BadInputTests: XCTestCase {
    var daemon: DaemonProcess!

    override func setUpWithError() throws { daemon = try DaemonProcess(["--debug-methods"]) }
    override func tearDown() { daemon = nil }

    private func assertStillServing(file: StaticString = #filePath, line: UInt = #line) throws {
        let status = try daemon.connect().result("server/status")
        XCTAssertNotNil(status["version"], file: file, line: line)
    }

    /// Sends one NDJSON line and returns the single reply; the connection stays usable.
    private func reply(to line: [UInt8]) throws -> JSONValue? {
        let client = try daemon.connect()
        try client.sendRaw(line + [0x0A])
        let reply = try client.readMessage()
        XCTAssertNotNil(try client.result("server/status")["version"], "same connection still served")
        return reply
    }

    func testMalformedJSON() throws {
        let reply = try reply(to: Array(#"{"jsonrpc":"2.0","id":1,"method":"server/status""#.utf8))
        XCTAssertEqual(reply?.errorCode, RPCError.Code.parseError)
        XCTAssertEqual(reply?["id"], .null)
    }

    func testInvalidUTF8() throws {
        let reply = try reply(to: Array(#"{"jsonrpc":"2.0","id":1,"method":"a"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8))
        XCTAssertEqual(reply?.errorCode, RPCError.Code.parseError)
    }

    func testWrongTypes() throws {
        let method = try reply(to: Array(#"{"jsonrpc":"2.0","id":1,"method":5}"#.utf8))
        XCTAssertEqual(method?.errorCode, RPCError.Code.invalidRequest)
        XCTAssertEqual(method?["id"], 1)
        let params = try reply(
            to: Array(#"{"jsonrpc":"2.0","id":2,"method":"debug/sleep","params":{"milliseconds":"soon"}}"#.utf8))
        XCTAssertEqual(params?.errorCode, RPCError.Code.invalidParams)
        XCTAssertTrue(params?.errorMessage.contains("params.milliseconds") ?? false, params?.errorMessage ?? "")
        let unknownField = try reply(
            to: Array(#"{"jsonrpc":"2.0","id":3,"method":"debug/sleep","params":{"milliseconds":0,"sleepy":1}}"#.utf8))
        XCTAssertTrue(unknownField?.errorMessage.contains("params.sleepy") ?? false, unknownField?.errorMessage ?? "")
        let version = try reply(to: Array(#"{"jsonrpc":"1.0","id":4,"method":"server/status"}"#.utf8))
        XCTAssertEqual(version?.errorCode, RPCError.Code.invalidRequest)
    }

    func testUnknownMethod() throws {
        let reply = try reply(to: Array(#"{"jsonrpc":"2.0","id":"x","method":"index/explode"}"#.utf8))
        XCTAssertEqual(reply?.errorCode, RPCError.Code.methodNotFound)
        XCTAssertEqual(reply?["id"], "x")
    }

    func testEmptyBatch() throws {
        let reply = try reply(to: Array("[]".utf8))
        XCTAssertEqual(reply?.errorCode, RPCError.Code.invalidRequest)
        XCTAssertEqual(reply?["id"], .null)
    }

    func testUnrecognisedFramingGetsOneErrorThenClose() throws {
        let client = try daemon.connect()
        try client.sendRaw("hello daemon\n")
        let messages = try client.readUntilClosed()
        XCTAssertEqual(messages.count, 1)
        XCTAssertEqual(messages.first?.errorCode, RPCError.Code.parseError)
        try assertStillServing()
    }

    func testContentLengthShorterThanTheBody() throws {
        let client = try daemon.connect(framing: .contentLength)
        let body = #"{"jsonrpc":"2.0","id":1,"method":"server/status"}"#
        try client.sendRaw("Content-Length: 10\r\n\r\n" + body)
        try client.sendRaw(client.framed(Array(body.utf8)))
        // The first 10 bytes are not JSON; what follows is not a header: a parse error, then
        // a framing error, and the connection closes (the stream cannot be resynchronised).
        let messages = try client.readUntilClosed()
        XCTAssertFalse(messages.isEmpty)
        XCTAssertTrue(messages.allSatisfy { $0.errorCode == RPCError.Code.parseError }, "\(messages)")
        try assertStillServing()
    }

    func testContentLengthLongerThanTheBody() throws {
        let client = try daemon.connect(framing: .contentLength)
        let body = #"{"jsonrpc":"2.0","id":1,"method":"server/status"}"#
        try client.sendRaw("Content-Length: \(body.utf8.count + 30)\r\n\r\n" + body)
        try client.sendRaw(client.framed(Array(body.utf8)))  // swallowed into the first body
        let reply = try client.readMessage()
        XCTAssertEqual(reply?.errorCode, RPCError.Code.parseError)
        try assertStillServing()
    }

    func testHalfAMessageThenVanishIsCleanedUp() throws {
        let watcher = try daemon.connect()
        do {
            let client = try daemon.connect()
            try client.sendRaw(#"{"jsonrpc":"2.0","id":1,"method":"ser"#)
            XCTAssertEqual(try watcher.result("server/status")["connections"]?["open"], 2)
        }  // closes mid-message
        try waitUntil("the vanished client is cleaned up") {
            try watcher.result("server/status")["connections"]?["open"] == 1
        }
        try assertStillServing()
    }

    func testHalfCloseStillGetsReplies() throws {
        let client = try daemon.connect()
        try client.send(client.requestMessage("debug/sleep", ["milliseconds": 20], id: 1))
        client.shutdownWrite()  // what `socat` does when its input ends
        let messages = try client.readUntilClosed()
        XCTAssertEqual(messages.first?["result"]?["slept"], 20)
    }
}
