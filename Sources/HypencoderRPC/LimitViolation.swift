/// `LimitViolation` describes one configured limit that input went past: which limit, its
/// maximum, and the value seen. The JSON parser (nesting depth), the framer (message and
/// header sizes) and the JSON-RPC layer (batch length) all report limits this way, so the
/// daemon can turn any of them into the same JSON-RPC error
/// (`RPCError.limitExceeded`, data `{"limit": name, "max": n, "actual": m}`) and a client
/// can tell which knob to turn.
public struct LimitViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable, machine-readable limit names. They appear in error `data.limit`.
    public enum Name: String, Sendable {
        case jsonDepth = "json.depth"
        case messageBytes = "message.bytes"
        case headerBytes = "header.bytes"
        case batchLength = "batch.length"
    }

    public var name: Name
    public var max: Int
    /// The value observed. For limits detected while reading, this is a lower bound (e.g. the
    /// depth or byte count at which reading stopped), since the rest is never looked at.
    public var actual: Int

    public init(name: Name, max: Int, actual: Int) {
        self.name = name
        self.max = max
        self.actual = actual
    }

    public var description: String {
        "\(name.rawValue) limit exceeded: maximum \(max), got \(actual)"
    }
}
