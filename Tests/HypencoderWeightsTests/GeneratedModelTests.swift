import Foundation
import XCTest

@testable import HypencoderWeights

/// Real models that scripts put under `.build/`: all-MiniLM-L6-v2 (Scripts/fetch-minilm)
/// and the random official-layout checkpoints (Scripts/make-test-models). A missing
/// directory fails with the command that creates it.
final class GeneratedModelTests: XCTestCase {
    private func requiredDirectory(_ relative: String, createdBy script: String) throws -> String {
        let path = TestSupport.repositoryRoot.appendingPathComponent(relative).path
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("\(path) is missing: run \(script) from the repository root")
            throw XCTSkip("missing \(relative)")
        }
        return path
    }

    func testMiniLMLoadsAsPlainBert() throws {
        let directory = try requiredDirectory(".build/models/all-MiniLM-L6-v2", createdBy: "Scripts/fetch-minilm")
        let checkpoint = try BertCheckpoint.load(directory: directory)
        // DESIGN.md §2: the MiniLM backbone is hidden 384, 6 layers, 12 heads, FFN 1536.
        XCTAssertEqual(checkpoint.config.hiddenSize, 384)
        XCTAssertEqual(checkpoint.config.layers, 6)
        XCTAssertEqual(checkpoint.config.heads, 12)
        XCTAssertEqual(checkpoint.config.intermediateSize, 1536)
        let layout = CheckpointLayout.bertTensors(checkpoint.config)
        XCTAssertEqual(checkpoint.weights.count, layout.count)
        for (name, shape) in layout { XCTAssertEqual(checkpoint.weights[name]?.shape, shape, name) }
        // The I64 position_ids buffer is recognised and left out.
        let raw = try SafetensorsReader.read(path: directory + "/model.safetensors") { _ in ["embeddings.position_ids"] }
        XCTAssertEqual(raw.skipped["embeddings.position_ids"], "I64")
    }

    /// The -bin and -safetensors variant of each generated model hold the same values
    /// (F16/BF16 safetensors against their float32 upcast in the .bin), so they must load to
    /// identical tensors and the same fingerprint.
    func testGeneratedSmallModelsAgreeAcrossFormats() throws {
        let root = try requiredDirectory(".build/fixtures/models", createdBy: "Scripts/make-test-models")
        for name in ["small2", "small4", "small6"] {
            let fromBin = try Checkpoint.load(directory: "\(root)/\(name)-bin")
            let fromSafetensors = try Checkpoint.load(directory: "\(root)/\(name)-safetensors")
            XCTAssertEqual(fromBin.config, fromSafetensors.config, name)
            XCTAssertTrue(fromBin.queryBert == fromSafetensors.queryBert, name)
            XCTAssertTrue(fromBin.documentBert == fromSafetensors.documentBert, name)
            XCTAssertTrue(fromBin.hyperhead == fromSafetensors.hyperhead, name)
            XCTAssertEqual(fromBin.fingerprint, fromSafetensors.fingerprint, name)
        }
    }

    /// bert-base size (~550 MB each); compared by fingerprint, one model in memory at a time.
    func testGeneratedBaseModelAgreesAcrossFormats() throws {
        let root = try requiredDirectory(".build/fixtures/models", createdBy: "Scripts/make-test-models")
        let binFingerprint = try Checkpoint.load(directory: "\(root)/base6-bin").fingerprint
        let safetensors = try Checkpoint.load(directory: "\(root)/base6-safetensors")
        XCTAssertEqual(safetensors.config.bert, .bertBaseUncased, "no bert_config.json: bert-base applies")
        XCTAssertEqual(safetensors.config.hiddenLayers, 6)
        XCTAssertEqual(binFingerprint, safetensors.fingerprint)
    }
}
