/// The two ways a connection can delimit messages (DESIGN.md §4), their limits and errors,
/// and the encoder that writes a reply in the connection's framing.
///
/// - `contentLength`: the LSP base protocol. `Content-Length: N\r\n` (other headers
///   allowed, e.g. `Content-Type`), a blank line, then exactly N bytes of UTF-8 JSON. What
///   editors speak.
/// - `newlineDelimited`: one JSON message per line. What shell scripts speak
///   (`echo '{"jsonrpc":"2.0",...}' | socat - UNIX:...`).
///
/// `MessageFramer` detects which one a connection uses from its first non-whitespace byte.
public enum Framing: Sendable, Equatable {
    case contentLength
    case newlineDelimited

    /// Wraps one serialized message for the wire. For `newlineDelimited` the body must not
    /// contain a raw newline; `JSONValue.serialized()` never produces one (it is compact and
    /// escapes control characters).
    public func frame(_ body: [UInt8]) -> [UInt8] {
        switch self {
        case .contentLength:
            var out = Array("Content-Length: \(body.count)\r\n\r\n".utf8)
            out.reserveCapacity(out.count + body.count)
            out.append(contentsOf: body)
            return out
        case .newlineDelimited:
            var out = body
            out.append(UInt8(ascii: "\n"))
            return out
        }
    }
}

/// Size limits enforced while reading, before a message is buffered in full.
public struct FramingLimits: Sendable, Equatable {
    /// Largest message body accepted, in bytes (Content-Length, or an NDJSON line).
    public var maxMessageBytes: Int
    /// Largest LSP header block accepted, in bytes, including its terminating blank line.
    public var maxHeaderBytes: Int

    public init(maxMessageBytes: Int = 16 << 20, maxHeaderBytes: Int = 8 << 10) {
        self.maxMessageBytes = max(1, maxMessageBytes)
        self.maxHeaderBytes = max(32, maxHeaderBytes)
    }
}

/// A problem with the byte stream itself. After one, the stream cannot be resynchronised:
/// the connection should get one error reply (see `RPCError.init(framing:)`) and be closed.
public struct FramingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The first byte was neither a header letter nor `{` / `[`.
        case unrecognizedFraming
        /// An LSP header block that breaks the rules (missing or bad Content-Length, etc.).
        case malformedHeader
        /// A message or header larger than the configured limit.
        case limitExceeded(LimitViolation)
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
