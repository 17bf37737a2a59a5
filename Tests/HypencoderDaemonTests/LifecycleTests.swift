import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// LSP lifecycle as adapted to a daemon: `initialize` optional but first, `shutdown` then
/// only `exit`, and the exit code says whether shutdown came first.
final class LifecycleTests: XCTestCase {
    func testInitializeShutdownExitExitsZeroAndRemovesSocket() throws {
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        let initialize = try client.result("initialize", ["processId": .null, "capabilities": [:]])
        XCTAssertEqual(initialize["serverInfo"]?["name"], "hypencoderd")
        XCTAssertNotNil(initialize["serverInfo"]?["version"]?.stringValue)
        let methods = initialize["capabilities"]?["methods"]?.arrayValue ?? []
        for method in ["search", "index/add", "encode/query", "server/status", "$/cancelRequest"] {
            XCTAssertTrue(methods.contains(.string(method)), "capabilities.methods lacks \(method)")
        }
        XCTAssertEqual(initialize["model"], .null, "no --model: model summary is null")

        XCTAssertEqual(try client.call("shutdown")["result"], .null)
        let after = try client.call("server/status")
        XCTAssertEqual(after.errorCode, RPCError.Code.invalidRequest)
        XCTAssertTrue(after.errorMessage.contains("shutting down"), after.errorMessage)
        // Another client is refused too: shutdown is server-wide.
        XCTAssertEqual(try daemon.connect().call("server/status").errorCode, RPCError.Code.invalidRequest)

        try client.send(["jsonrpc": "2.0", "method": "exit"])
        XCTAssertEqual(try daemon.waitForExit(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: daemon.socketPath), "socket left behind")
    }

    func testExitWithoutShutdownExitsOne() throws {
        let daemon = try DaemonProcess()
        let client = try daemon.connect()
        try client.send(["jsonrpc": "2.0", "method": "exit"])
        XCTAssertEqual(try daemon.waitForExit(), 1)
    }

    func testInitializeMustBeFirstAndOnlyOnce() throws {
        let daemon = try DaemonProcess()
        let late = try daemon.connect()
        _ = try late.result("server/status")
        XCTAssertEqual(try late.call("initialize", [:]).errorCode, RPCError.Code.invalidRequest)

        let twice = try daemon.connect()
        _ = try twice.result("initialize", [:])
        XCTAssertEqual(try twice.call("initialize", [:]).errorCode, RPCError.Code.invalidRequest)
    }

    func testStatusReportsCountsAndLatency() throws {
        let daemon = try DaemonProcess(["--debug-methods"])
        let client = try daemon.connect()
        for _ in 0..<5 { _ = try client.result("debug/sleep", ["milliseconds": 1]) }
        _ = try client.call("no/such")
        let status = try client.result("server/status")
        XCTAssertNotNil(status["uptimeSeconds"]?.doubleValue)
        XCTAssertEqual(status["connections"]?["open"], 1)
        XCTAssertEqual(status["work"]?["inFlight"], 0)
        let sleep = status["methods"]?["debug/sleep"]
        XCTAssertEqual(sleep?["succeeded"], 5)
        let p50 = sleep?["latency"]?["p50Ms"]?.doubleValue ?? 0
        let p99 = sleep?["latency"]?["p99Ms"]?.doubleValue ?? 0
        XCTAssertGreaterThanOrEqual(p50, 1, "each call slept at least 1 ms")
        XCTAssertGreaterThanOrEqual(p99, p50)
        XCTAssertEqual(status["methods"]?["(unknown)"]?["failed"], 1)
        XCTAssertGreaterThan(status["memory"]?["residentBytes"]?.int64Value ?? 0, 0)
    }

    func testSIGTERMDrainsInFlightWorkAndRemovesSocket() throws {
        let daemon = try DaemonProcess(["--debug-methods"])
        let client = try daemon.connect()
        try client.send(client.requestMessage("debug/sleep", ["milliseconds": 300], id: 1))
        // The request is in flight once status (answered after it was read) counts it.
        let watcher = try daemon.connect()
        try waitUntil("the request is in flight") { try watcher.result("server/status")["work"]?["inFlight"] == 1 }
        daemon.signal(SIGTERM)
        let reply = try client.response(id: 1)
        XCTAssertEqual(reply["result"]?["slept"], 300, "in-flight work finished and was answered")
        try daemon.waitForNotification("STOPPING=1")
        XCTAssertEqual(try daemon.waitForExit(), 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: daemon.socketPath))
    }
}
