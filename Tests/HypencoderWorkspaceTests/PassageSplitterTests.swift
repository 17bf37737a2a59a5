import XCTest

@testable import HypencoderWorkspace

/// The splitter with a whitespace word count standing in for the tokenizer: like BERT's basic
/// tokenizer it never counts across whitespace, so per-line sums equal whole-passage counts.
final class PassageSplitterTests: XCTestCase {
    private static func words(_ text: Substring) -> Int {
        return text.split(whereSeparator: { $0.isWhitespace }).count
    }

    private func splitter(tokens: Int, overlap: Int) -> PassageSplitter {
        return PassageSplitter(passageTokens: tokens, overlapLines: overlap, countTokens: Self.words)
    }

    /// Every passage's text is exactly its source lines, and its count is within budget
    /// unless it is a single over-long line.
    private func assertWellFormed(
        _ passages: [Passage], source: String, budget: Int, file: StaticString = #filePath, line: UInt = #line
    ) {
        let sourceLines = source.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        for passage in passages {
            XCTAssertLessThanOrEqual(passage.firstLine, passage.lastLine, file: file, line: line)
            let expected = sourceLines[(passage.firstLine - 1)...(passage.lastLine - 1)].joined(separator: "\n")
            XCTAssertEqual(passage.text, expected, "lines \(passage.firstLine)-\(passage.lastLine)", file: file, line: line)
            let count = Self.words(Substring(passage.text))
            if passage.firstLine != passage.lastLine {
                XCTAssertLessThanOrEqual(count, budget, "lines \(passage.firstLine)-\(passage.lastLine)", file: file, line: line)
            }
            let passageLines = passage.text.components(separatedBy: "\n")
            XCTAssertFalse(passageLines.first!.allSatisfy(\.isWhitespace), "blank first line", file: file, line: line)
            XCTAssertFalse(passageLines.last!.allSatisfy(\.isWhitespace), "blank last line", file: file, line: line)
        }
        // Every line with text is in some passage.
        for (index, sourceLine) in sourceLines.enumerated() where !sourceLine.allSatisfy(\.isWhitespace) {
            XCTAssertTrue(
                passages.contains { $0.firstLine <= index + 1 && index + 1 <= $0.lastLine }, "line \(index + 1) lost",
                file: file, line: line)
        }
    }

    func testGreedyPassagesFillTheBudgetWithWholeLines() {
        // Ten lines of three words: a budget of 10 holds three lines.
        let text = (1...10).map { "line \($0) here" }.joined(separator: "\n")
        let passages = splitter(tokens: 10, overlap: 0).split(text)
        XCTAssertEqual(passages.map(\.firstLine), [1, 4, 7, 10])
        XCTAssertEqual(passages.map(\.lastLine), [3, 6, 9, 10])
        XCTAssertEqual(passages[0].text, "line 1 here\nline 2 here\nline 3 here")
        assertWellFormed(passages, source: text, budget: 10)
    }

    func testNextPassageRepeatsTheOverlapLines() {
        let text = (1...10).map { "line \($0) here" }.joined(separator: "\n")
        let passages = splitter(tokens: 12, overlap: 1).split(text)
        // Four lines a passage, each starting on the previous one's last line.
        XCTAssertEqual(passages.map(\.firstLine), [1, 4, 7])
        XCTAssertEqual(passages.map(\.lastLine), [4, 7, 10])
        for (previous, next) in zip(passages, passages.dropFirst()) {
            XCTAssertEqual(next.firstLine, previous.lastLine, "one line of overlap")
        }
        assertWellFormed(passages, source: text, budget: 12)
    }

    func testOverlapAlwaysAdvancesAndEndsAtTheLastLine() {
        // Overlap larger than a passage: each passage must still start one line further on.
        let text = (1...6).map { "w\($0) x" }.joined(separator: "\n")
        let passages = splitter(tokens: 4, overlap: 5).split(text)
        XCTAssertEqual(passages.map(\.firstLine), [1, 2, 3, 4, 5])
        XCTAssertEqual(passages.map(\.lastLine), [2, 3, 4, 5, 6])
        assertWellFormed(passages, source: text, budget: 4)
    }

    func testOverlapShrinksWhenTheNextLineWouldNotFitBesideIt() {
        // Lines of 3, 3, then 5 words; budget 6, overlap 1: the 5-word line cannot sit beside
        // line 2, so it starts afresh instead of repeating line 2 alone.
        let text = "a b c\nd e f\ng h i j k"
        let passages = splitter(tokens: 6, overlap: 1).split(text)
        XCTAssertEqual(
            passages,
            [
                Passage(firstLine: 1, lastLine: 2, text: "a b c\nd e f"),
                Passage(firstLine: 3, lastLine: 3, text: "g h i j k"),
            ])
    }

    func testALineLongerThanTheBudgetIsAPassageOfItsOwn() {
        let long = (1...20).map { "word\($0)" }.joined(separator: " ")
        let text = "short one\n\(long)\nshort two\nshort three"
        let passages = splitter(tokens: 5, overlap: 0).split(text)
        XCTAssertEqual(
            passages,
            [
                Passage(firstLine: 1, lastLine: 1, text: "short one"),
                Passage(firstLine: 2, lastLine: 2, text: long),
                Passage(firstLine: 3, lastLine: 4, text: "short two\nshort three"),
            ])
        assertWellFormed(passages, source: text, budget: 5)
    }

    func testBlankLinesAreTrimmedAndBlankPassagesDropped() {
        let text = "\n\n  \nfirst words here\nsecond\n\n\t\n   \n\nthird line now\n\n \n"
        let passages = splitter(tokens: 4, overlap: 0).split(text)
        // Blank lines cost nothing, so lines 1-9 make one passage, trimmed to its text.
        XCTAssertEqual(
            passages,
            [
                Passage(firstLine: 4, lastLine: 5, text: "first words here\nsecond"),
                Passage(firstLine: 10, lastLine: 10, text: "third line now"),
            ])
        XCTAssertEqual(splitter(tokens: 4, overlap: 0).split(" \n\t\n\n"), [])
        XCTAssertEqual(splitter(tokens: 4, overlap: 0).split(""), [])
    }

    func testWindowsLineEndingsAreRemovedAndLinesNumberedTheSame() {
        let text = "one two\r\nthree four\r\n\r\nfive six\r\n"
        let passages = splitter(tokens: 4, overlap: 0).split(text)
        XCTAssertEqual(
            passages,
            [
                Passage(firstLine: 1, lastLine: 2, text: "one two\nthree four"),
                Passage(firstLine: 4, lastLine: 4, text: "five six"),
            ])
        XCTAssertFalse(passages.contains { $0.text.unicodeScalars.contains("\r") })
        XCTAssertEqual(passages, splitter(tokens: 4, overlap: 0).split(text.replacingOccurrences(of: "\r\n", with: "\n")))
    }

    func testTheCounterSeesEachLineOnceWithoutItsLineEnding() {
        var seen: [String] = []
        let splitter = PassageSplitter(passageTokens: 100, overlapLines: 0) { line in
            seen.append(String(line))
            return line.split(separator: " ").count
        }
        _ = splitter.split("a b\r\nc\n\nd e f")
        XCTAssertEqual(seen, ["a b", "c", "", "d e f"])
    }

    /// A larger mixed document: line numbers and texts stay exact through every rule at once.
    func testMixedDocumentStaysExact() {
        var lines: [String] = []
        for index in 0..<300 {
            switch index % 7 {
            case 0: lines.append("")
            case 3: lines.append(String(repeating: "long ", count: 40 + index % 5))
            case 5: lines.append("   ")
            default: lines.append("func f\(index)() { return \(index) }")
            }
        }
        for (lineEnding, overlap) in [("\n", 0), ("\n", 1), ("\r\n", 3)] {
            let text = lines.joined(separator: lineEnding)
            let passages = splitter(tokens: 32, overlap: overlap).split(text)
            assertWellFormed(passages, source: text, budget: 32)
            for (previous, next) in zip(passages, passages.dropFirst()) {
                XCTAssertGreaterThan(next.firstLine, previous.firstLine)
                XCTAssertGreaterThan(next.lastLine, previous.lastLine)
            }
        }
    }
}
