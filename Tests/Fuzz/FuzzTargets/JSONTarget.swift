import HypencoderRPC

/// The JSON reader every message goes through: `JSONInputGuard` (depth, UTF-8, 64-bit
/// integers, no NaN) in front of jansson, then the conversion to `JSONValue`.
///
/// Invariants: whatever parses serializes to text that parses back to the same value
/// (`JSONWriter` output is always accepted by the reader), and the serialized form is a fixed
/// point; nothing deeper than the depth limit is accepted.
enum JSONTarget {
    static let options = JSONParseOptions(maxDepth: 16)

    static let target = FuzzTarget(
        name: "json",
        summary: "JSONValue.parse (JSONInputGuard + jansson) and JSONWriter round trips",
        maxLength: 4096,
        seeds: seeds,
        run: run)

    static func run(_ input: UnsafeRawBufferPointer) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(input, options: options)
        } catch is JSONParseError {
            return
        } catch {
            return FuzzCheck.require(false, "JSONValue.parse threw a \(type(of: error)), not a JSONParseError")
        }
        FuzzCheck.require(depth(value) <= options.maxDepth, "accepted nesting deeper than \(options.maxDepth)")
        let text = value.serialized()
        let again: JSONValue
        do {
            again = try JSONValue.parse(text, options: options)
        } catch {
            return FuzzCheck.require(false, "serialized form \(String(decoding: text, as: UTF8.self)) does not parse: \(error)")
        }
        FuzzCheck.require(again == value, "round trip changed \(value) into \(again)")
        FuzzCheck.require(again.serialized() == text, "serialization is not a fixed point: \(text)")
    }

    static func depth(_ value: JSONValue) -> Int {
        switch value {
        case .array(let elements): return 1 + (elements.map(depth).max() ?? 0)
        case .object(let object): return 1 + (object.map { depth($0.value) }.max() ?? 0)
        default: return 0
        }
    }

    static func seeds() -> [(name: String, bytes: [UInt8])] {
        textSeeds([
            ("request", #"{"jsonrpc":"2.0","id":1,"method":"search","params":{"query":"cat","k":2,"include":["text"]}}"#),
            ("numbers", #"[0,-0,1.5,-2.25e-3,1E+300,9223372036854775807,-9223372036854775808,1e400,0.1]"#),
            ("strings", #"["a\"b\\c\/d\b\f\n\r\t","\u00e9\u4e2d\ud83d\ude00","\u0000x","é中😀"]"#),
            ("nested", "[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]"),
            ("too-deep", "[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]"),
            ("literals", #"{"t":true,"f":false,"n":null,"e":{},"a":[]}"#),
            ("duplicate-keys", #"{"a":1,"a":2}"#),
            ("nan", #"[NaN,-Infinity]"#),
            ("big-integer", "123456789012345678901234567890"),
            ("scalar", #""just a string""#),
        ])
    }
}
