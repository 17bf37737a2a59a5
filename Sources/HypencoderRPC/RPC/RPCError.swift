/// JSON-RPC error objects (`{"code": ..., "message": ..., "data": ...}`) and the codes this
/// project uses.
///
/// Standard codes come from the JSON-RPC 2.0 specification, LSP codes from the LSP base
/// protocol. The specification reserves -32000…-32099 for implementation-defined server
/// errors; we allocate from it here only (so codes never collide across modules):
///   -32010 limit exceeded (data: `{"limit": name, "max": n, "actual": m}`)
/// LSP also parks -32001 (UnknownErrorCode) and -32002 (ServerNotInitialized) in that range,
/// so those two are never reused.
///
/// Messages carry the specific problem (e.g. `params.k: expected an integer in 1...1000,
/// got 0`) rather than only the generic phrase, because a person reading a log or a shell
/// session has nothing else to go on; the code says the category.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// Well-known error codes.
    public enum Code {
        public static let parseError = -32700
        public static let invalidRequest = -32600
        public static let methodNotFound = -32601
        public static let invalidParams = -32602
        public static let internalError = -32603
        /// LSP: a request was used before `initialize`.
        public static let serverNotInitialized = -32002
        /// LSP: the client cancelled the request (`$/cancelRequest`); it still gets this reply.
        public static let requestCancelled = -32800
        /// Server-defined: a configured limit was exceeded.
        public static let limitExceeded = -32010
    }

    public var description: String { "JSON-RPC error \(code): \(message)" }

    /// The error object as it goes on the wire.
    public var json: JSONValue {
        var object: JSONObject = ["code": .integer(Int64(code)), "message": .string(message)]
        if let data { object["data"] = data }
        return .object(object)
    }

    /// Reads an error object from a response (client side). `nil` if it is malformed.
    public init?(json: JSONValue) {
        guard let object = json.objectValue, let code = object["code"],
            case .integer(let codeValue) = code, let message = object["message"]?.stringValue,
            let codeInt = Int(exactly: codeValue)
        else { return nil }
        self.init(code: codeInt, message: message, data: object["data"])
    }
}

// MARK: - Constructors

extension RPCError {
    public static func parseError(_ detail: String = "Parse error") -> RPCError {
        RPCError(code: Code.parseError, message: detail)
    }

    public static func invalidRequest(_ detail: String = "Invalid Request") -> RPCError {
        RPCError(code: Code.invalidRequest, message: detail)
    }

    public static func methodNotFound(_ method: String) -> RPCError {
        RPCError(
            code: Code.methodNotFound, message: "method not found: \(method)",
            data: ["method": .string(method)])
    }

    /// `path` is where in the params the problem is (`params.documents[3].vector`); it is
    /// both the message prefix and `data.path`, so programs need not parse the message.
    public static func invalidParams(path: String, _ problem: String) -> RPCError {
        RPCError(
            code: Code.invalidParams, message: "\(path): \(problem)",
            data: ["path": .string(path)])
    }

    public static func internalError(_ detail: String = "Internal error") -> RPCError {
        RPCError(code: Code.internalError, message: detail)
    }

    public static func requestCancelled(_ detail: String = "request cancelled") -> RPCError {
        RPCError(code: Code.requestCancelled, message: detail)
    }

    public static func serverNotInitialized(
        _ detail: String = "server not initialized: send 'initialize' first"
    ) -> RPCError {
        RPCError(code: Code.serverNotInitialized, message: detail)
    }

    public static func limitExceeded(_ limit: LimitViolation, _ detail: String? = nil) -> RPCError {
        RPCError(
            code: Code.limitExceeded, message: detail ?? limit.description,
            data: [
                "limit": .string(limit.name.rawValue), "max": .integer(Int64(limit.max)),
                "actual": .integer(Int64(limit.actual)),
            ])
    }

    /// The reply for a body that is not valid JSON: -32700, or -32010 if it broke a limit.
    public init(parsing error: JSONParseError) {
        if let limit = error.limit {
            self = .limitExceeded(limit, error.description)
        } else {
            self = .parseError(error.description)
        }
    }

    /// The reply for a broken byte stream: -32010 for size limits, -32700 otherwise.
    public init(framing error: FramingError) {
        if case .limitExceeded(let limit) = error.kind {
            self = .limitExceeded(limit, error.message)
        } else {
            self = .parseError(error.message)
        }
    }
}
