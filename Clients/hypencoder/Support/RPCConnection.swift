import HypencoderRPC

/// The daemon connection as the commands use it: HypencoderRPC's shared `RPCClient`
/// (newline-delimited JSON-RPC, replies cut by the daemon's own `MessageFramer`), with its
/// failures retold as `ClientError`s. Commands and the uploader only ever catch
/// `ClientError`, so every failure of the connection ends in its documented exit status:
/// 64 for a socket path that cannot be one, 69 when nobody accepts, 1 for the daemon's
/// error, 76 for a connection that ends or talks nonsense.
final class RPCConnection {
    private let client: RPCClient
    var path: String { client.path }
    /// Takes the `$/progress` notifications of a request sent with a `workDoneToken`
    /// (`hypencoder index`); other commands ask for none, and any that arrive are dropped.
    var onProgress: ((JSONValue) -> Void)?

    /// Connects, or throws exit status 69 naming the path and the reason.
    init(path: String) throws {
        client = try translated { try RPCClient(path: path) }
        client.onNotification = { [weak self] notification in self?.onProgress?(notification) }
    }

    /// Sends one request and returns its `result`; an error reply throws exit status 1
    /// with the daemon's message.
    func call(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        try translated { try client.result(method, params) }
    }

    /// Sends a request without waiting; pair with `finish` (see `DocumentUploader`).
    func start(_ method: String, _ params: JSONValue?) throws -> RPCID {
        try translated { try client.start(method, params) }
    }

    /// Waits for the reply to a request sent with `start` and returns its `result`.
    func finish(_ method: String, _ id: RPCID) throws -> JSONValue {
        try translated { try client.finish(method, id) }
    }

    /// `RPCClient.pipeline`: at most `window` requests outstanding, results in order.
    func pipeline(
        _ method: String, count: Int, window: Int = 4,
        request: (Int) throws -> JSONValue,
        each: (Int, JSONValue) throws -> Void
    ) throws {
        try translated { try client.pipeline(method, count: count, window: window, request: request, each: each) }
    }
}

/// Runs `body`, turning the shared client's errors into the client's; the command's own
/// errors (a malformed input line inside `pipeline`'s closures) pass through as they are.
private func translated<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as RPCClientError { throw ClientError(error) }
}

extension ClientError {
    init(_ error: RPCClientError) {
        switch error {
        case .invalidPath(let problem): self.init(.usage, problem.description)
        case .cannotConnect(let path, let reason):
            self.init(
                .unavailable,
                "cannot connect to \(path): \(reason) (is hypencoderd running? see --socket and HYPENCODER_SOCKET)")
        case .response(_, let rpcError):
            // The daemon's own message, its code, and its `data` when it carries details
            // (the limit that was exceeded, the params path that was wrong).
            self.init(.rpcError, error.description)
            self.rpcError = rpcError
        case .closed, .malformed, .timedOut: self.init(.protocolError, error.description)
        }
    }
}
