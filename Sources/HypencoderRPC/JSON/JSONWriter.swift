/// `JSONWriter` turns a `JSONValue` into compact JSON text (no spaces, no newlines), which
/// is also what makes newline-delimited framing safe: a serialized message never contains a
/// raw line break.
///
/// Numbers: integers print exactly; doubles print with the shortest text that reads back as
/// the same double (Swift's own `description`, which is valid JSON for every finite value),
/// so an id sent as `0.1` comes back as `0.1`, and a float32 made with `JSONValue.float32`
/// prints with at most 9 significant digits. NaN and infinities have no JSON token; they
/// are written as `null`, as JavaScript's `JSON.stringify` does, rather than producing
/// text no client can read. Strings escape only what JSON requires (quote, backslash,
/// control characters); other Unicode is written as UTF-8.
/// (Why not jansson's `json_dumps`: see the note in `JanssonParser.swift`.)
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            append("null")
        case .bool(let b):
            append(b ? "true" : "false")
        case .integer(let i):
            append(String(i))
        case .double(let d):
            writeDouble(d)
        case .string(let s):
            writeString(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in object.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(member.key)
                bytes.append(UInt8(ascii: ":"))
                write(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func writeDouble(_ d: Double) {
        guard d.isFinite else { return append("null") }
        // Swift prints e.g. "1e-07", "1e+16", "0.1", "-0.0", "5e-324": all valid JSON numbers.
        append(d.description)
    }

    private mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            case 0x08: append("\\b")
            case 0x0C: append("\\f")
            case 0x00..<0x20:
                append("\\u00")
                bytes.append(hexDigit(byte >> 4))
                bytes.append(hexDigit(byte & 0x0F))
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    private mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }
}

extension JSONValue {
    /// Compact UTF-8 JSON text for this value.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// Compact JSON text as a `String` (for logs and tests).
    public func serializedString() -> String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
