/// A run of whole lines of one file, the unit the index stores and search returns.
public struct Passage: Equatable, Sendable {
    /// The first line, 1-based, as an editor numbers them.
    public let firstLine: Int
    /// The last line, 1-based and inclusive.
    public let lastLine: Int
    /// Lines `firstLine...lastLine` joined with "\n" (carriage returns removed).
    public let text: String

    public init(firstLine: Int, lastLine: Int, text: String) {
        self.firstLine = firstLine
        self.lastLine = lastLine
        self.text = text
    }
}

/// Cuts a file into passages that fit the encoder, on line boundaries.
///
/// The encoder reads a bounded number of tokens and drops the rest, so a file is cut into
/// pieces that each fit. Cutting only between lines keeps every hit a range an editor can
/// jump to and show, and code and prose both tend to break meaning at line ends.
///
/// **Why summing per-line counts is exact.** `countTokens` is meant to be the model's
/// tokenizer without special tokens. A BERT tokenizer first splits text on whitespace (and
/// punctuation), and "\n" is whitespace, so no token ever spans a line break and the tokens of
/// `lines.joined(separator: "\n")` are exactly the tokens of each line in turn. WordPiece then
/// works word by word, so the sum of the lines' counts is the count of the passage, and the
/// budget can be checked with one tokenization per line instead of one per candidate passage.
/// Blank lines count zero tokens, so they never end a passage on their own.
///
/// The budget should leave room for the model's `[CLS]` and `[SEP]`, which are not counted here.
public struct PassageSplitter {
    /// The most tokens a passage may hold, unless one line alone is longer.
    public let passageTokens: Int
    /// How many lines at the end of one passage the next one repeats, so that text near a
    /// boundary is also seen with the context after it. Should be well below the number of
    /// lines a passage usually holds, or passages will advance one line at a time.
    public let overlapLines: Int
    private let countTokens: (Substring) -> Int

    public init(passageTokens: Int, overlapLines: Int, countTokens: @escaping (Substring) -> Int) {
        self.passageTokens = passageTokens
        self.overlapLines = max(overlapLines, 0)
        self.countTokens = countTokens
    }

    /// The passages of `text`, in order.
    ///
    /// Greedy: a passage takes whole lines while their token counts sum to at most
    /// `passageTokens`; a single line over the budget becomes a passage by itself (the encoder
    /// will read only its start, but the line stays findable and its numbers stay right).
    /// The next passage starts `overlapLines` lines before the previous end — fewer if the
    /// overlap would leave no room for the first new line, and always at least one line after
    /// the previous start, so every passage adds text. Blank lines are trimmed from both ends
    /// of a passage (its line numbers shrink to match) and a passage of only whitespace is dropped.
    public func split(_ text: String) -> [Passage] {
        let lines = Self.lines(of: text)
        let tokenCounts = lines.map(countTokens)
        // tokensBefore[i] is the sum of the counts of lines 0..<i, so any range sums in O(1).
        var tokensBefore = [0]
        tokensBefore.reserveCapacity(lines.count + 1)
        for count in tokenCounts { tokensBefore.append(tokensBefore.last! + count) }
        func tokens(_ range: Range<Int>) -> Int { tokensBefore[range.upperBound] - tokensBefore[range.lowerBound] }

        var passages: [Passage] = []
        var start = 0
        while start < lines.count {
            var end = start  // exclusive
            while end < lines.count && tokens(start..<(end + 1)) <= passageTokens { end += 1 }
            if end == start { end = start + 1 }  // one line over the budget stands alone
            if let passage = Self.passage(lines: lines, range: start..<end) { passages.append(passage) }
            if end == lines.count { break }

            var next = max(end - overlapLines, start + 1)
            // Give up overlap, a line at a time, until the first new line fits beside it;
            // otherwise the next passage would repeat old lines and add nothing.
            while next < end && tokens(next..<(end + 1)) > passageTokens { next += 1 }
            start = next
        }
        return passages
    }

    /// The lines of `text`, split at "\n" with a "\r" before it removed. Works on Unicode
    /// scalars: as a `Character`, "\r\n" is a single grapheme and would not match "\n".
    static func lines(of text: String) -> [Substring] {
        var lines: [Substring] = []
        for line in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append(Substring(line.last == "\r" ? line.dropLast() : line))
        }
        return lines
    }

    /// The passage for `range` (0-based line indices) with blank lines trimmed from both ends,
    /// or nil if every line is blank.
    private static func passage(lines: [Substring], range: Range<Int>) -> Passage? {
        guard let first = range.first(where: { !isBlank(lines[$0]) }),
            let last = range.last(where: { !isBlank(lines[$0]) })
        else { return nil }
        let text = lines[first...last].joined(separator: "\n")
        return Passage(firstLine: first + 1, lastLine: last + 1, text: text)
    }

    private static func isBlank(_ line: Substring) -> Bool {
        return line.unicodeScalars.allSatisfy { $0.properties.isWhitespace }
    }
}
