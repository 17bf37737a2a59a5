import Foundation
import XCTest

@testable import HypencoderTokenizer

/// Odd `vocab.txt` files (CRLF, trailing white space, duplicates, canonically equivalent tokens),
/// read the way the reference reads them (`vocab_files` in `Tests/Fixtures/tokenizer/cases.json`).
final class VocabularyFileTests: XCTestCase {
    func testOddVocabularyFilesAreReadLikeTheReference() throws {
        let document = try TestSupport.fixture("cases.json")
        let files = try XCTUnwrap(document["vocab_files"] as? [[String: Any]])
        XCTAssertFalse(files.isEmpty)
        for file in files {
            let name = try XCTUnwrap(file["name"] as? String)
            let content = try XCTUnwrap(file["content"] as? String)
            // [token, id] pairs: a Swift dictionary would merge canonically equivalent tokens.
            let pairs = try XCTUnwrap(file["vocab"] as? [[Any]], name)
            let expectedVocabulary = try pairs.map { pair in
                (try XCTUnwrap(pair.first as? String, name), try XCTUnwrap(pair.last as? Int, name))
            }
            let texts = try XCTUnwrap(file["texts"] as? [[String: Any]], name)

            let directory = try TestSupport.temporaryDirectory(for: self)
            try TestSupport.write(content, to: directory + "/vocab.txt")
            let tokenizer = try WordPieceTokenizer.load(directory: directory)

            XCTAssertEqual(tokenizer.vocabularySize, expectedVocabulary.count, name)
            for (token, id) in expectedVocabulary {
                XCTAssertEqual(tokenizer.vocabulary.id(ofToken: token), Int32(id), "\(name): \(token.debugDescription)")
            }
            for entry in texts {
                let text = try XCTUnwrap(entry["text"] as? String)
                let ids = try XCTUnwrap(entry["ids"] as? [Int]).map(Int32.init)
                XCTAssertEqual(tokenizer.encode(text, maxLength: 512), ids, "\(name): \(text.debugDescription)")
            }
        }
    }

    /// With no vocab.txt, `model.vocab` in tokenizer.json is the vocabulary, and gives the same ids.
    func testTokenizerJSONAloneGivesTheSameIds() throws {
        let minilm = try TestSupport.minilmTokenizer()
        let directory = try TestSupport.temporaryDirectory(for: self)
        try FileManager.default.copyItem(
            atPath: TestSupport.minilmDirectory.appendingPathComponent("tokenizer.json").path,
            toPath: directory + "/tokenizer.json")
        let fromJSON = try WordPieceTokenizer.load(directory: directory)
        XCTAssertEqual(fromJSON.vocabularySize, minilm.vocabularySize)
        let text = "Hypencoder turns a query into a small neural network; naïve café ÉLÈVE 北京 [SEP] done."
        XCTAssertEqual(fromJSON.encode(text, maxLength: 64), minilm.encode(text, maxLength: 64))
    }
}
