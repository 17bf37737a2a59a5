import Foundation
import XCTest

@testable import HypencoderWeights

/// `Checkpoint.load` on the torch-written tiny official-layout checkpoint
/// (Tests/Fixtures/weights/tiny_hypencoder) and on Swift-written variants of it.
final class CheckpointLoadingTests: XCTestCase {
    private let fixture = TestSupport.fixture("tiny_hypencoder")

    /// A model directory holding the fixture's configs and the chosen weight files.
    private func modelDirectory(weights: [String]) throws -> String {
        let directory = try TestSupport.temporaryDirectory(self)
        for name in ["config.json", "bert_config.json"] + weights {
            try FileManager.default.copyItem(atPath: fixture + "/" + name, toPath: directory + "/" + name)
        }
        return directory
    }

    /// The fixture's stored tensors by stored name, as the reference safetensors holds them.
    private func storedTensors() throws -> [String: Tensor] {
        try SafetensorsReader.read(path: fixture + "/model.safetensors").tensors
    }

    /// A model directory whose `model.safetensors` is written here from `tensors` (F32).
    private func directory(with tensors: [String: Tensor], extra: [SafetensorsWriter.Item] = []) throws -> String {
        let directory = try modelDirectory(weights: [])
        let items = tensors.sorted { $0.key < $1.key }.map { SafetensorsWriter.f32($0.key, $0.value.shape, $0.value.values) }
        try SafetensorsWriter.write(items + extra, to: directory + "/model.safetensors")
        return directory
    }

    func testBinAndSafetensorsLoadIdentically() throws {
        let fromBin = try Checkpoint.load(directory: try modelDirectory(weights: ["pytorch_model.bin"]))
        let fromSafetensors = try Checkpoint.load(directory: try modelDirectory(weights: ["model.safetensors"]))
        XCTAssertEqual(fromBin.queryBert, fromSafetensors.queryBert)
        XCTAssertEqual(fromBin.documentBert, fromSafetensors.documentBert)
        XCTAssertEqual(fromBin.hyperhead, fromSafetensors.hyperhead)
        XCTAssertEqual(fromBin.fingerprint, fromSafetensors.fingerprint)
        XCTAssertEqual(fromBin.fingerprint.count, 64)
    }

    func testLoadedTensorsFollowTheLayout() throws {
        let checkpoint = try Checkpoint.load(directory: try modelDirectory(weights: ["pytorch_model.bin"]))
        let config = checkpoint.config
        XCTAssertEqual(config.bert.hiddenSize, 4)
        XCTAssertEqual(config.queryMaxLength, 8)
        let bertNames = Set(CheckpointLayout.bertTensors(config.bert).map(\.name))
        XCTAssertEqual(Set(checkpoint.queryBert.keys), bertNames, "pooler is dropped, nothing else")
        XCTAssertEqual(Set(checkpoint.hyperhead.keys), Set(CheckpointLayout.hyperheadTensors(config).map(\.name)))
        XCTAssertEqual(checkpoint.hyperhead["key_projections.2.weight"]?.shape, [4, 4], "projection for bias 0 is n+1+0")
        // The shared encoder is one set of arrays, not a copy.
        let word = "embeddings.word_embeddings.weight"
        let queryAddress = checkpoint.queryBert[word]?.values.withUnsafeBufferPointer { $0.baseAddress }
        let documentAddress = checkpoint.documentBert[word]?.values.withUnsafeBufferPointer { $0.baseAddress }
        XCTAssertEqual(queryAddress, documentAddress)
        // Values are the stored ones.
        let stored = try storedTensors()
        XCTAssertEqual(checkpoint.queryBert[word], stored["query_encoder.transformer." + word])
        XCTAssertEqual(checkpoint.hyperhead["hyper_base_matrices.1"], stored["query_encoder.hyper_base_matrices.1"])
    }

    func testSafetensorsIsPreferredOverBin() throws {
        let directory = try modelDirectory(weights: ["pytorch_model.bin"])
        try TestSupport.write([0, 1, 2], to: directory + "/model.safetensors")
        TestSupport.assertFormatError(mentioning: ["model.safetensors"]) { try Checkpoint.load(directory: directory) }
    }

    func testPassagePrefixAloneServesASharedEncoder() throws {
        var tensors: [String: Tensor] = [:]
        for (name, tensor) in try storedTensors() {
            tensors[name.replacingOccurrences(of: "query_encoder.transformer.", with: "passage_encoder.transformer.")] = tensor
        }
        let checkpoint = try Checkpoint.load(directory: try directory(with: tensors))
        let reference = try Checkpoint.load(directory: try modelDirectory(weights: ["model.safetensors"]))
        XCTAssertEqual(checkpoint.queryBert, reference.queryBert)
        XCTAssertEqual(checkpoint.fingerprint, reference.fingerprint)
    }

    func testUnsharedEncoderNeedsBothPrefixes() throws {
        let directory = try modelDirectory(weights: ["model.safetensors"])
        var config = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/config.json")))
                as? [String: Any])
        config["shared_encoder"] = false
        try TestSupport.write(json: config, to: directory + "/config.json")
        TestSupport.assertThrows(
            .missingTensor(key: "passage_encoder.transformer.embeddings.word_embeddings.weight", expectedShape: [6, 4])
        ) {
            try Checkpoint.load(directory: directory)
        }
        // With both stored (the .bin) it loads, and the fingerprint matches the shared model's.
        let both = try modelDirectory(weights: ["pytorch_model.bin"])
        try TestSupport.write(json: config, to: both + "/config.json")
        let unshared = try Checkpoint.load(directory: both)
        XCTAssertEqual(unshared.documentBert, unshared.queryBert)
    }

    func testMissingTensor() throws {
        var tensors = try storedTensors()
        tensors["query_encoder.value_projections.2.bias"] = nil
        TestSupport.assertThrows(.missingTensor(key: "query_encoder.value_projections.2.bias", expectedShape: [4])) {
            try Checkpoint.load(directory: try directory(with: tensors))
        }
    }

    func testMisShapedTensor() throws {
        var tensors = try storedTensors()
        let key = "query_encoder.transformer.encoder.layer.0.intermediate.dense.weight"
        tensors[key] = Tensor(zeros: [4, 8])
        TestSupport.assertThrows(.shapeMismatch(key: key, expectedShape: [8, 4], foundShape: [4, 8])) {
            try Checkpoint.load(directory: try directory(with: tensors))
        }
    }

    func testConfigDisagreeingWithTensorsNamesTheKey() throws {
        let directory = try modelDirectory(weights: ["pytorch_model.bin"])
        var bert = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/bert_config.json")))
                as? [String: Any])
        bert["vocab_size"] = 7
        try TestSupport.write(json: bert, to: directory + "/bert_config.json")
        TestSupport.assertThrows(
            .shapeMismatch(
                key: "query_encoder.transformer.embeddings.word_embeddings.weight", expectedShape: [7, 4], foundShape: [6, 4])
        ) {
            try Checkpoint.load(directory: directory)
        }
    }

    func testNaNWeight() throws {
        var tensors = try storedTensors()
        let key = "query_encoder.hyper_base_vectors.0"
        tensors[key]?.values[1] = .nan
        TestSupport.assertThrows(.nonFinite(key: key)) { try Checkpoint.load(directory: try directory(with: tensors)) }
        tensors[key]?.values[1] = -.infinity
        TestSupport.assertThrows(.nonFinite(key: key)) { try Checkpoint.load(directory: try directory(with: tensors)) }
    }

    func testWeightWithIntegerDtype() throws {
        var tensors = try storedTensors()
        let key = "query_encoder.transformer.embeddings.LayerNorm.bias"
        tensors[key] = nil
        let integer = SafetensorsWriter.Item(name: key, dtype: "I32", shape: [4], data: [UInt8](repeating: 0, count: 16))
        TestSupport.assertFormatError(mentioning: ["'\(key)'", "I32", "F32, F16 or BF16"]) {
            try Checkpoint.load(directory: try directory(with: tensors, extra: [integer]))
        }
    }

    func testDirectoryWithoutWeights() throws {
        let directory = try modelDirectory(weights: [])
        TestSupport.assertThrows(
            .file(path: directory, reason: "no model.safetensors or pytorch_model.bin in the model directory")
        ) {
            try Checkpoint.load(directory: directory)
        }
    }

    func testFingerprintDependsOnValuesAndConfig() throws {
        let reference = try Checkpoint.load(directory: try modelDirectory(weights: ["model.safetensors"]))
        var tensors = try storedTensors()
        tensors["query_encoder.hyper_base_matrices.0"]?.values[0] += 1
        let changedValue = try Checkpoint.load(directory: try directory(with: tensors))
        XCTAssertNotEqual(changedValue.fingerprint, reference.fingerprint)

        let directory = try modelDirectory(weights: ["model.safetensors"])
        var config = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/config.json")))
                as? [String: Any])
        config["document_max_length"] = 7
        try TestSupport.write(json: config, to: directory + "/config.json")
        XCTAssertNotEqual(try Checkpoint.load(directory: directory).fingerprint, reference.fingerprint)

        XCTAssertEqual(
            ModelFingerprint.compute(
                config: reference.config, queryBert: reference.queryBert,
                documentBert: reference.documentBert, hyperhead: reference.hyperhead),
            reference.fingerprint)
    }

    func testSHA256KnownAnswers() {
        // FIPS 180-4 example vectors.
        var empty = SHA256()
        XCTAssertEqual(empty.finalizeHex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var abc = SHA256()
        abc.update("abc")
        XCTAssertEqual(abc.finalizeHex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        var two = SHA256()
        two.update("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        XCTAssertEqual(two.finalizeHex(), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}

/// `BertCheckpoint.load` on Swift-written plain BERT directories (MiniLM itself is in
/// GeneratedModelTests).
final class BertCheckpointLoadingTests: XCTestCase {
    private let config: [String: Any] = [
        "hidden_size": 4, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8,
        "vocab_size": 6, "max_position_embeddings": 8, "type_vocab_size": 2, "hidden_act": "gelu", "model_type": "bert",
    ]

    private func write(prefix: String, legacyLayerNorm: Bool) throws -> (String, [String: Tensor]) {
        let directory = try TestSupport.temporaryDirectory(self)
        try TestSupport.write(json: config, to: directory + "/config.json")
        let bert = try BertConfig.load(path: directory + "/config.json")
        var items: [SafetensorsWriter.Item] = []
        var expected: [String: Tensor] = [:]
        for (index, (name, shape)) in CheckpointLayout.bertTensors(bert).enumerated() {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { Float($0 + index) / 64 }
            expected[name] = Tensor(shape: shape, values: values)
            var stored = name
            if legacyLayerNorm, let legacy = TensorSelection.legacyName(name) { stored = legacy }
            items.append(SafetensorsWriter.f32(prefix + stored, shape, values))
        }
        items.append(
            SafetensorsWriter.Item(
                name: prefix + "embeddings.position_ids", dtype: "I64", shape: [1, 8], data: [UInt8](repeating: 0, count: 64)))
        items.append(SafetensorsWriter.f32(prefix + "pooler.dense.bias", [4], [1, 2, 3, 4]))
        try SafetensorsWriter.write(items, to: directory + "/model.safetensors")
        return (directory, expected)
    }

    func testPlainAndPrefixedKeys() throws {
        for (prefix, legacy) in [("", false), ("bert.", false), ("bert.", true)] {
            let (directory, expected) = try write(prefix: prefix, legacyLayerNorm: legacy)
            let checkpoint = try BertCheckpoint.load(directory: directory)
            XCTAssertEqual(checkpoint.weights, expected, "prefix '\(prefix)' legacy \(legacy)")
            XCTAssertEqual(checkpoint.config.hiddenSize, 4)
        }
    }

    func testMissingLayerTensorNamesTheStoredKey() throws {
        let (directory, _) = try write(prefix: "bert.", legacyLayerNorm: false)
        var bigger = config
        bigger["num_hidden_layers"] = 2
        try TestSupport.write(json: bigger, to: directory + "/config.json")
        TestSupport.assertThrows(.missingTensor(key: "bert.encoder.layer.1.attention.self.query.weight", expectedShape: [4, 4])) {
            try BertCheckpoint.load(directory: directory)
        }
    }
}
