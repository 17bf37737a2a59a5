/// Turns one framed message body into JSON-RPC messages, applying the specification's rules
/// for what is valid and what each kind of invalid input must be answered with.
///
/// The outcome never throws: anything wrong becomes an `.invalid` item that already holds
/// the error response to send, so the caller's only job is to dispatch the valid items and
/// send the rest back (`RPCResponse.encodeReply` assembles the final reply).
///
/// Rules (JSON-RPC 2.0 §4–6, with the spec's own examples as tests):
/// - body not JSON → one -32700 error, id null;
/// - body neither object nor array, or an empty array → one -32600 error, id null;
/// - a batch longer than `maxBatchLength` → one -32010 error, id null, nothing run;
/// - in a batch, each invalid element gets its own -32600 error; the error echoes the
///   element's id when that id is itself valid, null otherwise;
/// - `jsonrpc` must be exactly "2.0"; `method` a string; `params`, if present, an object or
///   array; `id`, if present, a string, number or null. Unknown members are ignored.
/// - an object with `result` or `error` and no `method` is a response (client side):
///   `id` required, exactly one of `result`/`error`, and `error` a proper error object.

/// Limits for parsing bodies.
public struct RPCParseOptions: Sendable {
    public var json: JSONParseOptions
    /// Maximum number of elements in a batch.
    public var maxBatchLength: Int

    public init(json: JSONParseOptions = JSONParseOptions(), maxBatchLength: Int = 1_000) {
        self.json = json
        self.maxBatchLength = max(1, maxBatchLength)
    }
}

/// One element of an incoming body.
public enum RPCInboundItem: Sendable, Equatable {
    /// A valid request, notification or response.
    case message(RPCMessage)
    /// Something that is not a valid message; send back this error response.
    case invalid(RPCResponse)
}

/// An incoming body: one item, or a batch (which must be answered with an array).
public enum RPCInboundBody: Sendable, Equatable {
    case single(RPCInboundItem)
    case batch([RPCInboundItem])

    public var isBatch: Bool {
        if case .batch = self { return true }
        return false
    }

    public var items: [RPCInboundItem] {
        switch self {
        case .single(let item): return [item]
        case .batch(let items): return items
        }
    }

    /// Parses and validates one message body (the bytes a `MessageFramer` returned).
    public static func parse(_ body: [UInt8], options: RPCParseOptions = RPCParseOptions())
        -> RPCInboundBody
    {
        let document: JSONValue
        do {
            document = try JSONValue.parse(body, options: options.json)
        } catch let error as JSONParseError {
            return .single(.invalid(RPCResponse(id: .null, error: RPCError(parsing: error))))
        } catch {
            return .single(.invalid(RPCResponse(id: .null, error: .parseError("\(error)"))))
        }
        return interpret(document, options: options)
    }

    /// Validates an already parsed document.
    public static func interpret(
        _ document: JSONValue,
        options: RPCParseOptions = RPCParseOptions()
    ) -> RPCInboundBody {
        guard case .array(let elements) = document else {
            return .single(classify(document))
        }
        guard !elements.isEmpty else {
            return .single(
                .invalid(
                    RPCResponse(
                        id: .null, error: .invalidRequest("Invalid Request: empty batch"))))
        }
        guard elements.count <= options.maxBatchLength else {
            let limit = LimitViolation(
                name: .batchLength, max: options.maxBatchLength,
                actual: elements.count)
            return .single(
                .invalid(
                    RPCResponse(
                        id: .null,
                        error: .limitExceeded(
                            limit,
                            "batch of \(elements.count) messages is longer "
                                + "than the maximum of \(options.maxBatchLength)"))))
        }
        return .batch(elements.map(classify))
    }

    /// Validates one (non-batch) element.
    static func classify(_ value: JSONValue) -> RPCInboundItem {
        guard case .object(let object) = value else {
            return invalid(.null, "Invalid Request: expected an object, got \(value.typeDescription)")
        }
        // The id to put on an error reply: the element's own id when it is a valid id.
        let rawID = object["id"]
        let replyID = rawID.flatMap(RPCID.init(json:)) ?? .null
        if let rawID, RPCID(json: rawID) == nil {
            return invalid(
                .null,
                "Invalid Request: \"id\" must be a string, a number or null, "
                    + "got \(rawID.typeDescription)")
        }
        switch object["jsonrpc"] {
        case .string(JSONRPC.version)?:
            break
        case nil:
            return invalid(replyID, "Invalid Request: missing \"jsonrpc\": \"2.0\"")
        case let other?:
            return invalid(
                replyID,
                "Invalid Request: \"jsonrpc\" must be \"2.0\", "
                    + "got \(shortText(other))")
        }
        if let method = object["method"] {
            guard case .string(let name) = method else {
                return invalid(
                    replyID,
                    "Invalid Request: \"method\" must be a string, "
                        + "got \(method.typeDescription)")
            }
            let params = object["params"]
            switch params {
            case nil, .object?, .array?:
                break
            case let other?:
                return invalid(
                    replyID,
                    "Invalid Request: \"params\" must be an object or an "
                        + "array, got \(other.typeDescription)")
            }
            let id = rawID.flatMap(RPCID.init(json:))
            return .message(.request(RPCRequest(id: id, method: name, params: params)))
        }
        if object.contains(key: "result") || object.contains(key: "error") {
            return classifyResponse(object, id: replyID)
        }
        return invalid(replyID, "Invalid Request: missing \"method\"")
    }

    private static func classifyResponse(_ object: JSONObject, id: RPCID) -> RPCInboundItem {
        guard object.contains(key: "id") else {
            return invalid(.null, "Invalid Request: response without \"id\"")
        }
        switch (object["result"], object["error"]) {
        case (let result?, nil):
            return .message(.response(RPCResponse(id: id, result: result)))
        case (nil, let error?):
            guard let parsed = RPCError(json: error) else {
                return invalid(
                    id,
                    "Invalid Request: \"error\" must be an object with an integer "
                        + "\"code\" and a string \"message\"")
            }
            return .message(.response(RPCResponse(id: id, error: parsed)))
        default:
            return invalid(
                id,
                "Invalid Request: a response has either \"result\" or \"error\", "
                    + "not both")
        }
    }

    private static func invalid(_ id: RPCID, _ message: String) -> RPCInboundItem {
        .invalid(RPCResponse(id: id, error: .invalidRequest(message)))
    }

    private static func shortText(_ value: JSONValue) -> String {
        let text = value.serializedString()
        return text.count > 40 ? String(text.prefix(40)) + "…" : text
    }
}
