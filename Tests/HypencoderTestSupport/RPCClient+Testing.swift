import Foundation
import HypencoderRPC

/// The shared `RPCClient` with what only tests need: whole responses (errors included),
/// raw bytes, hand-made messages, reading until the daemon closes, and every received
/// message recorded in `ResponseLog`.
extension RPCClient {
    /// A client as the tests use it: every read bounded by `DaemonProcess.timeout` (a daemon
    /// that never answers fails the test instead of hanging it), replies expected in the
    /// order asked for (a stray or early reply fails loudly), and every message logged.
    public static func testing(path: String, framing: Framing = .newlineDelimited) throws -> RPCClient {
        let client: RPCClient
        do { client = try RPCClient(path: path, framing: framing, maxMessageBytes: 256 << 20) } catch {
            throw TestFailure("\(error)")
        }
        client.timeout = DaemonProcess.timeout
        client.repliesInOrder = true
        ResponseLog.attach(to: client)
        return client
    }

    /// Bytes exactly as given.
    public func sendRaw(_ bytes: [UInt8]) throws { try send(bytes: bytes) }

    public func sendRaw(_ text: String) throws { try sendRaw(Array(text.utf8)) }

    /// A request with the id the test chooses (any JSON value, valid or not).
    public func requestMessage(_ method: String, _ params: JSONValue? = nil, id: JSONValue) -> JSONValue {
        var object: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { object["params"] = params }
        object["id"] = id
        return .object(object)
    }

    /// Sends a request and returns its whole response, result or error.
    @discardableResult
    public func call(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        try reply(to: start(method, params))
    }

    /// Reads until the response with `id` arrives (it must be the next one); notifications
    /// are kept in `notifications`.
    public func response(id: JSONValue) throws -> JSONValue {
        guard let rpcID = RPCID(json: id) else { throw TestFailure("\(id) is not a request id") }
        return try reply(to: rpcID)
    }

    /// Every message until the daemon closes the connection.
    public func readUntilClosed() throws -> [JSONValue] {
        var messages: [JSONValue] = []
        while let message = try readMessage() { messages.append(message) }
        return messages
    }
}

extension JSONValue {
    /// `error.code` of a response, if it is an error.
    public var errorCode: Int? { self["error"]?["code"]?.int64Value.map { Int($0) } }
    public var errorMessage: String { self["error"]?["message"]?.stringValue ?? "" }
}
