import XCTest

@testable import HypencoderTokenizer

/// `encode` truncation and the special-token frame, on the real vocabulary.
final class TruncationTests: XCTestCase {
    private let text =
        "Concussion symptoms can appear immediately or up to 72 hours after the injury; "
        + "unbelievably, naïve café-goers in 北京 report [SEP] nothing."

    func testTruncationKeepsTheFirstPiecesAndTheFrame() throws {
        let tokenizer = try TestSupport.minilmTokenizer()
        let pieces = tokenizer.wordPieceIds(text)
        XCTAssertGreaterThan(pieces.count, 20)
        XCTAssertEqual(tokenizer.encode(text, maxLength: Int.max), [tokenizer.clsId] + pieces + [tokenizer.sepId])
        for maxLength in 2...(pieces.count + 3) {
            let ids = tokenizer.encode(text, maxLength: maxLength)
            XCTAssertEqual(ids, [tokenizer.clsId] + pieces.prefix(maxLength - 2) + [tokenizer.sepId], "maxLength \(maxLength)")
        }
    }

    /// A length that cannot hold [CLS] and [SEP] is treated as 2 rather than trapping.
    func testTooSmallMaxLengthGivesTheEmptyFrame() throws {
        let tokenizer = try TestSupport.minilmTokenizer()
        for maxLength in [Int.min, -1, 0, 1, 2] {
            XCTAssertEqual(tokenizer.encode(text, maxLength: maxLength), [tokenizer.clsId, tokenizer.sepId])
        }
        XCTAssertEqual(tokenizer.encode("", maxLength: 512), [tokenizer.clsId, tokenizer.sepId])
    }

    func testTokenizeSpellsTheIds() throws {
        let tokenizer = try TestSupport.minilmTokenizer()
        XCTAssertEqual(
            tokenizer.tokenize(text).map { tokenizer.vocabulary.id(ofToken: $0) ?? -1 },
            tokenizer.wordPieceIds(text))
    }
}
