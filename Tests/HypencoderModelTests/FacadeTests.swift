import Foundation
import XCTest

@testable import HypencoderModel

/// What callers of `HypencoderModel` rely on beyond the numbers: clear errors on bad model
/// directories and bad input, and safe concurrent use.
final class FacadeTests: XCTestCase {
    func testMissingVocabularyIsNamed() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hypencoder-novocab-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try Fixtures.model("small2-safetensors")
        try FileManager.default.copyItem(
            atPath: source + "/config.json", toPath: directory.appendingPathComponent("config.json").path)
        XCTAssertThrowsError(try HypencoderModel(directory: directory.path)) { error in
            XCTAssertTrue("\(error)".contains("vocab.txt"), "\(error)")
        }
    }

    func testTooLongOrEmptyInputIsAnError() throws {
        let model = try HypencoderModel(directory: try Fixtures.model("small2-safetensors"))
        XCTAssertThrowsError(
            try model.encodeQueries(tokenIds: [[Int32]](repeating: [101, 102], count: 1) + [[Int32](repeating: 1000, count: 65)]))
        XCTAssertThrowsError(try model.encodeDocuments(tokenIds: [[]]))
        XCTAssertThrowsError(try model.encodeDocuments(tokenIds: [[101, 40000, 102]]))
        XCTAssertEqual(try model.encodeQueries([]).count, 0)
    }

    /// Truncation is reported exactly when the text has more pieces than the window holds,
    /// and the ids are always those `tokenize(document:)` gives (what the model encodes).
    func testTokenizeReportingTruncationMatchesTokenizeAndFlagsLongTexts() throws {
        let model = try HypencoderModel(directory: try Fixtures.model("small2-safetensors"))
        let window = model.config.documentMaxLength
        let words = ["cat", "unbelievably", "naïve", "rocket", "[SEP]", "北京", "orbit,", "moon."]
        for count in [0, 1, window / 2, window - 3, window - 2, window - 1, window, window + 1, 3 * window] {
            let text = (0..<count).map { words[$0 % words.count] }.joined(separator: " ")
            let (ids, truncated) = model.tokenizeReportingTruncation(document: text)
            XCTAssertEqual(ids, model.tokenize(document: text), "\(count) words")
            XCTAssertEqual(truncated, model.tokenizer.wordPieceIds(text).count > window - 2, "\(count) words")
            XCTAssertLessThanOrEqual(ids.count, window)
        }
        let long = String(repeating: "word ", count: 1 << 20)
        XCTAssertTrue(model.tokenizeReportingTruncation(document: long).truncated)
    }

    func testManyInputsAcrossInternalBatchesKeepTheirOrder() throws {
        let model = try HypencoderModel(directory: try Fixtures.model("small2-safetensors"))
        var generator = SplitMix64(seed: 5)
        // 40 × 40 query tokens span several internal batches (1024 tokens each).
        let queries = (0..<40).map { _ in [101] + (0..<38).map { _ in Int32(1000 + generator.next() % 20000) } + [102] }
        let documents = (0..<40).map { i in [101] + (0..<(i % 7 + 1)).map { _ in Int32(1000 + generator.next() % 20000) } + [102]
        }
        let vectors = try model.encodeDocuments(tokenIds: documents)
        let qnets = try model.encodeQueries(tokenIds: queries)
        for i in [0, 17, 39] {
            assertClose(vectors[i], try model.encodeDocuments(tokenIds: [documents[i]])[0], relative: 1e-5, "document \(i)")
            assertClose(
                try qnets[i].score(vectors), try model.encodeQueries(tokenIds: [queries[i]])[0].score(vectors),
                relative: 1e-5, "query \(i)")
        }
    }

    func testConcurrentCallsAgreeWithSequentialOnes() throws {
        let model = try HypencoderModel(directory: try Fixtures.model("small2-safetensors"))
        let reference = try Fixtures.reference("small2-safetensors")
        let queries = reference.idRows("query_token_ids")
        let documents = reference.idRows("document_token_ids")
        let expected = try model.encodeQueries(tokenIds: queries).map {
            try $0.score(try model.encodeDocuments(tokenIds: documents))
        }
        let results = Locked<[Int: [[Float]]]>([:])
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let scores = try? model.encodeQueries(tokenIds: queries).map {
                try $0.score(try model.encodeDocuments(tokenIds: documents))
            }
            results.update { $0[i] = scores }
        }
        for i in 0..<8 {
            let got = results.value[i] ?? []
            XCTAssertEqual(got.count, expected.count, "thread \(i)")
            for (a, b) in zip(got, expected) { assertClose(a, b, relative: 1e-5, "thread \(i)") }
        }
    }
}

/// A value behind a lock, for collecting results from concurrent work in tests.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
    func update(_ body: (inout Value) -> Void) {
        lock.lock()
        body(&stored)
        lock.unlock()
    }
}
