import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// Both framings, fed the way real clients and hostile ones feed them: one byte at a time,
/// and many messages in one large write. Replies must come back in the client's framing.
final class FramingTests: XCTestCase {
    var daemon: DaemonProcess!

    override func setUpWithError() throws { daemon = try DaemonProcess(["--debug-methods"]) }
    override func tearDown() { daemon = nil }

    func testNewlineDelimitedOneByteAtATime() throws {
        try assertByteAtATime(.newlineDelimited)
    }

    func testContentLengthOneByteAtATime() throws {
        try assertByteAtATime(.contentLength)
    }

    private func assertByteAtATime(_ framing: Framing) throws {
        let client = try daemon.connect(framing: framing)
        let body = client.requestMessage("debug/sleep", ["milliseconds": 0], id: "é-1").serialized()
        for byte in client.framed(body) { try client.sendRaw([byte]) }
        let reply = try client.response(id: "é-1")
        XCTAssertEqual(reply["result"]?["slept"], 0)
        // The reply came back in the request's framing: the framer detected it from byte one.
        XCTAssertEqual(try client.result("server/status")["version"]?.stringValue?.isEmpty, false)
    }

    func testPipelinedChunkNewlineDelimited() throws { try assertPipelined(.newlineDelimited) }
    func testPipelinedChunkContentLength() throws { try assertPipelined(.contentLength) }

    /// 300 requests in one write, alternating loop-thread and worker methods; every id is
    /// answered exactly once.
    private func assertPipelined(_ framing: Framing) throws {
        let client = try daemon.connect(framing: framing)
        var bytes: [UInt8] = []
        let count = 300
        for i in 0..<count {
            let method = i % 2 == 0 ? "debug/sleep" : "no/such/method"
            bytes += client.framed(client.requestMessage(method, ["milliseconds": 0], id: .integer(Int64(i))).serialized())
        }
        try client.sendRaw(bytes)
        var seen = Set<Int64>()
        while seen.count < count {
            guard let message = try client.readMessage() else { return XCTFail("closed after \(seen.count) replies") }
            guard let id = message["id"]?.int64Value else { return XCTFail("reply without id: \(message)") }
            XCTAssertTrue(seen.insert(id).inserted, "id \(id) answered twice")
            if id % 2 == 0 {
                XCTAssertEqual(message["result"]?["slept"], 0)
            } else {
                XCTAssertEqual(message.errorCode, RPCError.Code.methodNotFound)
            }
        }
    }

    func testContentLengthRepliesAreFramedWithContentLength() throws {
        let client = try daemon.connect(framing: .contentLength)
        try client.sendRaw(client.framed(client.requestMessage("server/status", nil, id: 1).serialized()))
        var raw = [UInt8](repeating: 0, count: 16)
        var probe = pollfd(fd: client.fd, events: Int16(POLLIN), revents: 0)
        XCTAssertGreaterThan(poll(&probe, 1, Int32(DaemonProcess.timeout * 1000)), 0)
        let n = recv(client.fd, &raw, raw.count, Int32(MSG_PEEK))
        XCTAssertEqual(String(decoding: raw[..<max(0, n)], as: UTF8.self).hasPrefix("Content-Length: "), true)
    }
}
