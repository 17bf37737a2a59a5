/// Parses one LSP base-protocol header block (the bytes before the blank line) and returns
/// the body length it announces.
///
/// Rules, following the LSP specification's "Base Protocol": lines end with `\r\n`; each is
/// `Name: value`; names are case-insensitive; `Content-Length` is required, once, as a plain
/// decimal number; `Content-Type` is optional and, if it names a charset, it must be UTF-8
/// (the spec also tolerates the legacy spelling `utf8`). Unknown headers are ignored, as the
/// spec allows future headers. Every refusal names the header and the offending value.
enum ContentLengthHeader {
    static func bodyLength(headerBlock: ArraySlice<UInt8>, limits: FramingLimits) throws -> Int {
        var contentLength: Int?
        for rawLine in split(headerBlock) {
            let line = String(decoding: rawLine, as: UTF8.self)
            guard let colon = line.firstIndex(of: ":") else {
                throw FramingError(
                    .malformedHeader,
                    "header line '\(line.prefix(64))' has no ':'")
            }
            let name = line[..<colon]
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                throw FramingError(
                    .malformedHeader,
                    "invalid header name '\(name.prefix(64))'")
            }
            let value = line[line.index(after: colon)...].trimmingSpaces()
            switch name.lowercased() {
            case "content-length":
                guard contentLength == nil else {
                    throw FramingError(.malformedHeader, "duplicate Content-Length header")
                }
                contentLength = try parseLength(value, limits: limits)
            case "content-type":
                try checkContentType(value)
            default:
                continue  // unknown headers are allowed and ignored
            }
        }
        guard let contentLength else {
            throw FramingError(.malformedHeader, "missing Content-Length header")
        }
        return contentLength
    }

    /// Header names are HTTP tokens; we accept the common subset (letters, digits, '-', '_',
    /// '.'). This also makes a body that overran a lying Content-Length fail loudly.
    private static func isTokenByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
    }

    private static func parseLength(_ value: Substring, limits: FramingLimits) throws -> Int {
        let shown = value.prefix(32)
        if value.hasPrefix("-") {
            throw FramingError(.malformedHeader, "Content-Length '\(shown)' is negative")
        }
        guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw FramingError(
                .malformedHeader,
                "Content-Length '\(shown)' is not a decimal number")
        }
        let max = limits.maxMessageBytes
        // A number too long for Int is certainly over the limit.
        let length = Int(value) ?? Int.max
        guard length <= max else {
            throw FramingError(
                .limitExceeded(LimitViolation(name: .messageBytes, max: max, actual: length)),
                "Content-Length \(shown) exceeds the maximum message size of \(max) bytes")
        }
        return length
    }

    private static func checkContentType(_ value: Substring) throws {
        for parameter in value.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpaces().lowercased() == "charset" else {
                continue
            }
            let charset = pair[1].trimmingSpaces().lowercased()
                .trimmingCharacters(in: "\"")
            guard charset == "utf-8" || charset == "utf8" else {
                throw FramingError(
                    .malformedHeader,
                    "unsupported charset '\(charset.prefix(32))' (only utf-8)")
            }
        }
    }

    /// Splits the header block on `\r\n`. A bare `\n` is not a line end in the base protocol,
    /// so it stays inside the line and the line is then refused as malformed.
    private static func split(_ block: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = block.startIndex
        var i = block.startIndex
        while i < block.endIndex {
            if block[i] == 0x0D, i + 1 < block.endIndex, block[i + 1] == 0x0A {
                lines.append(block[lineStart..<i])
                i += 2
                lineStart = i
            } else {
                i += 1
            }
        }
        lines.append(block[lineStart..<block.endIndex])
        return lines
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (header whitespace, RFC 7230 OWS).
    fileprivate func trimmingSpaces() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        let sub = self[...]
        guard let first = sub.firstIndex(where: { !isSpace($0) }),
            let last = sub.lastIndex(where: { !isSpace($0) })
        else { return Substring() }
        return Substring(sub[first...last])
    }

    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = String(self)
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return s
    }
}
