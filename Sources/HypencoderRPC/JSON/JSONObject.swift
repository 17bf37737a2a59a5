/// `JSONObject` is a JSON object whose members keep the order they were parsed or inserted
/// in, so replies print their keys in the order the code (or the client) wrote them.
///
/// Keys are unique: the parser rejects documents with duplicate keys (see
/// `JSONParseOptions`), and assigning to an existing key replaces its value in place.
/// Lookups are linear; protocol objects have a handful of members, and a linear scan over
/// a small array beats hashing for them. Equality ignores order, as JSON does.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSONValue)

    public private(set) var keys: [String] = []
    public private(set) var values: [JSONValue] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    /// Builds an object from members already known to have distinct keys (the parser's
    /// path: jansson has rejected duplicates), skipping the per-insert uniqueness scan.
    init(uniqueKeys keys: [String], values: [JSONValue]) {
        self.keys = keys
        self.values = values
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// The member's value, or `nil` if absent. Setting `nil` removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = keys.firstIndex(of: key) else { return nil }
            return values[i]
        }
        set {
            if let i = keys.firstIndex(of: key) {
                if let newValue {
                    values[i] = newValue
                } else {
                    keys.remove(at: i)
                    values.remove(at: i)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    public func contains(key: String) -> Bool { keys.contains(key) }

    public func makeIterator() -> AnyIterator<Element> {
        var index = 0
        return AnyIterator {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            return (keys[index], values[index])
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for (key, value) in lhs where rhs[key] != value { return false }
        return true
    }
}
