/// `Float32Base64` moves float32 vectors as base64 text of their little-endian bytes
/// (standard alphabet, `=` padding, RFC 4648 §4). A 384-number vector is 2,048 characters
/// this way against roughly 4,000 as a JSON array, and decoding it is a table lookup per
/// character instead of a decimal parse per number (DESIGN.md §5 measured 4–20× faster).
///
/// Decoding is strict so that a vector cannot be silently misread: no whitespace, no line
/// breaks, no URL-safe alphabet, padding only at the end, unused bits zero, and a byte count
/// that is a whole number of floats. Each refusal names the problem and its offset.
/// Non-finite values decode as they are; callers that need finite numbers check them
/// (`ParamsReader.floatVector` does, naming the element).
public enum Float32Base64 {
    public struct DecodeError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    private static let alphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Sextet value for each byte, or 0xFF for bytes outside the alphabet.
    private static let sextets: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, char) in alphabet.enumerated() { table[Int(char)] = UInt8(value) }
        return table
    }()

    /// Encodes floats as base64 of their little-endian IEEE 754 bytes.
    public static func encode<C: Collection>(_ values: C) -> String where C.Element == Float {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.count * 4)
        for value in values {
            let bits = value.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return encodeBytes(bytes)
    }

    /// Decodes base64 text into floats; see the type's documentation for what is refused.
    public static func decode(_ text: String) throws -> [Float] {
        var utf8 = Array(text.utf8)
        return try utf8.withUnsafeMutableBytes { try decode(UnsafeRawBufferPointer($0)) }
    }

    private static func encodeBytes(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let group = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            appendSextets(group, count: 4, to: &out)
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            appendSextets(UInt32(bytes[i]) << 16, count: 2, to: &out)
            out.append(contentsOf: "==".utf8)
        } else if rest == 2 {
            appendSextets(UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8, count: 3, to: &out)
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendSextets(_ group: UInt32, count: Int, to out: inout [UInt8]) {
        for k in 0..<count {
            out.append(alphabet[Int((group >> UInt32(18 - 6 * k)) & 0x3F)])
        }
    }

    private static func decode(_ text: UnsafeRawBufferPointer) throws -> [Float] {
        let n = text.count
        guard n % 4 == 0 else {
            throw DecodeError(message: "base64 length \(n) is not a multiple of 4")
        }
        var padding = 0
        if n >= 1, text[n - 1] == UInt8(ascii: "=") { padding += 1 }
        if padding == 1, n >= 2, text[n - 2] == UInt8(ascii: "=") { padding += 1 }
        let byteCount = n / 4 * 3 - padding
        guard byteCount % 4 == 0 else {
            throw DecodeError(
                message:
                    "base64 decodes to \(byteCount) bytes, not a whole number of float32 values (4 bytes each)")
        }
        var bytes = [UInt8](repeating: 0, count: byteCount)
        var out = 0
        var i = 0
        while i < n {
            var group: UInt32 = 0
            let isLast = i + 4 == n
            let dataChars = isLast ? 4 - padding : 4
            for k in 0..<4 {
                let char = text[i + k]
                if k >= dataChars { continue }  // trailing '=' already accounted for
                let value = sextets[Int(char)]
                guard value != 0xFF else {
                    if char == UInt8(ascii: "=") {
                        throw DecodeError(
                            message:
                                "base64 padding '=' at offset \(i + k) before the end of the text")
                    }
                    let shown =
                        char >= 0x21 && char < 0x7F
                        ? "'\(Character(Unicode.Scalar(char)))'" : "byte 0x\(String(char, radix: 16))"
                    throw DecodeError(
                        message:
                            "invalid base64 character \(shown) at offset \(i + k)")
                }
                group |= UInt32(value) << UInt32(18 - 6 * k)
            }
            let produced = dataChars - 1  // 4 chars → 3 bytes, 3 → 2, 2 → 1
            let unusedBits = group & (0xFF_FFFF >> UInt32(8 * produced))
            guard unusedBits == 0 else {
                throw DecodeError(
                    message:
                        "non-zero padding bits in the last base64 group at offset \(i) (not canonical base64)")
            }
            for k in 0..<produced {
                bytes[out] = UInt8(truncatingIfNeeded: group >> UInt32(16 - 8 * k))
                out += 1
            }
            i += 4
        }
        return stride(from: 0, to: byteCount, by: 4).map { offset in
            let bits =
                UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
                | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
            return Float(bitPattern: bits)
        }
    }
}
