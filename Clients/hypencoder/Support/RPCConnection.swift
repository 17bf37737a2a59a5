import Foundation
import HypencoderRPC

/// One connection to `hypencoderd` over its Unix socket, speaking newline-delimited
/// JSON-RPC 2.0 (the framing the daemon detects from our first byte).
///
/// Requests are written with HypencoderRPC's `RPCRequest` and `Framing`, replies are cut
/// with its `MessageFramer` and read into `JSONValue`, so the client and the daemon agree
/// on every byte by sharing the code. Calls block: the client does one thing at a time,
/// except `pipeline`, which keeps a few requests in flight so the daemon's workers stay busy.
final class RPCConnection {
    let path: String
    private let fd: Int32
    private var framer = MessageFramer(
        limits: FramingLimits(maxMessageBytes: 1 << 30),
        framing: .newlineDelimited)
    private var nextID: Int64 = 1
    /// Replies that arrived while waiting for another id (only in `pipeline`).
    private var early: [RPCID: JSONValue] = [:]
    /// Called with the `params` of each `$/progress` notification.
    var onProgress: ((JSONValue) -> Void)?

    /// Connects, or throws exit status 69 naming the path and the reason.
    init(path: String) throws {
        self.path = path
        guard path.utf8.count < 108 else {
            throw ClientError.usage("socket path is \(path.utf8.count) bytes; Unix socket paths must be under 108: \(path)")
        }
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else {
            throw ClientError(.unavailable, "cannot create a socket: \(String(cString: strerror(errno)))")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ClientError(
                .unavailable,
                "cannot connect to \(path): \(reason) (is hypencoderd running? see --socket and HYPENCODER_SOCKET)")
        }
    }

    deinit { close(fd) }

    /// Sends one request and returns its `result`; an error reply throws exit status 1
    /// with the daemon's message.
    func call(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        try finish(method, start(method, params))
    }

    /// Sends a request without waiting; pair with `finish`. Lets a caller keep several
    /// requests in flight while it prepares the next (see `DocumentUploader`).
    func start(_ method: String, _ params: JSONValue?) throws -> RPCID {
        try send(method, params)
    }

    /// Waits for the reply to a request sent with `start` and returns its `result`.
    func finish(_ method: String, _ id: RPCID) throws -> JSONValue {
        try result(of: method, reply: awaitReply(id))
    }

    /// Runs `count` requests with at most `window` outstanding. `request(i)` builds the
    /// params of request i only when it is about to be sent (so a big import never holds
    /// all its batches), and `each(i, result)` sees the results in request order.
    func pipeline(
        _ method: String, count: Int, window: Int = 4,
        request: (Int) throws -> JSONValue,
        each: (Int, JSONValue) throws -> Void
    ) throws {
        var ids: [RPCID] = []
        var done = 0
        while done < count {
            while ids.count < count, ids.count - done < max(1, window) {
                ids.append(try start(method, request(ids.count)))
            }
            try each(done, finish(method, ids[done]))
            done += 1
        }
    }

    // MARK: - Wire

    private func send(_ method: String, _ params: JSONValue?) throws -> RPCID {
        let id = RPCID.integer(nextID)
        nextID += 1
        let bytes = Framing.newlineDelimited.frame(RPCRequest(id: id, method: method, params: params).json.serialized())
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes {
                Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw ClientError(
                    .protocolError,
                    "\(method): the daemon closed the connection while we were sending (\(String(cString: strerror(errno))))")
            }
            offset += n
        }
        return id
    }

    private func result(of method: String, reply: JSONValue) throws -> JSONValue {
        if let errorValue = reply["error"] {
            guard let error = RPCError(json: errorValue) else {
                throw ClientError(
                    .protocolError, "\(method): malformed error object: \(errorValue.serializedString().prefix(200))")
            }
            throw ClientError.rpc(method, error)
        }
        guard let result = reply["result"] else {
            throw ClientError(
                .protocolError, "\(method): reply has neither result nor error: \(reply.serializedString().prefix(200))")
        }
        return result
    }

    /// Reads messages until the reply with `id`; notifications go to `onProgress`.
    private func awaitReply(_ id: RPCID) throws -> JSONValue {
        if let reply = early.removeValue(forKey: id) { return reply }
        while true {
            let message = try nextMessage()
            if message["method"]?.stringValue == "$/progress" {
                if let params = message["params"] { onProgress?(params) }
                continue
            }
            guard let idValue = message["id"], let replyID = RPCID(json: idValue) else {
                // A batch-level error (id null) or a notification we do not know: skip unless it is an error.
                if let errorValue = message["error"], let error = RPCError(json: errorValue) {
                    throw ClientError.rpc("request", error)
                }
                continue
            }
            if replyID == id { return message }
            early[replyID] = message
        }
    }

    private func nextMessage() throws -> JSONValue {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            do {
                if let body = try framer.nextMessage() {
                    do { return try JSONValue.parse(body) } catch {
                        throw ClientError(.protocolError, "the daemon sent invalid JSON: \(error)")
                    }
                }
            } catch let error as FramingError {
                throw ClientError(.protocolError, "the daemon sent a malformed message: \(error)")
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                throw ClientError(
                    .protocolError,
                    "the daemon closed the connection before replying"
                        + (n < 0 ? " (\(String(cString: strerror(errno))))" : ""))
            }
            framer.append(buffer[..<n])
        }
    }
}
