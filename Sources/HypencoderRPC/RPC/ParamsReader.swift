/// `ParamsReader` reads typed values out of a request's `params` and, when a value is
/// missing or wrong, throws a -32602 `RPCError` whose message names the exact field path
/// and the rule it broke:
///
///     params.k: expected an integer in 1...1000, got 0
///     params.documents[3].vector: expected 384 numbers, got 383
///     params.documents[2].vector[7]: not a finite number
///
/// It knows nothing about particular methods: handlers walk the params with subscripts
/// (`reader["documents"][3]["vector"]`) and ask for the type they need. A reader for an
/// absent member is still a reader (with `value == nil`), so paths stay right however
/// deep the walk goes; the error comes when a value is required.
///
/// Optional fields: an absent member and an explicit `null` both mean "not given" and take
/// the default, since clients commonly send `null` for unset options.
public struct ParamsReader: Sendable {
    /// Where this value sits, e.g. `params.documents[3]`.
    public let path: String
    /// The value, or `nil` if the member is absent.
    public let value: JSONValue?

    public init(_ params: JSONValue?, path: String = "params") {
        self.value = params
        self.path = path
    }

    /// True when the member is present and not null.
    public var isGiven: Bool {
        guard let value else { return false }
        return !value.isNull
    }

    public subscript(key: String) -> ParamsReader {
        ParamsReader(value?[key], path: "\(path).\(key)")
    }

    public subscript(index: Int) -> ParamsReader {
        var element: JSONValue?
        if let elements = value?.arrayValue, elements.indices.contains(index) {
            element = elements[index]
        }
        return ParamsReader(element, path: "\(path)[\(index)]")
    }

    /// The error for this path; handlers use it for rules the helpers do not cover.
    public func error(_ problem: String) -> RPCError {
        .invalidParams(path: path, problem)
    }

    // MARK: Structure

    /// The object's members; also refuses members not in `allowedKeys` when it is given, so a
    /// misspelt option (`"topk"`) is an error instead of being silently ignored.
    @discardableResult
    public func object(allowedKeys: Set<String>? = nil) throws -> JSONObject {
        let object = try required("an object") { $0.objectValue }
        if let allowedKeys {
            for key in object.keys where !allowedKeys.contains(key) {
                throw RPCError.invalidParams(
                    path: "\(path).\(key)",
                    "unknown field (expected one of: \(allowedKeys.sorted().joined(separator: ", ")))")
            }
        }
        return object
    }

    /// Readers for each element, with their paths (`params.ids[0]`, ...).
    public func array(count allowed: ClosedRange<Int> = 0...Int.max) throws -> [ParamsReader] {
        let elements = try required("an array") { $0.arrayValue }
        guard allowed.contains(elements.count) else {
            throw error("expected an array of \(describe(allowed)) elements, got \(elements.count)")
        }
        return elements.indices.map { self[$0] }
    }

    // MARK: Scalars

    public func int(in range: ClosedRange<Int>) throws -> Int {
        let expectation = "an integer in \(range.lowerBound)...\(range.upperBound)"
        let number = try required(expectation) { $0.int64Value }
        guard let int = Int(exactly: number), range.contains(int) else {
            throw error("expected \(expectation), got \(number)")
        }
        return int
    }

    public func int(in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        isGiven ? try int(in: range) : fallback
    }

    public func double(in range: ClosedRange<Double> = -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude) throws
        -> Double
    {
        let number = try required("a number") { $0.doubleValue }
        guard range.contains(number) else {
            throw error("expected a number in \(range.lowerBound)...\(range.upperBound), got \(number)")
        }
        return number
    }

    public func double(in range: ClosedRange<Double>, default fallback: Double) throws -> Double {
        isGiven ? try double(in: range) : fallback
    }

    public func bool() throws -> Bool {
        try required("a boolean") { $0.boolValue }
    }

    public func bool(default fallback: Bool) throws -> Bool {
        isGiven ? try bool() : fallback
    }

    /// A string of at most `maxLength` bytes of UTF-8 (bytes, because that is what limits
    /// memory and tokenizer work), optionally required to be non-empty.
    public func string(maxLength: Int = Int.max, allowEmpty: Bool = true) throws -> String {
        let text = try required("a string") { $0.stringValue }
        if !allowEmpty && text.isEmpty { throw error("must not be empty") }
        guard text.utf8.count <= maxLength else {
            throw error("string of \(text.utf8.count) bytes is longer than the maximum of \(maxLength)")
        }
        return text
    }

    public func string(maxLength: Int = Int.max, default fallback: String) throws -> String {
        isGiven ? try string(maxLength: maxLength) : fallback
    }

    /// A text for the model to read (a query, a document): a string of at most `maxLength`
    /// bytes of UTF-8 that is neither empty nor only whitespace. Such a text tokenizes to
    /// nothing but `[CLS] [SEP]`, so every empty text would get the same vector or q-net:
    /// almost always a client bug (an unset field, a failed extraction) that is better
    /// refused, naming the field, than indexed as a document that matches nothing in particular.
    public func text(maxLength: Int) throws -> String {
        let text = try string(maxLength: maxLength)
        if text.isEmpty { throw error("must not be empty") }
        if text.unicodeScalars.allSatisfy(\.properties.isWhitespace) {
            throw error("must not be empty: it holds only whitespace (\(text.unicodeScalars.count) characters)")
        }
        return text
    }

    /// One of a fixed set of strings (an enumeration such as `"exact"` / `"approximate"`).
    public func choice(_ allowed: [String]) throws -> String {
        let text = try required("one of \(quoted(allowed))") { $0.stringValue }
        guard allowed.contains(text) else {
            throw error("expected one of \(quoted(allowed)), got \"\(text.prefix(40))\"")
        }
        return text
    }

    public func choice(_ allowed: [String], default fallback: String) throws -> String {
        isGiven ? try choice(allowed) : fallback
    }

    // MARK: Vectors

    /// A float32 vector given either as a JSON array of numbers or as a base64 string of
    /// little-endian float32 (`Float32Base64`). Every element must be finite and within the
    /// float32 range; `count`, when given, is the exact length required.
    public func floatVector(count expected: Int? = nil) throws -> [Float] {
        guard let value, !value.isNull else {
            throw error("missing (expected an array of numbers or a base64 float32 string)")
        }
        let vector: [Float]
        switch value {
        case .string(let text):
            do {
                vector = try Float32Base64.decode(text)
            } catch let decodeError as Float32Base64.DecodeError {
                throw error("invalid base64 float32 vector: \(decodeError.message)")
            }
        case .array(let elements):
            if let expected, elements.count != expected {
                throw error("expected \(expected) numbers, got \(elements.count)")
            }
            vector = try elements.enumerated().map { index, element in
                guard let number = element.doubleValue else {
                    throw RPCError.invalidParams(
                        path: "\(path)[\(index)]",
                        "expected a number, got \(element.typeDescription)")
                }
                let narrowed = Float(number)
                guard narrowed.isFinite else {
                    throw RPCError.invalidParams(
                        path: "\(path)[\(index)]",
                        "\(number) is outside the float32 range")
                }
                return narrowed
            }
        default:
            throw error(
                "expected an array of numbers or a base64 float32 string, "
                    + "got \(value.typeDescription)")
        }
        if let expected, vector.count != expected {
            throw error("expected \(expected) numbers, got \(vector.count)")
        }
        if let bad = vector.firstIndex(where: { !$0.isFinite }) {
            throw RPCError.invalidParams(path: "\(path)[\(bad)]", "not a finite number")
        }
        return vector
    }

    // MARK: Helpers

    /// Extracts a required value with `convert`, or throws "missing"/"expected X, got Y".
    private func required<T>(_ expectation: String, _ convert: (JSONValue) -> T?) throws -> T {
        guard let value else { throw error("missing (expected \(expectation))") }
        guard let converted = convert(value) else {
            throw error("expected \(expectation), got \(shortDescription(value))")
        }
        return converted
    }

    /// Numbers and booleans are shown as written; other values by type.
    private func shortDescription(_ value: JSONValue) -> String {
        switch value {
        case .integer, .double, .bool: return value.serializedString()
        default: return value.typeDescription
        }
    }

    private func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
        if range.lowerBound == range.upperBound { return "exactly \(range.lowerBound)" }
        return "\(range.lowerBound)...\(range.upperBound)"
    }

    private func quoted(_ words: [String]) -> String {
        words.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}
