/// Options and errors for `JSONValue.parse`.
///
/// Decisions recorded here (they are part of the protocol's contract):
/// - Duplicate object keys are an error. Different JSON readers keep the first or the last
///   duplicate, so accepting them lets a request mean different things to a proxy and to us.
/// - Integers outside `Int64` are an error, not rounded to doubles: a silently changed id or
///   document number is worse than a clear refusal. Send such values as strings.
/// - `NaN`, `Infinity` and other bare words are errors (they are not JSON).
/// - Input must be valid UTF-8 (no overlong forms, no surrogates), checked before jansson.
/// - `\u0000` inside string values is allowed (JSON permits it; Swift strings carry it), but
///   not inside object keys: jansson cannot store it there, so such keys are refused.
/// - Nesting deeper than `maxDepth` is refused before jansson sees the bytes, so hostile
///   input cannot exhaust the stack of jansson's or our recursive conversion.

/// Limits applied while parsing.
public struct JSONParseOptions: Sendable {
    /// The hard ceiling for `maxDepth`. The tree is converted recursively; this bound keeps
    /// that recursion well inside a secondary thread's 512 KiB stack whatever is configured.
    public static let depthCeiling = 1_000

    /// Maximum nesting of arrays and objects; a bare scalar is depth 0, `[]` is depth 1.
    public var maxDepth: Int

    public init(maxDepth: Int = 64) {
        self.maxDepth = Swift.max(1, Swift.min(maxDepth, Self.depthCeiling))
    }
}

/// Why a document could not be parsed. `offset` is the byte offset into the input where the
/// problem was found, when known; `limit` is set when a configured limit was exceeded.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int?
    public var limit: LimitViolation?

    public init(_ message: String, offset: Int? = nil, limit: LimitViolation? = nil) {
        self.message = message
        self.offset = offset
        self.limit = limit
    }

    public var description: String {
        if let offset { return "invalid JSON at byte \(offset): \(message)" }
        return "invalid JSON: \(message)"
    }
}
