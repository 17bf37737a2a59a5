import Foundation
import HypencoderRPC
import XCTest

enum ClientFraming { case newlineDelimited, contentLength }

/// A minimal JSON-RPC client over a real Unix socket, for tests. Every read is bounded by
/// `DaemonProcess.timeout`, so a daemon that never answers fails the test instead of
/// hanging it. Replies are cut with the RPC module's own `MessageFramer`.
final class RPCClient {
    let fd: Int32
    let framing: ClientFraming
    private var framer = MessageFramer(limits: FramingLimits(maxMessageBytes: 256 << 20))
    private var nextID: Int64 = 1
    /// Notifications (e.g. `$/progress`) read while waiting for a reply.
    var notifications: [JSONValue] = []

    init(path: String, framing: ClientFraming = .newlineDelimited) throws {
        self.framing = framing
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = UnixAddress(path)
        guard address.connect(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            Foundation.close(fd)
            throw TestFailure("cannot connect to \(path): \(reason)")
        }
    }

    deinit { Foundation.close(fd) }

    /// Bytes exactly as given.
    func sendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestFailure("send failed: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    func sendRaw(_ text: String) throws { try sendRaw(Array(text.utf8)) }

    /// The body wrapped in this client's framing.
    func framed(_ body: [UInt8]) -> [UInt8] {
        switch framing {
        case .newlineDelimited: return Framing.newlineDelimited.frame(body)
        case .contentLength: return Framing.contentLength.frame(body)
        }
    }

    func send(_ message: JSONValue) throws {
        for element in message.arrayValue ?? [message] {
            if let method = element["method"]?.stringValue, let id = element["id"] {
                methodsByID[id.serialized()] = method
            }
        }
        try sendRaw(framed(message.serialized()))
    }

    /// The method of each request sent with `send`, by serialized id, for `ResponseLog`.
    private var methodsByID: [[UInt8]: String] = [:]

    /// Records a received message (each element of a batch reply) in `ResponseLog`.
    private func log(_ message: JSONValue) {
        for element in message.arrayValue ?? [message] {
            let method = element["method"] == nil ? element["id"].flatMap { methodsByID[$0.serialized()] } : nil
            ResponseLog.record(method: method, message: element)
        }
    }

    func requestMessage(_ method: String, _ params: JSONValue? = nil, id: JSONValue) -> JSONValue {
        var object: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { object["params"] = params }
        object["id"] = id
        return .object(object)
    }

    /// Sends a request and returns its response (the whole response object).
    @discardableResult
    func call(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        let id = JSONValue.integer(nextID)
        nextID += 1
        try send(requestMessage(method, params, id: id))
        return try response(id: id)
    }

    /// The `result` of a call, failing the test if it is an error.
    func result(
        _ method: String, _ params: JSONValue? = nil,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> JSONValue {
        let reply = try call(method, params)
        guard let result = reply["result"] else {
            throw TestFailure("\(method) failed: \(reply)")
        }
        return result
    }

    /// Reads until the response with `id` arrives; notifications are kept in `notifications`.
    func response(id: JSONValue) throws -> JSONValue {
        while true {
            guard let message = try readMessage() else { throw TestFailure("connection closed while waiting for id \(id)") }
            if message["method"] != nil {
                notifications.append(message)
                continue
            }
            if message["id"] == id { return message }
            throw TestFailure("expected the reply to id \(id), got \(message)")
        }
    }

    /// The next message, or nil at end of stream.
    func readMessage() throws -> JSONValue? {
        let deadline = Date().addingTimeInterval(DaemonProcess.timeout)
        while true {
            if let body = try framer.nextMessage() {
                let message = try JSONValue.parse(body)
                log(message)
                return message
            }
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw TestFailure("no message from the daemon within \(DaemonProcess.timeout) s") }
            var probe = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&probe, 1, Int32(min(remaining, 1) * 1000)) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return nil }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET { return nil }
                throw TestFailure("recv failed: \(String(cString: strerror(errno)))")
            }
            framer.append(buffer[..<n])
        }
    }

    /// True if the daemon closes the connection (after any messages, which are returned).
    func readUntilClosed() throws -> [JSONValue] {
        var messages: [JSONValue] = []
        while let message = try readMessage() { messages.append(message) }
        return messages
    }

    /// Half-closes: no more requests, replies still readable.
    func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }
}

extension JSONValue {
    /// `error.code` of a response, if it is an error.
    var errorCode: Int? { self["error"]?["code"]?.int64Value.map { Int($0) } }
    var errorMessage: String { self["error"]?["message"]?.stringValue ?? "" }
}
