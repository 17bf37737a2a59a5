#if canImport(Glibc)
    import Glibc
#endif

/// A blocking JSON-RPC 2.0 client on the daemon's Unix socket: the one the `hypencoder`
/// command line, the daemon tests and the benchmarks share.
///
/// Requests are written with `RPCRequest` and `Framing`, replies are cut with the same
/// `MessageFramer` the daemon reads with and parsed into `JSONValue`, so the two sides agree
/// on every byte by sharing the code. Calls block the calling thread: a client does one thing
/// at a time, except `pipeline`, which keeps a few requests in flight so the daemon's workers
/// stay busy. Replies arrive in completion order (DESIGN.md §4.2), so a reply to another
/// request sent earlier is kept until it is asked for.
///
/// Levels, highest first:
/// - `result`: send, wait, return `result` or throw the daemon's error.
/// - `start` / `finish` / `pipeline`: several requests in flight, ids chosen here.
/// - `send`, `send(bytes:)`, `readMessage`: messages and bytes as they are, for tests that
///   provoke the daemon with hand-made input.
public final class RPCClient {
    /// The socket path connected to.
    public let path: String
    /// How requests are framed; replies come back in the same framing, which the framer
    /// detects from their first byte.
    public let framing: Framing
    /// The connected socket, for callers that must poll it or change its flags (tests).
    public let fd: Int32
    /// Seconds any one read may wait for the daemon before `RPCClientError.timedOut`; nil
    /// waits as long as it takes (a large `index/add` may encode for minutes).
    public var timeout: Double?
    /// Notifications (`$/progress`, ...) that arrived while waiting for a reply, oldest
    /// first, unless `onNotification` takes them.
    public var notifications: [JSONValue] = []
    /// Takes each notification read while waiting for a reply, instead of `notifications`.
    public var onNotification: ((JSONValue) -> Void)?
    /// When true, the next reply `reply(to:)` reads must be the one asked for, whatever was
    /// sent before and however (even as raw bytes): for tests, which wait for replies in the
    /// order the daemon must send them and want a stray or early reply to fail loudly.
    public var repliesInOrder = false
    /// Sees every message sent with `send` or `start`, and every message read, as it goes
    /// by (the tests record the daemon's replies to check them against the schema).
    public var onSend: ((JSONValue) -> Void)?
    public var onReceive: ((JSONValue) -> Void)?

    private var framer: MessageFramer
    private var nextID: Int64 = 1
    /// Ids sent and not yet answered; a reply to any other id is the daemon's mistake.
    private var outstanding: Set<RPCID> = []
    /// Replies that arrived while waiting for another id.
    private var early: [RPCID: JSONValue] = [:]
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)

    /// Connects to the socket at `path`. Throws `RPCClientError.invalidPath` for a path
    /// that cannot name a socket and `.cannotConnect` when nobody accepts.
    public init(path: String, framing: Framing = .newlineDelimited, maxMessageBytes: Int = 1 << 30) throws {
        self.path = path
        self.framing = framing
        framer = MessageFramer(limits: FramingLimits(maxMessageBytes: maxMessageBytes))
        let address: UnixSocketAddress
        do { address = try UnixSocketAddress(path: path) } catch let error as UnixSocketError {
            throw RPCClientError.invalidPath(error)
        }
        do { fd = try address.connectedSocket(.stream) } catch let error as UnixSocketError {
            throw RPCClientError.cannotConnect(path: path, reason: error.reason)
        }
    }

    deinit { close(fd) }

    // MARK: - Requests

    /// Sends one request and returns its `result`; an error reply throws
    /// `RPCClientError.response` carrying the daemon's `RPCError`.
    @discardableResult
    public func result(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        try finish(method, start(method, params))
    }

    /// Sends a request without waiting and returns its id; pair with `finish` (or
    /// `reply(to:)`) to keep several requests in flight while preparing the next.
    public func start(_ method: String, _ params: JSONValue? = nil) throws -> RPCID {
        let id = RPCID.integer(nextID)
        nextID += 1
        try send(RPCRequest(id: id, method: method, params: params).json, method: method)
        return id
    }

    /// Waits for the reply to `id` and returns its `result`, or throws its error.
    public func finish(_ method: String, _ id: RPCID) throws -> JSONValue {
        let reply = try reply(to: id)
        if let errorValue = reply["error"] {
            guard let error = RPCError(json: errorValue) else {
                throw RPCClientError.malformed("\(method): malformed error object: \(errorValue.serializedString().prefix(200))")
            }
            throw RPCClientError.response(method: method, error: error)
        }
        guard let result = reply["result"] else {
            throw RPCClientError.malformed(
                "\(method): reply has neither result nor error: \(reply.serializedString().prefix(200))")
        }
        return result
    }

    /// Runs `count` requests with at most `window` outstanding. `request(i)` builds the
    /// params of request i only when it is about to be sent (so a big import never holds
    /// all its batches), and `each(i, result)` sees the results in request order.
    public func pipeline(
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

    /// The whole reply (result or error) to a request sent earlier, reading until it comes.
    /// Notifications go to `onNotification` or `notifications`; replies to other requests
    /// still outstanding are kept for their turn.
    public func reply(to id: RPCID) throws -> JSONValue {
        if let reply = early.removeValue(forKey: id) {
            outstanding.remove(id)
            return reply
        }
        while true {
            guard let message = try readMessage() else {
                throw RPCClientError.closed("the daemon closed the connection before replying" + closeDetail)
            }
            if message["method"] != nil {
                if let onNotification { onNotification(message) } else { notifications.append(message) }
                continue
            }
            guard let idValue = message["id"], let replyID = RPCID(json: idValue) else {
                // An error the daemon could not tie to a request (id null): the stream's fault.
                if let errorValue = message["error"], let error = RPCError(json: errorValue) {
                    throw RPCClientError.response(method: "request", error: error)
                }
                throw RPCClientError.malformed("expected the reply to id \(id), got \(message.serializedString().prefix(200))")
            }
            if repliesInOrder {
                guard replyID == id else {
                    throw RPCClientError.malformed(
                        "expected the reply to id \(id), got \(message.serializedString().prefix(200))")
                }
                outstanding.remove(id)
                return message
            }
            guard outstanding.contains(replyID), early[replyID] == nil else {
                throw RPCClientError.malformed(
                    "expected the reply to id \(id), got one to id \(replyID), which was "
                        + (early[replyID] == nil ? "never sent or already answered" : "answered twice"))
            }
            if replyID == id {
                outstanding.remove(id)
                return message
            }
            early[replyID] = message
        }
    }

    // MARK: - Messages and bytes

    /// The body wrapped in this client's framing.
    public func framed(_ body: [UInt8]) -> [UInt8] { framing.frame(body) }

    /// Sends a message (a request, notification or batch) in this client's framing. The
    /// ids of the requests in it become outstanding, so `reply(to:)` accepts their replies.
    public func send(_ message: JSONValue) throws {
        try send(message, method: message["method"]?.stringValue ?? "batch")
    }

    private func send(_ message: JSONValue, method: String) throws {
        for element in message.arrayValue ?? [message] where element["method"] != nil {
            if let idValue = element["id"], let id = RPCID(json: idValue) { outstanding.insert(id) }
        }
        onSend?(message)
        do { try send(bytes: framed(message.serialized())) } catch RPCClientError.closed(let detail) {
            throw RPCClientError.closed("\(method): \(detail)")
        }
    }

    /// Bytes exactly as given: no framing, no id bookkeeping.
    public func send(bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                try wait(for: Int16(POLLOUT), what: "room to send")
                continue
            }
            guard n > 0 else {
                throw RPCClientError.closed(
                    "the daemon closed the connection while we were sending (\(String(cString: strerror(errno))))")
            }
            offset += n
        }
    }

    /// The next message from the daemon, or nil once it has closed the connection (or reset
    /// it). A framing or JSON error throws `RPCClientError.malformed`.
    public func readMessage() throws -> JSONValue? {
        while true {
            let body: [UInt8]?
            do { body = try framer.nextMessage() } catch let error as FramingError {
                throw RPCClientError.malformed("the daemon sent a malformed message: \(error)")
            }
            if let body {
                let message: JSONValue
                do { message = try JSONValue.parse(body) } catch {
                    throw RPCClientError.malformed("the daemon sent invalid JSON: \(error)")
                }
                onReceive?(message)
                return message
            }
            // Without a timeout, block in recv as a plain client would (the benchmarks time
            // this path); with one, poll first so a silent daemon fails instead of hanging.
            if timeout != nil { try wait(for: Int16(POLLIN), what: "a message from the daemon") }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                framer.append(buffer[..<n])
                continue
            }
            if n == 0 {
                closeReason = nil
                return nil
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try wait(for: Int16(POLLIN), what: "a message from the daemon")
            case ECONNRESET:
                closeReason = String(cString: strerror(errno))
                return nil
            default: throw RPCClientError.closed("recv failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Half-closes: no more requests, replies still readable (what `socat` does at the end
    /// of its input).
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// Why the last `readMessage` returned nil, when it was not a plain end of stream.
    private var closeReason: String?
    private var closeDetail: String { closeReason.map { " (\($0))" } ?? "" }

    /// Waits until the socket is ready for `events`, at most `timeout` seconds (forever
    /// without one).
    private func wait(for events: Int16, what: String) throws {
        let deadline = timeout.map { Self.now() + $0 }
        while true {
            var probe = pollfd(fd: fd, events: events, revents: 0)
            let remaining = deadline.map { $0 - Self.now() }
            if let remaining, remaining <= 0 { throw RPCClientError.timedOut(what: what, seconds: timeout ?? 0) }
            let ready = poll(&probe, 1, remaining.map { Int32(min($0, 1) * 1000) + 1 } ?? -1)
            if ready > 0 { return }
            if ready < 0, errno != EINTR {
                throw RPCClientError.closed("poll failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// What can go wrong between a client and the daemon, so each caller can tell its user in
/// its own terms (the command line turns these into exit statuses, tests into failures).
public enum RPCClientError: Error, CustomStringConvertible {
    /// The socket path cannot name a Unix socket (empty, or longer than 107 bytes).
    case invalidPath(UnixSocketError)
    /// Nobody accepted: no such file, connection refused, permission denied.
    case cannotConnect(path: String, reason: String)
    /// The daemon answered the request with a JSON-RPC error.
    case response(method: String, error: RPCError)
    /// The connection ended, or failed, before the reply arrived.
    case closed(String)
    /// The daemon sent something that is not the JSON-RPC we expected.
    case malformed(String)
    /// Nothing arrived within `RPCClient.timeout`.
    case timedOut(what: String, seconds: Double)

    public var description: String {
        switch self {
        case .invalidPath(let error): return error.description
        case .cannotConnect(let path, let reason): return "cannot connect to \(path): \(reason)"
        case .response(let method, let error):
            var text = "\(method): \(error.message) (code \(error.code))"
            if let data = error.data, !data.isNull { text += " \(data.serializedString())" }
            return text
        case .closed(let detail), .malformed(let detail): return detail
        case .timedOut(let what, let seconds): return "no \(what) within \(seconds) s"
        }
    }
}
