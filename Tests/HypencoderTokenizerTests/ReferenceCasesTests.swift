import Foundation
import XCTest

@testable import HypencoderTokenizer

/// The tokenizer against ids produced by Hugging Face's `BertTokenizer` on the real MiniLM vocabulary
/// (`Tests/Fixtures/tokenizer/cases.json`, written by `Tools/reference/make_tokenizer_cases.py`).
final class ReferenceCasesTests: XCTestCase {
    private struct Case {
        let name: String
        let text: String
        let ids: [Int32]
        let truncated: [Int: [Int32]]
    }

    private func loadCases() throws -> [Case] {
        let document = try TestSupport.fixture("cases.json")
        let rawCases = try XCTUnwrap(document["cases"] as? [[String: Any]], "cases.json has no cases array")
        return try rawCases.map { raw in
            let name = try XCTUnwrap(raw["name"] as? String)
            let truncatedRaw = try XCTUnwrap(raw["truncated"] as? [String: [Int]], "\(name): truncated")
            var truncated: [Int: [Int32]] = [:]
            for (length, ids) in truncatedRaw {
                truncated[try XCTUnwrap(Int(length))] = ids.map(Int32.init)
            }
            return Case(
                name: name,
                text: try XCTUnwrap(raw["text"] as? String, "\(name): text"),
                ids: try XCTUnwrap(raw["ids"] as? [Int], "\(name): ids").map(Int32.init),
                truncated: truncated)
        }
    }

    func testEveryCaseMatchesTheReferenceIds() throws {
        let tokenizer = try TestSupport.minilmTokenizer()
        let cases = try loadCases()
        XCTAssertGreaterThanOrEqual(cases.count, 250)
        var failures = 0
        for testCase in cases {
            let ids = tokenizer.encode(testCase.text, maxLength: Int.max)
            if ids != testCase.ids {
                failures += 1
                XCTFail(
                    """
                    \(testCase.name): ids differ for \(testCase.text.debugDescription.prefix(200))
                      expected \(testCase.ids.map { tokenizer.token(forId: $0) ?? "?" }.prefix(40))
                      got      \(ids.map { tokenizer.token(forId: $0) ?? "?" }.prefix(40))
                    """)
            }
            for (maxLength, expected) in testCase.truncated.sorted(by: { $0.key < $1.key }) {
                XCTAssertEqual(
                    tokenizer.encode(testCase.text, maxLength: maxLength), expected,
                    "\(testCase.name): truncated to \(maxLength)")
            }
            if failures > 20 { return XCTFail("stopping after 20 mismatching cases") }
        }
    }

    func testBatchEncodingMatchesSingleEncoding() throws {
        let tokenizer = try TestSupport.minilmTokenizer()
        let texts = try loadCases().prefix(50).map(\.text)
        XCTAssertEqual(
            tokenizer.encode(batch: texts, maxLength: 64),
            texts.map { tokenizer.encode($0, maxLength: 64) })
    }

    /// `load` reads the settings files and tokenizer.json of the model directory; the fixture was made
    /// from vocab.txt alone, so both routes must agree, and the settings must be BERT-uncased.
    func testMinilmDirectorySettings() throws {
        let tokenizer = try TestSupport.minilmTokenizer()
        XCTAssertTrue(tokenizer.lowercases)
        XCTAssertTrue(tokenizer.stripsAccents)
        XCTAssertTrue(tokenizer.splitsCJKIdeographs)
        XCTAssertEqual(tokenizer.token(forId: tokenizer.clsId), "[CLS]")
        XCTAssertEqual(tokenizer.token(forId: tokenizer.sepId), "[SEP]")
        XCTAssertEqual(tokenizer.token(forId: tokenizer.padId), "[PAD]")
        XCTAssertEqual(tokenizer.token(forId: tokenizer.unkId), "[UNK]")
    }
}
