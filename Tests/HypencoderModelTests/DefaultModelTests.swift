import Foundation
import XCTest

@testable import HypencoderModel

/// The two models `Scripts/default-model` assembles from the MiniLM backbone and a head trained
/// here: `general` (Models/hypencoder-minilm-general → .build/models/hypencoder-default), the
/// model the daemon serves when started without --model, and `scifact`
/// (Models/hypencoder-minilm-scifact → .build/models/hypencoder-scifact), the science head users
/// can select by name. Users rely on each loading, on its identity, and on it actually retrieving.
final class DefaultModelTests: XCTestCase {
    struct Head {
        /// The name `Scripts/default-model` takes.
        let name: String
        /// The head's committed files, next to which the fixture and the fingerprint live.
        let headDirectory: URL
        /// Where `Scripts/default-model NAME` writes the assembled model.
        let modelDirectory: URL
        let vectorDimensions: [Int]
        let linearLastWeight: Bool
        /// 256 for the general head: sentence-transformers' limit, so long queries rank as the bi-encoder's.
        let queryMaxLength: Int

        static let general = Head(
            name: "general", headDirectory: Fixtures.root.appendingPathComponent("Models/hypencoder-minilm-general"),
            modelDirectory: Fixtures.root.appendingPathComponent(".build/models/hypencoder-default"),
            vectorDimensions: [384, 768, 1], linearLastWeight: true, queryMaxLength: 256)
        static let scifact = Head(
            name: "scifact", headDirectory: Fixtures.root.appendingPathComponent("Models/hypencoder-minilm-scifact"),
            modelDirectory: Fixtures.root.appendingPathComponent(".build/models/hypencoder-scifact"),
            vectorDimensions: [384, 384, 384, 1], linearLastWeight: false, queryMaxLength: 64)
    }

    /// At least this many of the fixture's 8 held-out queries must have a relevant document in the
    /// top 10 of the pool. The PyTorch reference measured `reference_in_top10` of them (recorded
    /// in dev-check.json); the bar sits one query below it to allow for float rounding at a tie.
    static let topTenMargin = 1

    static func model(_ head: Head) throws -> HypencoderModel {
        let directory = head.modelDirectory
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path) else {
            throw Fixtures.Missing(
                description:
                    "\(head.name) model not found at \(directory.path): run Scripts/default-model \(head.name) from the repository root"
            )
        }
        return try HypencoderModel(directory: directory.path)
    }

    func testGeneralModelHasTheRecordedShapeAndFingerprint() throws { try checkShapeAndFingerprint(.general) }
    func testScifactModelHasTheRecordedShapeAndFingerprint() throws { try checkShapeAndFingerprint(.scifact) }
    func testGeneralModelRetrievesForMostHeldOutQuestions() throws { try checkRetrieval(.general) }
    func testScifactModelRetrievesForMostDevClaims() throws { try checkRetrieval(.scifact) }

    private func checkShapeAndFingerprint(_ head: Head) throws {
        let model = try Self.model(head)
        XCTAssertEqual(model.config.vectorDimensions, head.vectorDimensions)
        XCTAssertEqual(model.config.linearLastWeight, head.linearLastWeight)
        XCTAssertEqual(model.config.pooling, .mean)
        XCTAssertTrue(model.config.sharedEncoder)
        XCTAssertEqual(model.config.queryMaxLength, head.queryMaxLength)
        XCTAssertEqual(model.config.documentMaxLength, 256)
        XCTAssertEqual(model.config.bert.hiddenSize, 384)

        let recordedURL = head.headDirectory.appendingPathComponent("fingerprint.txt")
        guard let recorded = try? String(contentsOf: recordedURL, encoding: .utf8) else {
            return XCTFail("\(recordedURL.path) is missing: it is committed with the head")
        }
        XCTAssertEqual(
            model.fingerprint, recorded.trimmingCharacters(in: .whitespacesAndNewlines),
            "the assembled \(head.name) model differs from the recorded one: rerun Scripts/default-model \(head.name), "
                + "or after retraining update \(recordedURL.path)")
        XCTAssertEqual(try Self.model(head).fingerprint, model.fingerprint, "fingerprint must be stable across loads")
    }

    private func checkRetrieval(_ head: Head) throws {
        let model = try Self.model(head)
        let fixtureURL = head.headDirectory.appendingPathComponent("dev-check.json")
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
            assertClose(
                scores, entry.floats("scores"), relative: 1e-3,
                "\(head.name): query \(entry["query_id"] ?? "?") scores vs PyTorch")
            let relevant = Set(((entry["relevant"] as? [Any]) ?? []).compactMap { ($0 as? NSNumber)?.intValue })
            let order = ranking(scores)
            if let best = order.firstIndex(where: relevant.contains), best < 10 { inTopTen += 1 }
        }
        XCTAssertGreaterThanOrEqual(
            inTopTen, referenceInTopTen - Self.topTenMargin,
            "\(head.name): only \(inTopTen) of \(cases.count) queries have a relevant document in the top 10 "
                + "(reference: \(referenceInTopTen))")
        XCTAssertGreaterThanOrEqual(inTopTen * 2, cases.count, "a relevant document must make the top 10 for most queries")
    }
}
