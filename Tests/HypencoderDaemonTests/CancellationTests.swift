import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// `$/cancelRequest`, progress, and what a vanished client's work becomes. `debug/sleep`
/// only ends when its time is up or it is cancelled, which makes these deterministic.
final class CancellationTests: XCTestCase {
    func testQueuedRequestIsDroppedAndRunningOneStopsEarly() throws {
        let daemon = try DaemonProcess(["--debug-methods", "--workers", "1"])
        let client = try daemon.connect()
        try client.send(client.requestMessage("debug/sleep", ["milliseconds": 60_000], id: "running"))
        try client.send(client.requestMessage("debug/sleep", ["milliseconds": 1], id: "queued"))
        let watcher = try daemon.connect()
        try waitUntil("one request is queued behind the running one") {
            try watcher.result("server/status")["work"]?["queued"] == 1
        }

        try client.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "queued"]])
        let queued = try client.response(id: "queued")
        XCTAssertEqual(queued.errorCode, RPCError.Code.requestCancelled)

        try client.send(["jsonrpc": "2.0", "method": "$/cancelRequest", "params": ["id": "running"]])
        let running = try client.response(id: "running")
        XCTAssertEqual(running.errorCode, RPCError.Code.requestCancelled, "stopped early, still answered")
        XCTAssertEqual(try client.result("debug/sleep", ["milliseconds": 0])["slept"], 0)
    }

    func testCancellingAnUnknownIdIsHarmless() throws {
        let daemon = try DaemonProcess(["--debug-methods"])
        let client = try daemon.connect()
        XCTAssertEqual(try client.call("$/cancelRequest", ["id": 12345])["result"], .null)
        XCTAssertEqual(try client.result("debug/sleep", ["milliseconds": 0])["slept"], 0)
    }

    func testDisconnectCancelsQueuedAndRunningWork() throws {
        let daemon = try DaemonProcess(["--debug-methods", "--workers", "1"])
        let watcher = try daemon.connect()
        do {
            let client = try daemon.connect()
            for id in 1...3 {
                try client.send(client.requestMessage("debug/sleep", ["milliseconds": 60_000], id: .integer(Int64(id))))
            }
            try waitUntil("two requests are queued") { try watcher.result("server/status")["work"]?["queued"] == 2 }
        }  // the client closes its socket here
        // Without cancellation this would take three minutes; the loop ends when all is dropped.
        try waitUntil("the vanished client's work is dropped") {
            let work = try watcher.result("server/status")["work"]
            return work?["inFlight"] == 0 && work?["queued"] == 0 && work?["running"] == 0
        }
        XCTAssertEqual(try watcher.result("server/status")["connections"]?["open"], 1)
    }

    func testProgressNotificationsForWorkDoneToken() throws {
        let daemon = try DaemonProcess(["--debug-methods"])
        let client = try daemon.connect()
        let result = try client.result("debug/sleep", ["milliseconds": 30, "workDoneToken": "tok-1"])
        XCTAssertEqual(result["slept"], 30)
        let progress = client.notifications.filter { $0["method"] == "$/progress" }
        XCTAssertEqual(progress.first?["params"]?["token"], "tok-1")
        XCTAssertEqual(progress.first?["params"]?["value"]?["kind"], "begin")
        XCTAssertEqual(progress.last?["params"]?["value"]?["kind"], "end")
        for message in progress.dropFirst().dropLast() {
            XCTAssertEqual(message["params"]?["value"]?["kind"], "report")
            let percentage = message["params"]?["value"]?["percentage"]?.int64Value ?? -1
            XCTAssertTrue((0...100).contains(percentage))
        }
    }
}
