/// One gitignore glob, matched the way git's `wildmatch` matches it with `WM_PATHNAME`.
///
/// Users write their ignore files for git, so "what git would ignore" is the only useful
/// definition of a match; this is a line-for-line port of git's `wildmatch.c` (`dowild`)
/// rather than a translation to regular expressions, so the corner cases (`**` only special
/// when it fills a whole path segment, `*` never crossing `/`, the first `]` of a class being
/// literal, `\` escaping any character) behave exactly as they do in git.
///
/// Matching works on UTF-8 bytes, as git does: `?` and classes match one byte, so a pattern
/// like `caf?` does not match `café` (two bytes for `é`) — the same answer git gives.
struct GlobPattern: Sendable {
    /// The pattern's bytes, after the ignore-file syntax (`!`, anchoring `/`, trailing `/`)
    /// has been taken off by `IgnoreRule`.
    let bytes: [UInt8]

    init(_ pattern: Substring) {
        bytes = Array(pattern.utf8)
    }

    /// Whether the whole of `text` (a path relative to the ignore file's directory, or a
    /// single name) matches the whole pattern.
    func matches(_ text: ArraySlice<UInt8>) -> Bool {
        return match(patternFrom: 0, text: text, textFrom: text.startIndex) == .match
    }

    /// `dowild`'s four answers. The two abort answers let a failing inner match tell the outer
    /// `*` loops that no later starting point can succeed either, which keeps matching linear
    /// for ordinary patterns instead of exponential.
    private enum Outcome {
        case match
        case noMatch
        /// No suffix of the text can match: stop every enclosing `*` loop.
        case abortAll
        /// Only an enclosing `**` (which may cross `/`) could still find a match.
        case abortToDoubleStar
    }

    private static let star = UInt8(ascii: "*")
    private static let slash = UInt8(ascii: "/")
    private static let backslash = UInt8(ascii: "\\")

    private static func isGlobSpecial(_ byte: UInt8) -> Bool {
        return byte == star || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "[") || byte == backslash
    }

    private func match(patternFrom patternStart: Int, text: ArraySlice<UInt8>, textFrom textStart: Int) -> Outcome {
        let pattern = bytes
        var p = patternStart
        var t = textStart
        while p < pattern.count {
            let patternByte = pattern[p]
            let textByte: UInt8? = t < text.endIndex ? text[t] : nil
            if textByte == nil && patternByte != Self.star { return .abortAll }
            switch patternByte {
            case Self.backslash:
                // An escaped byte matches itself only; a lone trailing backslash matches nothing.
                p += 1
                guard p < pattern.count, textByte == pattern[p] else { return .noMatch }
            case UInt8(ascii: "?"):
                if textByte == Self.slash { return .noMatch }
            case Self.star:
                p += 1
                var crossesSlashes = false
                if p < pattern.count && pattern[p] == Self.star {
                    let beforeStars = p - 2
                    while p < pattern.count && pattern[p] == Self.star { p += 1 }
                    let startsSegment = beforeStars < 0 || pattern[beforeStars] == Self.slash
                    let endsSegment =
                        p == pattern.count || pattern[p] == Self.slash
                        || (pattern[p] == Self.backslash && p + 1 < pattern.count && pattern[p + 1] == Self.slash)
                    if startsSegment && endsSegment {
                        // `**/` may stand for no directories at all: `a/**/b` matches `a/b`.
                        if p < pattern.count && pattern[p] == Self.slash
                            && match(patternFrom: p + 1, text: text, textFrom: t) == .match
                        {
                            return .match
                        }
                        crossesSlashes = true
                    }
                    // Otherwise `**` inside a segment (`a**b`) is just `*`.
                }
                if p == pattern.count {
                    // A trailing `**` takes everything; a trailing `*` only the rest of this segment.
                    if !crossesSlashes && text[t...].contains(Self.slash) { return .abortToDoubleStar }
                    return .match
                }
                if !crossesSlashes && pattern[p] == Self.slash {
                    // `*/` takes the rest of this segment; the loop step then matches the slashes.
                    guard let nextSlash = text[t...].firstIndex(of: Self.slash) else { return .abortAll }
                    t = nextSlash
                    break
                }
                return matchStar(patternFrom: p, text: text, textFrom: t, crossesSlashes: crossesSlashes)
            case UInt8(ascii: "["):
                guard let textByte else { return .abortAll }
                switch matchClass(patternFrom: p + 1, byte: textByte) {
                case .none:
                    return .abortAll
                case .some((let matched, let closingBracket)):
                    if !matched || textByte == Self.slash { return .noMatch }
                    p = closingBracket
                }
            default:
                if textByte != patternByte { return .noMatch }
            }
            p += 1
            t += 1
        }
        return t == text.endIndex ? .match : .noMatch
    }

    /// Tries every place where the rest of the pattern (after a `*` or `**`) could begin.
    private func matchStar(patternFrom p: Int, text: ArraySlice<UInt8>, textFrom start: Int, crossesSlashes: Bool)
        -> Outcome
    {
        let pattern = bytes
        var t = start
        while t < text.endIndex {
            // When a literal follows the star, skip straight to its next occurrence: the bytes
            // before it can only belong to the star.
            if !Self.isGlobSpecial(pattern[p]) {
                let literal = pattern[p]
                while t < text.endIndex && (crossesSlashes || text[t] != Self.slash) && text[t] != literal { t += 1 }
                if t == text.endIndex || text[t] != literal {
                    return crossesSlashes ? .abortAll : .abortToDoubleStar
                }
            }
            let outcome = match(patternFrom: p, text: text, textFrom: t)
            if outcome != .noMatch {
                if !crossesSlashes || outcome != .abortToDoubleStar { return outcome }
            } else if !crossesSlashes && text[t] == Self.slash {
                return .abortToDoubleStar
            }
            t += 1
        }
        return .abortAll
    }

    /// Matches `byte` against the bracket expression whose contents start at `start` (just
    /// after `[`). Returns whether it matched and the index of the closing `]`, or nil when
    /// the class never closes (git then matches nothing at all).
    private func matchClass(patternFrom start: Int, byte: UInt8) -> (matched: Bool, closingBracket: Int)? {
        let pattern = bytes
        var p = start
        guard p < pattern.count else { return nil }
        var current = pattern[p]
        let negated = current == UInt8(ascii: "!") || current == UInt8(ascii: "^")
        if negated {
            p += 1
            guard p < pattern.count else { return nil }
            current = pattern[p]
        }
        var matched = false
        var previous: UInt8 = 0  // 0: no range start available
        // The first byte is taken before looking for `]`, so `[]a]` is a class of `]` and `a`.
        repeat {
            if current == Self.backslash {
                p += 1
                guard p < pattern.count else { return nil }
                current = pattern[p]
                if byte == current { matched = true }
            } else if current == UInt8(ascii: "-") && previous != 0 && p + 1 < pattern.count
                && pattern[p + 1] != UInt8(ascii: "]")
            {
                p += 1
                var upper = pattern[p]
                if upper == Self.backslash {
                    p += 1
                    guard p < pattern.count else { return nil }
                    upper = pattern[p]
                }
                if byte >= previous && byte <= upper { matched = true }
                current = 0  // a range cannot start another range
            } else if current == UInt8(ascii: "[") && p + 1 < pattern.count && pattern[p + 1] == UInt8(ascii: ":") {
                guard let closing = pattern[(p + 2)...].firstIndex(of: UInt8(ascii: "]")) else { return nil }
                if closing - 1 >= p + 2 && pattern[closing - 1] == UInt8(ascii: ":") {
                    let name = String(decoding: pattern[(p + 2)..<(closing - 1)], as: UTF8.self)
                    guard let test = Self.namedClasses[name] else { return nil }  // git: malformed class
                    if test(byte) { matched = true }
                    p = closing
                    current = 0
                } else if byte == current {
                    // No `:]`: an ordinary `[` inside the class.
                    matched = true
                }
            } else if byte == current {
                matched = true
            }
            previous = current
            p += 1
            guard p < pattern.count else { return nil }
            current = pattern[p]
        } while current != UInt8(ascii: "]")
        return (matched != negated, p)
    }

    /// The POSIX classes git accepts inside brackets (`[[:digit:]]`), in the C locale.
    private static let namedClasses: [String: @Sendable (UInt8) -> Bool] = [
        "alnum": { isLetter($0) || isDigit($0) },
        "alpha": { isLetter($0) },
        "blank": { $0 == 0x20 || $0 == 0x09 },
        "cntrl": { $0 < 0x20 || $0 == 0x7F },
        "digit": { isDigit($0) },
        "graph": { $0 > 0x20 && $0 < 0x7F },
        "lower": { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") },
        "print": { $0 >= 0x20 && $0 < 0x7F },
        "punct": { $0 > 0x20 && $0 < 0x7F && !isLetter($0) && !isDigit($0) },
        "space": { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) },
        "upper": { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") },
        "xdigit": { isDigit($0) || (($0 | 0x20) >= UInt8(ascii: "a") && ($0 | 0x20) <= UInt8(ascii: "f")) },
    ]

    private static func isLetter(_ byte: UInt8) -> Bool {
        let lowered = byte | 0x20
        return lowered >= UInt8(ascii: "a") && lowered <= UInt8(ascii: "z")
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        return byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
