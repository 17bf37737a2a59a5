/// `JSONValue` is the in-memory form of every JSON document the protocol layer handles:
/// requests are parsed into it (see `JSONValue.parse`, which goes through jansson) and
/// replies are built from it (see `JSONValue.serialized`).
///
/// Why a Swift enum rather than passing jansson's `json_t` around: `json_t` is reference
/// counted by hand, so every holder would have to remember to `json_decref`. Converting once
/// at the edge keeps all manual memory management in one file (`JanssonParser.swift`).
///
/// Numbers keep the distinction JSON text makes: a token without fraction or exponent is an
/// `.integer` (must fit in `Int64`; larger integers are rejected by the parser rather than
/// silently rounded), anything else is a `.double`. `.integer(1)` and `.double(1)` are
/// therefore different values, which is what lets a request `id` be echoed as it was sent.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue: Equatable {
    /// Structural equality. Objects compare as sets of members (key order is ignored, as JSON
    /// itself does); numbers compare by case and value, so `.integer(1) != .double(1)`.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.double(let a), .double(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)): return a == b
        default: return false
        }
    }
}

// MARK: - Convenience constructors

extension JSONValue {
    /// A float32 as a JSON number that prints with the fewest digits that read back as the
    /// same `Float` ("0.1", not "0.10000000149011612").
    ///
    /// The writer prints doubles with the shortest text that round-trips the *double*; a
    /// widened float32 needs up to 17 digits that way. Going through the float's own shortest
    /// text gives a double whose shortest text is those same few digits. We check that the
    /// double narrows back to the same float and fall back to plain widening if it ever does
    /// not, so the round trip is guaranteed either way. Non-finite floats become `.double`
    /// NaN/infinity, which the writer emits as `null` (JSON has no token for them).
    public static func float32(_ value: Float) -> JSONValue {
        guard value.isFinite else { return .double(Double(value)) }
        if let short = Double(value.description), Float(short) == value {
            return .double(short)
        }
        return .double(Double(value))
    }

    /// An array of float32 numbers, each printed with its shortest round-tripping text.
    public static func float32Array<S: Sequence>(_ values: S) -> JSONValue where S.Element == Float {
        .array(values.map { JSONValue.float32($0) })
    }
}

// MARK: - Accessors

extension JSONValue {
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as an integer if it is an integer token, or a double that is exactly a
    /// whole number within `Int64` (clients written in JavaScript send `5.0` for `5`).
    public var int64Value: Int64? {
        switch self {
        case .integer(let i): return i
        case .double(let d):
            // 2^63 is exactly representable; anything >= it does not fit.
            guard d.isFinite, d == d.rounded(), d >= -9_223_372_036_854_775_808.0,
                d < 9_223_372_036_854_775_808.0
            else { return nil }
            return Int64(d)
        default: return nil
        }
    }

    /// The value as a double for either kind of number (integers may lose precision
    /// beyond 2^53, as with any JSON reader that uses doubles).
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Member lookup on an object; `nil` for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The JSON type name used in error messages ("expected an object, got a string").
    public var typeDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

// MARK: - Literals (for building replies and for tests)

/// There is deliberately no `ExpressibleByNilLiteral`: with it, a `nil` meant as "absent"
/// (`Optional.none`) can silently become JSON `null` wherever the type checker picks
/// `JSONValue` over `JSONValue?`. Write `.null`.
extension JSONValue: ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral, ExpressibleByStringLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text, as it would go on the wire.
    public var description: String { serializedString() }
}
