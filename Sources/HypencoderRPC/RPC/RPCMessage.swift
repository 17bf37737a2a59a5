/// The JSON-RPC 2.0 message kinds as Swift values: request ids, requests (including
/// notifications), responses, and their wire form.
///
/// Both sides use these: the daemon reads requests and writes responses; the thin client
/// writes requests and reads responses.

/// A request id. JSON-RPC allows a string, a number or null; it must be echoed unchanged, so
/// integers and fractional numbers keep their own cases (`1` and `1.0` are different ids,
/// and `9007199254740993` survives, which a double-based reader would round).
public enum RPCID: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case integer(Int64)
    case double(Double)
    case null

    /// The id for a JSON value, or `nil` if the value's type cannot be an id.
    public init?(json: JSONValue) {
        switch json {
        case .string(let s): self = .string(s)
        case .integer(let i): self = .integer(i)
        case .double(let d): self = .double(d)
        case .null: self = .null
        default: return nil
        }
    }

    public var json: JSONValue {
        switch self {
        case .string(let s): return .string(s)
        case .integer(let i): return .integer(i)
        case .double(let d): return .double(d)
        case .null: return .null
        }
    }

    public var description: String { json.serializedString() }
}

/// A request or, when `id` is `nil`, a notification (which never gets a response).
/// A request with an explicit `"id": null` is a request (`id == .null`) and does get one.
public struct RPCRequest: Sendable, Equatable {
    public var id: RPCID?
    public var method: String
    /// An object or an array when present (validated on parse).
    public var params: JSONValue?

    public init(id: RPCID?, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }

    public var isNotification: Bool { id == nil }

    public var json: JSONValue {
        var object: JSONObject = ["jsonrpc": .string(JSONRPC.version), "method": .string(method)]
        if let params { object["params"] = params }
        if let id { object["id"] = id.json }
        return .object(object)
    }
}

/// A response: the id of the request it answers and either a result or an error.
public struct RPCResponse: Sendable, Equatable {
    public var id: RPCID
    public var outcome: Result<JSONValue, RPCError>

    public init(id: RPCID, result: JSONValue) {
        self.id = id
        self.outcome = .success(result)
    }

    public init(id: RPCID, error: RPCError) {
        self.id = id
        self.outcome = .failure(error)
    }

    public init(id: RPCID, outcome: Result<JSONValue, RPCError>) {
        self.id = id
        self.outcome = outcome
    }

    public var json: JSONValue {
        var object: JSONObject = ["jsonrpc": .string(JSONRPC.version)]
        switch outcome {
        case .success(let result): object["result"] = result
        case .failure(let error): object["error"] = error.json
        }
        object["id"] = id.json
        return .object(object)
    }

    /// Serializes the replies produced for one incoming body, following the batch rules:
    /// a single request gets a single object; a batch gets an array of the responses (in any
    /// order the caller chose); and when there is nothing to send (a notification, or a batch
    /// of only notifications) the result is `nil`: nothing at all goes back, not even `[]`.
    public static func encodeReply(_ responses: [RPCResponse], isBatch: Bool) -> [UInt8]? {
        if isBatch {
            return responses.isEmpty ? nil : JSONValue.array(responses.map(\.json)).serialized()
        }
        return responses.first?.json.serialized()
    }
}

/// Any valid incoming message.
public enum RPCMessage: Sendable, Equatable {
    case request(RPCRequest)
    case response(RPCResponse)

    public var json: JSONValue {
        switch self {
        case .request(let request): return request.json
        case .response(let response): return response.json
        }
    }
}
