/// HypencoderRPC: the JSON-RPC 2.0 protocol layer, with no model.
///
/// It turns bytes into messages and back; the daemon adds its libuv transport and handlers,
/// and the thin client links only this module (it depends on jansson and nothing else, so
/// no BLAS follows it into the client; DESIGN.md §5). The blocking client side of the
/// socket lives here too (`Client/`), because the command line, the tests and the
/// benchmarks all need one and this is the module they share; the daemon's loop never uses
/// it, only its stale-socket probe and systemd notifier take `UnixSocketAddress`.
///
/// One request's path through it, on the daemon side:
///
///     var framer = MessageFramer()                    // one per connection
///     framer.append(bytesFromSocket)
///     while let body = try framer.nextMessage() {     // FramingError: reply once, then close
///         let inbound = RPCInboundBody.parse(body)    // never throws
///         var replies: [RPCResponse] = []
///         for item in inbound.items {
///             switch item {
///             case .invalid(let errorReply): replies.append(errorReply)
///             case .message(.request(let request)):
///                 let params = ParamsReader(request.params)
///                 let k = try params["k"].int(in: 1...1000)   // throws a -32602 RPCError
///                 ...
///                 if let id = request.id { replies.append(RPCResponse(id: id, result: ...)) }
///             case .message(.response): break         // servers do not expect these
///             }
///         }
///         if let reply = RPCResponse.encodeReply(replies, isBatch: inbound.isBatch) {
///             send(framer.frame(reply))               // same framing as the request
///         }
///     }
///
/// Files, one idea each:
/// - `JSON/`: `JSONValue` and `JSONObject` (the value type), `JanssonParser` (the only file
///   that calls jansson), `JSONInputGuard` (refuses hostile bytes before jansson sees them),
///   `JSONWriter` (compact output with shortest round-trip numbers), `JSONParseError`
///   (options and the decisions on duplicates, big integers, NaN, NUL).
/// - `Framing/`: `MessageFramer` (bytes → bodies, both framings), `ContentLengthHeader`
///   (LSP header rules), `Framing` (the encoder, limits and errors).
/// - `RPC/`: `RPCMessage` (ids, requests, responses), `RPCInbound` (validation and batch
///   rules), `RPCError` (codes and error objects), `ParamsReader` (typed params with
///   path-naming errors).
/// - `Float32Base64`: the compact vector encoding; `LimitViolation`: the shared shape of
///   "a configured limit was exceeded".
/// - `Client/`: `UnixSocketAddress` (the one `sockaddr_un`, with the 107-byte check),
///   `RPCClient` (blocking requests, pipelining, raw bytes for tests) and `SocketPath` (the
///   default socket path daemon and clients agree on).
/// - `BEIR/`: `BEIRCollection`, the one reader of BEIR test collections and their qrels,
///   for `hypencoder eval` and `hypencoder-model rank`. Not protocol: it is here because
///   these are the only two executables that read collections and this is the one module
///   both link without the client gaining a dependency.
public enum JSONRPC {
    /// The value of the `jsonrpc` member every message must carry.
    public static let version = "2.0"
}
