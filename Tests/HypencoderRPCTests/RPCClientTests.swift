import Foundation
import XCTest

@testable import HypencoderRPC

/// The client side of the socket without a daemon: addresses and their 107-byte limit, the
/// default socket path, and `RPCClient` against a scripted peer that answers out of order,
/// interleaves notifications and speaks either framing.
final class RPCClientTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        // Short, under /tmp: socket paths must fit sockaddr_un.
        var template = Array("/tmp/hcr.XXXXXX".utf8CString)
        directory = try XCTUnwrap(mkdtemp(&template).map { String(cString: $0) })
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    // MARK: - UnixSocketAddress

    func testPathsUpTo107BytesAreAcceptedAndLongerOnesRefused() throws {
        XCTAssertEqual(UnixSocketAddress.maxPathBytes, 107)
        let fits = "/" + String(repeating: "s", count: 106)
        XCTAssertEqual(try UnixSocketAddress(path: fits).name, fits)
        XCTAssertThrowsError(try UnixSocketAddress(path: fits + "s")) { error in
            XCTAssertTrue("\(error)".contains("108 bytes") && "\(error)".contains("under 108"), "\(error)")
        }
        XCTAssertThrowsError(try UnixSocketAddress(path: ""))
        XCTAssertThrowsError(try UnixSocketAddress(path: "/tmp/a\u{0}b"))
    }

    func testDatagramsReachABoundPathAndAnAbstractName() throws {
        for address in [
            try UnixSocketAddress(path: directory + "/notify"),
            try UnixSocketAddress(abstractName: "hcr-test-\(getpid())-\(UUID().uuidString.prefix(8))"),
        ] {
            let receiver = try address.boundSocket(.datagram)
            defer { close(receiver) }
            let sender = try UnixSocketAddress.makeSocket(.datagram)
            defer { close(sender) }
            XCTAssertEqual(address.send(Array("READY=1".utf8), from: sender), 7, address.name)
            var buffer = [UInt8](repeating: 0, count: 64)
            let n = recv(receiver, &buffer, buffer.count, 0)
            XCTAssertEqual(String(decoding: buffer[..<max(0, n)], as: UTF8.self), "READY=1", address.name)
        }
    }

    func testConnectingWhereNobodyListensSaysWhy() throws {
        XCTAssertThrowsError(try RPCClient(path: directory + "/absent.sock")) { error in
            guard case RPCClientError.cannotConnect(let path, let reason)? = error as? RPCClientError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(path, directory + "/absent.sock")
            XCTAssertEqual(reason, String(cString: strerror(ENOENT)))
        }
        XCTAssertThrowsError(try RPCClient(path: directory + "/" + String(repeating: "x", count: 120))) { error in
            guard case RPCClientError.invalidPath? = error as? RPCClientError else { return XCTFail("\(error)") }
        }
    }

    // MARK: - SocketPath

    func testDefaultSocketPathFollowsTheDocumentedOrder() {
        XCTAssertEqual(SocketPath.default(environment: ["XDG_RUNTIME_DIR": "/run/user/1000"]), "/run/user/1000/hypencoder.sock")
        XCTAssertEqual(SocketPath.default(environment: ["XDG_RUNTIME_DIR": "/run/user/1000/"]), "/run/user/1000/hypencoder.sock")
        let fallback = getuid() == 0 ? "/run/hypencoder/hypencoder.sock" : "/tmp/hypencoder-\(getuid()).sock"
        XCTAssertEqual(SocketPath.default(environment: [:]), fallback)
        XCTAssertEqual(SocketPath.default(environment: ["XDG_RUNTIME_DIR": ""]), fallback)
        // The daemon never reads HYPENCODER_SOCKET; only clients do.
        XCTAssertEqual(SocketPath.default(environment: ["HYPENCODER_SOCKET": "/elsewhere.sock"]), fallback)
    }

    func testClientsTakeTheFlagThenTheVariableThenTheDefault() {
        let environment = ["HYPENCODER_SOCKET": "/env.sock", "XDG_RUNTIME_DIR": "/run/user/7"]
        XCTAssertEqual(SocketPath.resolve(flag: "/flag.sock", environment: environment), "/flag.sock")
        XCTAssertEqual(SocketPath.resolve(flag: nil, environment: environment), "/env.sock")
        XCTAssertEqual(
            SocketPath.resolve(flag: "", environment: ["XDG_RUNTIME_DIR": "/run/user/7"]), "/run/user/7/hypencoder.sock")
    }

    // MARK: - RPCClient against a scripted peer

    /// Accepts one connection on a thread, reads `requests` messages in `framing`, then
    /// writes `script(requests)` and closes.
    private func serve(
        framing: Framing, requests count: Int, _ script: @escaping @Sendable ([JSONValue]) -> [UInt8]
    ) throws -> (path: String, done: XCTestExpectation, seen: FramingSeen) {
        let path = directory + "/peer-\(UUID().uuidString.prefix(8)).sock"
        let listener = try UnixSocketAddress(path: path).boundSocket(.stream)
        XCTAssertEqual(listen(listener, 1), 0)
        let done = expectation(description: "peer finished")
        let seen = FramingSeen()
        Thread.detachNewThread {
            defer { close(listener) }
            let peer = accept(listener, nil, nil)
            guard peer >= 0 else { return }
            defer { close(peer) }
            var framer = MessageFramer()
            var requests: [JSONValue] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while requests.count < count {
                while let body = try? framer.nextMessage(), let message = try? JSONValue.parse(body) {
                    requests.append(message)
                }
                if requests.count >= count { break }
                let n = recv(peer, &buffer, buffer.count, 0)
                if n <= 0 { break }
                framer.append(buffer[..<n])
            }
            seen.set(framer.framing)
            let reply = script(requests)
            _ = reply.withUnsafeBytes { send(peer, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            done.fulfill()
        }
        return (path, done, seen)
    }

    private static func reply(_ request: JSONValue, _ result: JSONValue, framing: Framing) -> [UInt8] {
        framing.frame(JSONValue.object(["jsonrpc": "2.0", "id": request["id"] ?? .null, "result": result]).serialized())
    }

    func testPipelinedRepliesInAnyOrderReachTheirRequests() throws {
        for framing in [Framing.newlineDelimited, .contentLength] {
            let (path, done, seen) = try serve(framing: framing, requests: 3) { requests in
                // Completion order, not request order, with a progress notification between.
                let progress = framing.frame(
                    JSONValue.object(["jsonrpc": "2.0", "method": "$/progress", "params": ["token": 1]]).serialized())
                return Self.reply(requests[2], 2, framing: framing) + progress
                    + Self.reply(requests[0], 0, framing: framing) + Self.reply(requests[1], 1, framing: framing)
            }
            let client = try RPCClient(path: path, framing: framing)
            client.timeout = 30
            var results: [JSONValue] = []
            try client.pipeline("m", count: 3, window: 3, request: { .object(["n": .integer(Int64($0))]) }) { index, result in
                XCTAssertEqual(index, results.count)
                results.append(result)
            }
            XCTAssertEqual(results, [0, 1, 2], "\(framing)")
            XCTAssertEqual(client.notifications.first?["method"], "$/progress")
            wait(for: [done], timeout: 30)
            XCTAssertEqual(seen.framing, framing, "the client framed its requests as asked")
        }
    }

    func testAnErrorReplyThrowsTheDaemonsErrorAndAStrayReplyIsRefused() throws {
        let (path, done, _) = try serve(framing: .newlineDelimited, requests: 2) { requests in
            let error: JSONValue = [
                "jsonrpc": "2.0", "id": requests[0]["id"] ?? .null,
                "error": ["code": -32602, "message": "params.k: out of range", "data": ["limit": "k"]],
            ]
            return Framing.newlineDelimited.frame(error.serialized())
                + Framing.newlineDelimited.frame(#"{"jsonrpc":"2.0","id":99,"result":1}"#.utf8.map { $0 })
        }
        let client = try RPCClient(path: path)
        client.timeout = 30
        let first = try client.start("search", ["k": 0])
        let second = try client.start("search", ["k": 1])
        XCTAssertThrowsError(try client.finish("search", first)) { error in
            guard case RPCClientError.response(let method, let rpcError)? = error as? RPCClientError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(method, "search")
            XCTAssertEqual(rpcError.code, -32602)
            XCTAssertEqual("\(error)", #"search: params.k: out of range (code -32602) {"limit":"k"}"#)
        }
        XCTAssertThrowsError(try client.finish("search", second)) { error in
            guard case RPCClientError.malformed(let detail)? = error as? RPCClientError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("id 99"), detail)
        }
        wait(for: [done], timeout: 30)
        XCTAssertNil(try client.readMessage(), "the peer closed")
    }

    func testASilentPeerTimesOutInsteadOfHanging() throws {
        let path = directory + "/silent.sock"
        let listener = try UnixSocketAddress(path: path).boundSocket(.stream)
        defer { close(listener) }
        XCTAssertEqual(listen(listener, 1), 0)
        let client = try RPCClient(path: path)
        client.timeout = 0.2
        XCTAssertThrowsError(try client.result("server/status")) { error in
            guard case RPCClientError.timedOut? = error as? RPCClientError else { return XCTFail("\(error)") }
        }
    }
}

/// The framing the scripted peer detected, handed from its thread to the test's.
final class FramingSeen: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Framing?

    func set(_ framing: Framing?) {
        lock.lock()
        value = framing
        lock.unlock()
    }

    var framing: Framing? {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
