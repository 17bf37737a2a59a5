import HypencoderRPC

/// JSON-RPC message parsing as the dispatcher does it: `RPCInboundBody.parse` (single
/// messages and batches, requests, notifications, responses, every kind of invalid request),
/// then the replies the daemon would write for the invalid ones.
///
/// Invariants: every valid message, written back as JSON (`RPCMessage.json`), is classified
/// as the same message again; every reply body (`RPCResponse.encodeReply`) is JSON that reads
/// back as responses with the same ids; a batch is never longer than the limit.
enum RPCRequestTarget {
    static let options = RPCParseOptions(json: JSONParseOptions(maxDepth: 16), maxBatchLength: 8)

    static let target = FuzzTarget(
        name: "rpc-request",
        summary: "RPCInboundBody.parse: JSON-RPC 2.0 requests, notifications, responses, batches; error replies",
        maxLength: 4096,
        seeds: seeds,
        run: run)

    static func run(_ input: UnsafeRawBufferPointer) {
        let body = RPCInboundBody.parse(Array(input), options: options)
        if case .batch(let items) = body {
            FuzzCheck.require(
                !items.isEmpty && items.count <= options.maxBatchLength, "a batch of \(items.count) passed")
        }
        var replies: [RPCResponse] = []
        for item in body.items {
            switch item {
            case .invalid(let response):
                replies.append(response)
            case .message(let message):
                let again = RPCInboundBody.interpret(message.json, options: options)
                FuzzCheck.require(
                    again == .single(.message(message)),
                    "\(message.json) re-read as \(again)")
                if case .request(let request) = message, let id = request.id {
                    replies.append(RPCResponse(id: id, result: .null))
                }
            }
        }
        guard let reply = RPCResponse.encodeReply(replies, isBatch: body.isBatch) else {
            FuzzCheck.require(replies.isEmpty, "no reply body for \(replies.count) responses")
            return
        }
        guard let parsed = try? JSONValue.parse(reply) else {
            return FuzzCheck.require(false, "reply \(String(decoding: reply, as: UTF8.self)) is not JSON")
        }
        let elements = body.isBatch ? (parsed.arrayValue ?? []) : [parsed]
        FuzzCheck.require(elements.count == replies.count, "reply has \(elements.count) responses, expected \(replies.count)")
        for (element, response) in zip(elements, replies) {
            guard case .single(.message(.response(let read))) = RPCInboundBody.interpret(element) else {
                return FuzzCheck.require(false, "reply element \(element) is not a response")
            }
            FuzzCheck.require(read.id == response.id, "reply id \(read.id) for \(response.id)")
        }
    }

    static func seeds() -> [(name: String, bytes: [UInt8])] {
        textSeeds([
            ("initialize", #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":null,"capabilities":{}}}"#),
            ("search", #"{"jsonrpc":"2.0","id":3,"method":"search","params":{"query":"cat","k":2,"include":["text"]}}"#),
            ("notification", #"{"jsonrpc":"2.0","method":"exit"}"#),
            ("cancel", #"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#),
            ("string-id", #"{"jsonrpc":"2.0","id":"abc","method":"index/stats"}"#),
            ("double-id", #"{"jsonrpc":"2.0","id":1.5,"method":"index/stats","params":[]}"#),
            ("null-id", #"{"jsonrpc":"2.0","id":null,"method":"server/status"}"#),
            ("batch", #"[{"jsonrpc":"2.0","id":1,"method":"index/stats"},{"jsonrpc":"2.0","method":"exit"},7]"#),
            ("empty-batch", "[]"),
            ("response", #"{"jsonrpc":"2.0","id":4,"result":{"added":2}}"#),
            ("error-response", #"{"jsonrpc":"2.0","error":{"code":-32602,"message":"bad","data":{"path":"params.k"}},"id":4}"#),
            ("both", #"{"jsonrpc":"2.0","id":4,"result":1,"error":{"code":1,"message":"x"}}"#),
            ("wrong-version", #"{"jsonrpc":"1.0","id":1,"method":"x"}"#),
            ("bad-params", #"{"jsonrpc":"2.0","id":1,"method":"x","params":3}"#),
            ("bad-id", #"{"jsonrpc":"2.0","id":{},"method":"x"}"#),
            ("not-json", "{\"jsonrpc\":"),
        ])
    }
}
