/// Finds special tokens written literally in the text, such as `"[SEP]"`.
///
/// Hugging Face matches its special tokens in the raw text before any normalisation, case-sensitively
/// and anywhere (also inside words: `"a[SEP]b"` is `a`, `[SEP]`, `b`), and emits their ids directly.
/// We do the same so that ids agree on every input, including text that quotes these tokens.
struct SpecialTokenMatcher: Sendable {
    enum Segment {
        case text(Range<String.Index>)
        case special(Int32)
    }

    private let tokens: [(bytes: [UInt8], id: Int32)]
    /// `startsToken[b]`: some token starts with byte b (a 256-entry table: cheaper than a Set per byte).
    private let startsToken: [Bool]

    init(tokens: [(String, Int32)]) {
        // Longest first, so that a token which is a prefix of another does not win.
        self.tokens = tokens.map { (Array($0.0.utf8), $0.1) }
            .filter { !$0.0.isEmpty }
            .sorted { $0.0.count > $1.0.count }
        var startsToken = [Bool](repeating: false, count: 256)
        for token in self.tokens { startsToken[Int(token.bytes[0])] = true }
        self.startsToken = startsToken
    }

    /// Calls `body` with the text between special tokens and with each special token, in order,
    /// until `body` returns false. Empty text segments are skipped.
    func forEachSegment(of text: String, _ body: (Segment) -> Bool) {
        let utf8 = text.utf8
        var segmentStart = utf8.startIndex
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let byte = utf8[index]
            if startsToken[Int(byte)], let (id, end) = match(in: utf8, at: index) {
                if segmentStart < index, !body(.text(segmentStart..<index)) { return }
                if !body(.special(id)) { return }
                segmentStart = end
                index = end
            } else {
                index = utf8.index(after: index)
            }
        }
        if segmentStart < utf8.endIndex { _ = body(.text(segmentStart..<utf8.endIndex)) }
    }

    private func match(in utf8: String.UTF8View, at start: String.Index) -> (Int32, String.Index)? {
        for token in tokens {
            var index = start
            var matched = true
            for byte in token.bytes {
                guard index < utf8.endIndex, utf8[index] == byte else {
                    matched = false
                    break
                }
                index = utf8.index(after: index)
            }
            if matched { return (token.id, index) }
        }
        return nil
    }
}
