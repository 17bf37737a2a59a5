import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// A client that sends without reading must not make the daemon buffer without bound: the
/// daemon stops reading from it, the client's own writes then block, other clients are
/// served, and once the client reads, every request is answered.
final class BackpressureTests: XCTestCase {
    func testClientThatNeverReadsIsPausedNotBuffered() throws {
        let daemon = try DaemonProcess(["--max-unsent-bytes", "65536"])
        let watcher = try daemon.connect()
        let baseline = try watcher.result("server/status")["memory"]?["residentBytes"]?.int64Value ?? 0

        let greedy = try daemon.connect()
        let flags = fcntl(greedy.fd, F_GETFL)
        _ = fcntl(greedy.fd, F_SETFL, flags | O_NONBLOCK)
        // Each ~60-byte request asks for a ~1 KB reply. Write until the socket refuses more
        // (the daemon stopped reading); the cap only guards against a daemon that never does.
        let request = Array(#"{"jsonrpc":"2.0","id":1,"method":"server/status"}"#.utf8) + [0x0A]
        let chunk = Array([[UInt8]](repeating: request, count: 100).joined())
        var sentRequests = 0
        let cap = 64 << 20
        var stalled = 0
        while sentRequests * request.count < cap {
            let n = chunk.withUnsafeBytes { Foundation.send(greedy.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n == chunk.count {
                sentRequests += 100
                stalled = 0
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                // The kernel buffers are full; give the daemon a moment in case it is still reading.
                stalled += 1
                if stalled > 50 { break }
                usleep(2000)
            } else if n > 0 {
                // Partial write: finish this chunk blocking-free by retrying the rest.
                var offset = n
                while offset < chunk.count {
                    let m = chunk[offset...].withUnsafeBytes {
                        Foundation.send(greedy.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                    }
                    if m > 0 { offset += m } else { usleep(2000) }
                }
                sentRequests += 100
            } else {
                return XCTFail("send failed: \(String(cString: strerror(errno)))")
            }
        }
        XCTAssertLessThan(sentRequests * request.count, cap, "the daemon kept reading from a client that never reads")

        // The client's writes stalled, so the daemon has stopped reading it: it is paused (or,
        // on a slow machine, about to be, once the replies to what it read pile up).
        var status: JSONValue = .null
        try waitUntil("the greedy client is paused") {
            status = try watcher.result("server/status")
            return status["connections"]?["pausedForBackpressure"] == 1
        }
        let unsent = status["connections"]?["unsentReplyBytes"]?.int64Value ?? Int64.max
        XCTAssertLessThan(unsent, 4 << 20, "unsent replies stay near the configured bound")
        let resident = status["memory"]?["residentBytes"]?.int64Value ?? Int64.max
        XCTAssertLessThan(resident - baseline, 64 << 20, "daemon memory grew by \(resident - baseline) bytes")

        // Now read: every request gets its reply, and the connection resumes.
        _ = fcntl(greedy.fd, F_SETFL, flags)
        var replies = 0
        while replies < sentRequests {
            guard let message = try greedy.readMessage() else { return XCTFail("closed after \(replies) replies") }
            XCTAssertEqual(message["id"], 1)
            replies += 1
        }
        XCTAssertEqual(try watcher.result("server/status")["connections"]?["pausedForBackpressure"], 0)
    }
}
