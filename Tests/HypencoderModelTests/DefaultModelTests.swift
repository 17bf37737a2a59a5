import Foundation
import XCTest

@testable import HypencoderModel

/// The default model (MiniLM backbone + the head in Models/hypencoder-minilm), assembled by
/// Scripts/default-model into .build/models/hypencoder-default: the model the daemon serves
/// when started without --model, so users rely on it loading, on its identity, and on it
/// actually retrieving.
final class DefaultModelTests: XCTestCase {
    /// The head's committed files, next to which the fixture and the fingerprint live.
    static let headDirectory = Fixtures.root.appendingPathComponent("Models/hypencoder-minilm")

    /// At least this many of the fixture's 8 SciFact dev claims must have a cited document in the
    /// top 10 of the pool. The PyTorch reference measured `reference_in_top10` of them (recorded
    /// in dev-check.json); the MiniLM bi-encoder itself, on the same pool, is about as good,
    /// so the bar sits one claim below the reference to allow for float rounding at a tie.
    static let topTenMargin = 1

    static func defaultModel() throws -> HypencoderModel {
        let directory = Fixtures.root.appendingPathComponent(".build/models/hypencoder-default")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path) else {
            throw Fixtures.Missing(
                description: "default model not found at \(directory.path): run Scripts/default-model from the repository root")
        }
        return try HypencoderModel(directory: directory.path)
    }

    func testDefaultModelHasTheRecordedShapeAndFingerprint() throws {
        let model = try Self.defaultModel()
        XCTAssertEqual(model.config.vectorDimensions, [384, 384, 384, 1])
        XCTAssertEqual(model.config.pooling, .mean)
        XCTAssertTrue(model.config.sharedEncoder)
        XCTAssertEqual(model.config.queryMaxLength, 64)
        XCTAssertEqual(model.config.documentMaxLength, 256)
        XCTAssertEqual(model.config.bert.hiddenSize, 384)

        let recordedURL = Self.headDirectory.appendingPathComponent("fingerprint.txt")
        guard let recorded = try? String(contentsOf: recordedURL, encoding: .utf8) else {
            return XCTFail("\(recordedURL.path) is missing: it is committed with the head")
        }
        XCTAssertEqual(
            model.fingerprint, recorded.trimmingCharacters(in: .whitespacesAndNewlines),
            "the assembled default model differs from the recorded one: rerun Scripts/default-model, "
                + "or after retraining update Models/hypencoder-minilm/fingerprint.txt")
        XCTAssertEqual(try Self.defaultModel().fingerprint, model.fingerprint, "fingerprint must be stable across loads")
    }

    func testCitedDocumentsRankInTheTopTenForMostDevClaims() throws {
        let model = try Self.defaultModel()
        let fixtureURL = Self.headDirectory.appendingPathComponent("dev-check.json")
        guard let data = FileManager.default.contents(atPath: fixtureURL.path),
            let fixture = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            let documents = fixture["documents"] as? [[String: Any]],
            let cases = fixture["cases"] as? [[String: Any]],
            let referenceInTopTen = fixture["reference_in_top10"] as? Int
        else {
            return XCTFail("\(fixtureURL.path) missing or malformed: regenerate with Tools/eval/make_dev_check.py")
        }
        XCTAssertFalse(cases.isEmpty)
        let vectors = try model.encodeDocuments(documents.map { ($0["text"] as? String) ?? "" })
        let nets = try model.encodeQueries(cases.map { ($0["query"] as? String) ?? "" })

        var inTopTen = 0
        for (entry, net) in zip(cases, nets) {
            let scores = try net.score(vectors)
            assertClose(scores, entry.floats("scores"), relative: 1e-3, "claim \(entry["query_id"] ?? "?") scores vs PyTorch")
            let relevant = Set(((entry["relevant"] as? [Any]) ?? []).compactMap { ($0 as? NSNumber)?.intValue })
            let order = ranking(scores)
            if let best = order.firstIndex(where: relevant.contains), best < 10 { inTopTen += 1 }
        }
        XCTAssertGreaterThanOrEqual(
            inTopTen, referenceInTopTen - Self.topTenMargin,
            "only \(inTopTen) of \(cases.count) dev claims have a cited document in the top 10 (reference: \(referenceInTopTen))")
        XCTAssertGreaterThanOrEqual(inTopTen * 2, cases.count, "a cited document must make the top 10 for most claims")
    }
}
