import Foundation
import XCTest

@testable import HypencoderTokenizer

/// Paths and shared objects for the tokenizer tests.
enum TestSupport {
    /// The repository root, found from this file's location (the tests never look in /tmp).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // HypencoderTokenizerTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    static let fixtureDirectory = repositoryRoot.appendingPathComponent("Tests/Fixtures/tokenizer")
    static let minilmDirectory = repositoryRoot.appendingPathComponent(".build/models/all-MiniLM-L6-v2")

    /// The real MiniLM tokenizer; fails the calling test (not skips it) when the model was not fetched.
    static func minilmTokenizer(file: StaticString = #filePath, line: UInt = #line) throws -> WordPieceTokenizer {
        let vocab = minilmDirectory.appendingPathComponent("vocab.txt").path
        guard FileManager.default.fileExists(atPath: vocab) else {
            XCTFail("\(vocab) is missing: run Scripts/fetch-minilm", file: file, line: line)
            throw TokenizerError.missingVocabulary(path: vocab)
        }
        return try WordPieceTokenizer.load(directory: minilmDirectory.path)
    }

    /// A parsed fixture file from Tests/Fixtures/tokenizer.
    static func fixture(_ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: fixtureDirectory.appendingPathComponent(name))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError.malformedConfiguration(path: name, reason: "not a JSON object")
        }
        return object
    }

    /// A fresh empty directory under the system's temporary directory, removed by the test case.
    static func temporaryDirectory(for testCase: XCTestCase) throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("hypencoder-tokenizer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }
}
