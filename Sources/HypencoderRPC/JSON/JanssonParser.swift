/// The only file that touches jansson. It parses bytes into a `json_t` tree, converts that
/// tree into a `JSONValue`, and releases the tree before returning, on every path.
///
/// Why jansson for reading: it is a mature, fuzzed C parser and a required dependency of
/// the daemon (DESIGN.md §1). Our own pre-pass (`JSONInputGuard`) runs first so hostile
/// input (deep nesting, bad UTF-8, NaN, out-of-range integers) is refused with a clear
/// message before jansson recurses into it.
///
/// Writing goes the other way without jansson (see `JSONWriter.swift`): jansson prints every
/// real with one fixed `%.Ng` precision, so it cannot give both exact double ids ("0.1", not
/// "0.10000000000000001") and short float32 vectors; a Swift writer gives shortest
/// round-trip text for each number and never allocates a `json_t`.
import CJansson

extension JSONValue {
    /// Parses one JSON document (any value at the top level, not only objects/arrays).
    /// Throws `JSONParseError`; never crashes on any input.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer,
        options: JSONParseOptions = JSONParseOptions()
    ) throws -> JSONValue {
        try JSONInputGuard(maxDepth: options.maxDepth).check(bytes)
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONParseError("empty input", offset: 0)
        }
        var error = json_error_t()
        let flags = Int(JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)
        guard
            let root = json_loadb(
                base.assumingMemoryBound(to: CChar.self), bytes.count,
                flags, &error)
        else {
            throw JSONParseError(errorText(&error), offset: Int(error.position))
        }
        defer { json_decref(root) }
        return convert(root)
    }

    public static func parse(
        _ bytes: [UInt8],
        options: JSONParseOptions = JSONParseOptions()
    ) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0, options: options) }
    }

    public static func parse(
        _ bytes: ArraySlice<UInt8>,
        options: JSONParseOptions = JSONParseOptions()
    ) throws -> JSONValue {
        try bytes.withUnsafeBytes { try parse($0, options: options) }
    }

    public static func parse(
        _ text: String,
        options: JSONParseOptions = JSONParseOptions()
    ) throws -> JSONValue {
        try parse(Array(text.utf8), options: options)
    }

    /// Converts a jansson tree. Recursion depth is bounded by `JSONParseOptions.maxDepth`,
    /// which the guard has already enforced.
    private static func convert(_ node: UnsafeMutablePointer<json_t>) -> JSONValue {
        switch hc_json_typeof(node) {
        case Int32(JSON_OBJECT.rawValue):
            var keys: [String] = []
            var values: [JSONValue] = []
            keys.reserveCapacity(json_object_size(node))
            values.reserveCapacity(json_object_size(node))
            var iter = json_object_iter(node)
            while let it = iter {
                let keyLength = json_object_iter_key_len(it)
                let key =
                    json_object_iter_key(it).map {
                        $0.withMemoryRebound(to: UInt8.self, capacity: keyLength) {
                            String(
                                decoding: UnsafeBufferPointer(start: $0, count: keyLength),
                                as: UTF8.self)
                        }
                    } ?? ""
                keys.append(key)
                values.append(json_object_iter_value(it).map(convert) ?? .null)
                iter = json_object_iter_next(node, it)
            }
            return .object(JSONObject(uniqueKeys: keys, values: values))
        case Int32(JSON_ARRAY.rawValue):
            let count = json_array_size(node)
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                elements.append(json_array_get(node, index).map(convert) ?? .null)
            }
            return .array(elements)
        case Int32(JSON_STRING.rawValue):
            let length = json_string_length(node)
            guard let chars = json_string_value(node) else { return .string("") }
            return .string(
                chars.withMemoryRebound(to: UInt8.self, capacity: length) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
                })
        case Int32(JSON_INTEGER.rawValue):
            return .integer(Int64(json_integer_value(node)))
        case Int32(JSON_REAL.rawValue):
            return .double(json_real_value(node))
        case Int32(JSON_TRUE.rawValue):
            return .bool(true)
        case Int32(JSON_FALSE.rawValue):
            return .bool(false)
        default:
            return .null
        }
    }

    private static func errorText(_ error: inout json_error_t) -> String {
        withUnsafeBytes(of: &error.text) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
