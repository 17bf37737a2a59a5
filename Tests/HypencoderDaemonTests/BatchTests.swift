import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// JSON-RPC 2.0 batches, notifications and id echo, through the real daemon.
final class BatchTests: XCTestCase {
    var daemon: DaemonProcess!

    override func setUpWithError() throws { daemon = try DaemonProcess(["--debug-methods"]) }
    override func tearDown() { daemon = nil }

    func testBatchRepliesOnceWithEveryRequestAndNoNotification() throws {
        let client = try daemon.connect()
        try client.sendRaw(
            """
            [{"jsonrpc":"2.0","id":"slow","method":"debug/sleep","params":{"milliseconds":50}},\
            {"jsonrpc":"2.0","method":"debug/sleep","params":{"milliseconds":0}},\
            {"jsonrpc":"2.0","id":2,"method":"no/such"},\
            {"jsonrpc":"2.0","id":3,"method":"server/status"},\
            {"jsonrpc":"2.0","id":4},\
            5]\n
            """)
        guard let reply = try client.readMessage(), case .array(let items) = reply else {
            return XCTFail("expected one array reply")
        }
        XCTAssertEqual(items.count, 5, "4 requests/invalid members + 1 non-object; the notification gets none: \(reply)")
        func item(_ id: JSONValue) -> JSONValue? { items.first { $0["id"] == id } }
        XCTAssertEqual(item("slow")?["result"]?["slept"], 50, "the worker's result joined the batch reply")
        XCTAssertEqual(item(2)?.errorCode, RPCError.Code.methodNotFound)
        XCTAssertNotNil(item(3)?["result"]?["version"])
        XCTAssertEqual(item(4)?.errorCode, RPCError.Code.invalidRequest)
        XCTAssertEqual(items.filter { $0["id"] == .null }.first?.errorCode, RPCError.Code.invalidRequest)
    }

    func testBatchOfNotificationsGetsNoReply() throws {
        let client = try daemon.connect()
        try client.sendRaw(
            #"[{"jsonrpc":"2.0","method":"debug/sleep","params":{"milliseconds":0}},{"jsonrpc":"2.0","method":"no/such"}]"# + "\n"
        )
        try client.sendRaw(#"{"jsonrpc":"2.0","method":"server/status"}"# + "\n")
        // The first thing to arrive is the reply to the next request: nothing came before it.
        let reply = try client.call("debug/sleep", ["milliseconds": 0])
        XCTAssertEqual(reply["result"]?["slept"], 0)
    }

    func testIdsAreEchoedExactly() throws {
        let client = try daemon.connect()
        let ids: [JSONValue] = ["abc", "", 0, -7, 9_007_199_254_740_993, 1.5, .null]
        for id in ids {
            try client.send(client.requestMessage("debug/sleep", ["milliseconds": 0], id: id))
            let reply = try client.readMessage()
            XCTAssertEqual(reply?["id"], id)
            XCTAssertEqual(reply?["result"]?["slept"], 0)
        }
    }
}
