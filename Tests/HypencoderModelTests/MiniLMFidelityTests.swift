import Foundation
import XCTest

@testable import HypencoderModel

/// The real all-MiniLM-L6-v2 (BertTokenizer + BertModel, masked mean) against
/// Tests/Fixtures/reference/minilm.json.
final class MiniLMFidelityTests: XCTestCase {
    func testEmbeddingsMatchTransformers() throws {
        let reference = try Fixtures.reference("minilm")
        let embedder = try BertEmbedder(directory: try Fixtures.miniLM())
        let maxLength = (reference["max_length"] as? Int) ?? 256
        let cases = (reference["cases"] as? [[String: Any]]) ?? []
        XCTAssertFalse(cases.isEmpty, "minilm.json has no cases")
        let texts = cases.map { ($0["text"] as? String) ?? "" }
        let ids = cases.map { [$0].idRows("token_ids")[0] }
        XCTAssertEqual(texts.map { embedder.tokenize($0, maxLength: maxLength) }, ids)

        // All cases in batches; each must match its text encoded alone by transformers.
        let embeddings = try embedder.embed(tokenIds: ids, pooling: .mean)
        for (c, (embedding, entry)) in zip(embeddings, cases).enumerated() {
            let expected = [entry].floatRows("embedding")[0]
            XCTAssertEqual(embedding.count, expected.count)
            let worst = zip(embedding, expected).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(worst, 1e-4, "case \(c) '\(entry["name"] ?? "")'")
        }
    }
}

extension Array where Element == [String: Any] {
    fileprivate func idRows(_ key: String) -> [[Int32]] {
        map { (($0[key] as? [Any]) ?? []).map { Int32(($0 as? NSNumber)?.intValue ?? -1) } }
    }
    fileprivate func floatRows(_ key: String) -> [[Float]] {
        map { (($0[key] as? [Any]) ?? []).map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) } }
    }
}
