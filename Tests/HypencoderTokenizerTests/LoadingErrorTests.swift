import Foundation
import XCTest

@testable import HypencoderTokenizer

/// Bad model directories fail with an error that names the file and the problem; nothing crashes.
final class LoadingErrorTests: XCTestCase {
    private let minimalVocabulary = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n##s\n"

    private func load(_ files: [String: String]) throws -> WordPieceTokenizer {
        let directory = try TestSupport.temporaryDirectory(for: self)
        for (name, content) in files { try TestSupport.write(content, to: directory + "/" + name) }
        return try WordPieceTokenizer.load(directory: directory)
    }

    private func assertError(
        _ files: [String: String], file: StaticString = #filePath, line: UInt = #line,
        _ check: (TokenizerError) -> Bool
    ) {
        XCTAssertThrowsError(try load(files), file: file, line: line) { error in
            guard let tokenizerError = error as? TokenizerError else {
                return XCTFail("not a TokenizerError: \(error)", file: file, line: line)
            }
            XCTAssertTrue(check(tokenizerError), "unexpected error: \(tokenizerError)", file: file, line: line)
        }
    }

    func testMissingVocabularyNamesVocabTxt() {
        assertError([:]) { error in
            guard case .missingVocabulary(let path) = error else { return false }
            return path.hasSuffix("/vocab.txt") && error.description.contains("vocab.txt")
        }
    }

    func testEmptyVocabulary() {
        assertError(["vocab.txt": ""]) { error in
            guard case .malformedVocabulary(let path, let reason) = error else { return false }
            return path.hasSuffix("/vocab.txt") && reason.contains("empty")
        }
    }

    func testInvalidUTF8Vocabulary() throws {
        let directory = try TestSupport.temporaryDirectory(for: self)
        try Data([0x5B, 0x55, 0x4E, 0x4B, 0x5D, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: directory + "/vocab.txt"))
        XCTAssertThrowsError(try WordPieceTokenizer.load(directory: directory)) { error in
            XCTAssertEqual(
                error as? TokenizerError,
                .malformedVocabulary(path: directory + "/vocab.txt", reason: "the file is not valid UTF-8"))
        }
    }

    func testEachRequiredSpecialTokenIsChecked() {
        for missing in ["[PAD]", "[UNK]", "[CLS]", "[SEP]"] {
            let content = minimalVocabulary.split(separator: "\n").filter { $0 != missing }.joined(separator: "\n")
            assertError(["vocab.txt": content]) { error in
                guard case .malformedVocabulary(_, let reason) = error else { return false }
                return reason.contains(missing)
            }
        }
    }

    func testConflictingVocabulariesAreRefused() {
        let json = #"{"model": {"type": "WordPiece", "vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "hello": 4}}}"#
        assertError(["vocab.txt": minimalVocabulary, "tokenizer.json": json]) { error in
            guard case .conflictingVocabularies(let path, let other, _) = error else { return false }
            return path.hasSuffix("vocab.txt") && other.contains("tokenizer.json")
        }
    }

    func testMalformedJSONFilesAreNamed() {
        assertError(["vocab.txt": minimalVocabulary, "tokenizer_config.json": "{not json"]) { error in
            guard case .malformedConfiguration(let path, _) = error else { return false }
            return path.hasSuffix("tokenizer_config.json")
        }
        assertError(["vocab.txt": minimalVocabulary, "tokenizer_config.json": #"{"do_lower_case": "yes"}"#]) { error in
            guard case .malformedConfiguration(_, let reason) = error else { return false }
            return reason.contains("do_lower_case")
        }
        assertError(["tokenizer.json": #"{"model": {"type": "WordPiece", "vocab": {"[PAD]": "zero"}}}"#]) { error in
            guard case .malformedVocabulary(let path, let reason) = error else { return false }
            return path.hasSuffix("tokenizer.json") && reason.contains("[PAD]")
        }
        assertError(["tokenizer.json": #"{"model": {"type": "BPE", "vocab": {}}}"#]) { error in
            guard case .malformedConfiguration(_, let reason) = error else { return false }
            return reason.contains("model.type")
        }
        assertError(["vocab.txt": minimalVocabulary, "tokenizer.json": #"{"normalizer": {"type": "NFKC"}}"#]) { error in
            guard case .malformedConfiguration(_, let reason) = error else { return false }
            return reason.contains("normalizer.type")
        }
    }

    /// Settings come from tokenizer_config.json, and tokenizer.json's normaliser overrides them.
    func testSettingsAreRead() throws {
        let cased = try load([
            "vocab.txt": minimalVocabulary,
            "tokenizer_config.json": #"{"do_lower_case": false, "tokenize_chinese_chars": false}"#,
        ])
        XCTAssertFalse(cased.lowercases)
        XCTAssertFalse(cased.stripsAccents, "strip_accents null follows do_lower_case")
        XCTAssertFalse(cased.splitsCJKIdeographs)

        let overridden = try load([
            "vocab.txt": minimalVocabulary,
            "tokenizer_config.json": #"{"do_lower_case": false}"#,
            "tokenizer.json":
                #"{"normalizer": {"type": "BertNormalizer", "lowercase": true, "strip_accents": false, "handle_chinese_chars": true, "clean_text": true}}"#,
        ])
        XCTAssertTrue(overridden.lowercases)
        XCTAssertFalse(overridden.stripsAccents)
        XCTAssertTrue(overridden.splitsCJKIdeographs)
    }

    func testInMemoryVocabularyNeedsSpecialTokens() {
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: [:]))
        XCTAssertThrowsError(try WordPieceTokenizer(vocabulary: ["[UNK]": 0, "[CLS]": 1, "[SEP]": 2]))
        XCTAssertThrowsError(
            try WordPieceTokenizer(
                vocabulary: ["[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3], maxCharactersPerWord: 0))
        XCTAssertNoThrow(try WordPieceTokenizer(vocabulary: ["[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3]))
    }
}
