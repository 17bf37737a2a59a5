/// `JSONInputGuard` makes one linear pass over untrusted bytes before jansson parses them,
/// refusing what we must never hand on or never accept:
///
/// - nesting deeper than the configured limit (the real reason for this pass: jansson and
///   our tree conversion recurse, and a megabyte of `[` must not cost a megabyte of stack);
/// - invalid UTF-8 inside strings (overlong forms, surrogates, code points past U+10FFFF,
///   truncated sequences);
/// - bare words other than `true`/`false`/`null`, with a pointed message for `NaN` and
///   `Infinity`, which some encoders emit;
/// - integer tokens outside `Int64`.
///
/// It is not a full JSON validator: grammar (commas, colons, escapes, leading zeros) is left to
/// jansson, which reports its own errors. The pass only needs to be right about what it
/// rejects, and cheap (it touches each byte once, no allocation).
struct JSONInputGuard {
    let maxDepth: Int

    func check(_ bytes: UnsafeRawBufferPointer) throws {
        var i = 0
        var depth = 0
        let n = bytes.count
        while i < n {
            let byte = bytes[i]
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > maxDepth {
                    throw JSONParseError(
                        "nesting deeper than \(maxDepth) levels", offset: i,
                        limit: LimitViolation(name: .jsonDepth, max: maxDepth, actual: depth))
                }
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth = max(0, depth - 1)  // unbalanced input is jansson's to report
                i += 1
            case UInt8(ascii: "\""):
                i = try skipString(bytes, openingQuote: i)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                i = try skipNumber(bytes, start: i)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                i = try skipWord(bytes, start: i)
            case 0x80...0xFF:
                throw JSONParseError(
                    "unexpected byte 0x\(hex(byte)) outside a string", offset: i)
            default:
                i += 1  // whitespace, punctuation, or a stray byte jansson will reject
            }
        }
    }

    /// Returns the index just past the closing quote.
    private func skipString(_ bytes: UnsafeRawBufferPointer, openingQuote: Int) throws -> Int {
        var i = openingQuote + 1
        let n = bytes.count
        while i < n {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") { return i + 1 }
            if byte == UInt8(ascii: "\\") {
                i += 2  // the escaped character is ASCII or jansson rejects it
            } else if byte < 0x80 {
                i += 1
            } else {
                i += try utf8SequenceLength(bytes, at: i)
            }
        }
        throw JSONParseError("unterminated string", offset: openingQuote)
    }

    /// Validates one multi-byte UTF-8 sequence starting at `i` (RFC 3629 table) and returns
    /// its length.
    private func utf8SequenceLength(_ bytes: UnsafeRawBufferPointer, at i: Int) throws -> Int {
        let lead = bytes[i]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF  // allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0  // no overlong 3-byte forms
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F  // no UTF-16 surrogates
        case 0xF0:
            length = 4
            low = 0x90  // no overlong 4-byte forms
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F  // nothing past U+10FFFF
        default:
            throw JSONParseError("invalid UTF-8 lead byte 0x\(hex(lead)) in string", offset: i)
        }
        guard i + length <= bytes.count else {
            throw JSONParseError("truncated UTF-8 sequence in string", offset: i)
        }
        for k in 1..<length {
            let byte = bytes[i + k]
            let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= lo, byte <= hi else {
                throw JSONParseError("invalid UTF-8 sequence in string", offset: i)
            }
        }
        return length
    }

    /// Skips a number token; checks that an integer token (no fraction, no exponent) fits
    /// in `Int64`. Returns the index just past the token.
    private func skipNumber(_ bytes: UnsafeRawBufferPointer, start: Int) throws -> Int {
        var i = start
        let n = bytes.count
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative {
            i += 1
            if i < n, isLetter(bytes[i]) {
                let end = wordEnd(bytes, from: i)
                throw JSONParseError(
                    "'-\(text(bytes, i..<end))' is not JSON (no NaN or Infinity)", offset: start)
            }
        }
        // Accumulate the magnitude as a negative number: Int64.min has no positive twin.
        var magnitude: Int64 = 0
        var overflow = false
        while i < n, let digit = digitValue(bytes[i]) {
            if !overflow {
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.subtractingReportingOverflow(Int64(digit))
                overflow = o1 || o2
                magnitude = s
            }
            i += 1
        }
        var isInteger = true
        while i < n, isNumberTail(bytes[i]) {
            isInteger = false
            i += 1
        }
        if isInteger && (overflow || (!negative && magnitude == Int64.min)) {
            throw JSONParseError(
                "integer \(text(bytes, start..<i)) does not fit in 64 bits (send it as a string)",
                offset: start)
        }
        return i
    }

    /// Bare words: only `true`, `false`, `null` are JSON. Returns the index past the word.
    private func skipWord(_ bytes: UnsafeRawBufferPointer, start: Int) throws -> Int {
        let end = wordEnd(bytes, from: start)
        let word = text(bytes, start..<end)
        switch word {
        case "true", "false", "null":
            return end
        case "NaN", "nan", "Infinity", "infinity", "inf", "Inf":
            throw JSONParseError("'\(word)' is not JSON (no NaN or Infinity)", offset: start)
        default:
            throw JSONParseError("unexpected word '\(word.prefix(32))'", offset: start)
        }
    }

    private func wordEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        var i = start
        while i < bytes.count, isLetter(bytes[i]) || digitValue(bytes[i]) != nil { i += 1 }
        return i
    }

    private func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z"))
            || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) || b == UInt8(ascii: "_")
    }

    private func digitValue(_ b: UInt8) -> UInt8? {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") ? b - UInt8(ascii: "0") : nil
    }

    /// Characters that may follow the integer part of a number: fraction and exponent.
    private func isNumberTail(_ b: UInt8) -> Bool {
        b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
            || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") || digitValue(b) != nil
    }

    private func text(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String {
        String(decoding: bytes[range.clamped(to: 0..<bytes.count)].prefix(64), as: UTF8.self)
    }

    private func hex(_ b: UInt8) -> String {
        let s = String(b, radix: 16, uppercase: true)
        return s.count == 1 ? "0" + s : s
    }
}
