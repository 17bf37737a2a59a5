import XCTest

@testable import HypencoderWeights

final class ConfigLoadingTests: XCTestCase {
    private let converterPath = "query_encoder_kwargs.converter_kwargs."

    private func official(_ converter: [String: Any] = [:], top: [String: Any] = [:]) -> [String: Any] {
        var converterKwargs: [String: Any] = [
            "vector_dimensions": [768, 768, 768, 1], "activation_type": "relu", "do_residual_on_last": false,
        ]
        converterKwargs.merge(converter) { $1 }
        var json: [String: Any] = [
            "query_encoder_kwargs": ["model_name_or_path": "google-bert/bert-base-uncased", "converter_kwargs": converterKwargs],
            "passage_encoder_kwargs": ["pooling_type": "cls"],
            "shared_encoder": true,
            "loss_type": ["margin_mse"],
        ]
        json.merge(top) { $1 }
        return json
    }

    private func directory(config: [String: Any], bert: [String: Any]? = nil) throws -> String {
        let directory = try TestSupport.temporaryDirectory(self)
        try TestSupport.write(json: config, to: directory + "/config.json")
        if let bert { try TestSupport.write(json: bert, to: directory + "/bert_config.json") }
        return directory
    }

    private func assertConfigError(key: String, _ config: [String: Any], bert: [String: Any]? = nil, line: UInt = #line) throws {
        let dir = try directory(config: config, bert: bert)
        XCTAssertThrowsError(try HypencoderConfig.load(directory: dir), line: line) { error in
            guard case .config(let errorKey, let reason)? = error as? ModelError else {
                return XCTFail("expected a config error for \(key), got \(error)", line: line)
            }
            XCTAssertEqual(errorKey, key, reason, line: line)
        }
    }

    func testOfficialConfigWithDefaultsForBert() throws {
        let config = try HypencoderConfig.load(directory: try directory(config: official()))
        XCTAssertEqual(config.vectorDimensions, [768, 768, 768, 1])
        XCTAssertEqual(config.hiddenLayers, 2)
        XCTAssertEqual(config.activation, .relu)
        XCTAssertFalse(config.doResidualOnLast)
        XCTAssertEqual(config.pooling, .cls)
        XCTAssertTrue(config.sharedEncoder)
        XCTAssertEqual(config.bert, .bertBaseUncased)
        XCTAssertEqual(config.queryMaxLength, 64)
        XCTAssertEqual(config.documentMaxLength, 512)
    }

    func testBertConfigAndTokenLimits() throws {
        let bert: [String: Any] = [
            "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
            "intermediate_size": 1536, "vocab_size": 30522, "max_position_embeddings": 512,
            "type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu", "architectures": ["BertModel"],
        ]
        let json = official(
            ["vector_dimensions": [384, 384, 1], "do_residual_on_last": true],
            top: [
                "query_max_length": 32, "document_max_length": 256,
                "passage_encoder_kwargs": ["pooling_type": "mean"],
            ])
        let config = try HypencoderConfig.load(directory: try directory(config: json, bert: bert))
        XCTAssertEqual(config.bert.hiddenSize, 384)
        XCTAssertEqual(config.bert.intermediateSize, 1536)
        XCTAssertEqual(config.pooling, .mean)
        XCTAssertTrue(config.doResidualOnLast)
        XCTAssertEqual(config.queryMaxLength, 32)
        XCTAssertEqual(config.documentMaxLength, 256)
    }

    /// `linear_last_weight` is our extension: off unless set, a bool, and part of the fingerprint
    /// only when on (official models keep their fingerprints).
    func testLinearLastWeightExtension() throws {
        XCTAssertFalse(try HypencoderConfig.load(directory: try directory(config: official())).linearLastWeight)
        let wide = official(["vector_dimensions": [768, 1536, 1], "linear_last_weight": true])
        let config = try HypencoderConfig.load(directory: try directory(config: wide))
        XCTAssertTrue(config.linearLastWeight)
        XCTAssertEqual(config.vectorDimensions, [768, 1536, 1])
        try assertConfigError(key: converterPath + "linear_last_weight", official(["linear_last_weight": "yes"]))
        var official = config
        official.linearLastWeight = false
        let tensors = ["x": Tensor(shape: [1], values: [1])]
        XCTAssertNotEqual(
            ModelFingerprint.compute(config: config, queryBert: tensors, documentBert: tensors, hyperhead: [:]),
            ModelFingerprint.compute(config: official, queryBert: tensors, documentBert: tensors, hyperhead: [:]))
    }

    func testBadTypesNameTheKeyPath() throws {
        try assertConfigError(key: converterPath + "vector_dimensions", official(["vector_dimensions": "768"]))
        try assertConfigError(key: converterPath + "vector_dimensions", official(["vector_dimensions": [768, 768, true]]))
        try assertConfigError(key: converterPath + "vector_dimensions", official(["vector_dimensions": [768, 768.5, 1]]))
        try assertConfigError(key: converterPath + "do_residual_on_last", official(["do_residual_on_last": 1]))
        try assertConfigError(key: converterPath + "activation_type", official(["activation_type": 3]))
        try assertConfigError(key: "shared_encoder", official(top: ["shared_encoder": "yes"]))
        try assertConfigError(key: "query_encoder_kwargs", official(top: ["query_encoder_kwargs": [1, 2]]))
        try assertConfigError(
            key: "passage_encoder_kwargs.pooling_type", official(top: ["passage_encoder_kwargs": ["pooling_type": 0]]))
        try assertConfigError(key: "document_max_length", official(top: ["document_max_length": "512"]))
    }

    func testBadValuesNameTheKeyPath() throws {
        try assertConfigError(key: converterPath + "vector_dimensions", official(["vector_dimensions": [768, 768, 2]]))
        try assertConfigError(key: converterPath + "vector_dimensions", official(["vector_dimensions": [512, 512, 1]]))
        try assertConfigError(key: converterPath + "vector_dimensions", official(["vector_dimensions": [768, 0, 1]]))
        try assertConfigError(key: converterPath + "vector_dimensions", official(["vector_dimensions": [768, 64, 64, 1]]))
        try assertConfigError(key: converterPath + "activation_type", official(["activation_type": "swish"]))
        try assertConfigError(key: converterPath + "do_layer_norm", official(["do_layer_norm": false]))
        try assertConfigError(
            key: "passage_encoder_kwargs.pooling_type", official(top: ["passage_encoder_kwargs": ["pooling_type": "max"]]))
        try assertConfigError(key: "query_max_length", official(top: ["query_max_length": 513]))
        try assertConfigError(key: "query_max_length", official(top: ["query_max_length": 1]))
    }

    func testMissingVectorDimensions() throws {
        try assertConfigError(key: converterPath + "vector_dimensions", ["shared_encoder": true])
    }

    func testBadBertConfig() throws {
        try assertConfigError(key: "hidden_size", official(), bert: ["hidden_size": "768"])
        try assertConfigError(key: "hidden_act", official(), bert: ["hidden_act": "relu"])
        try assertConfigError(key: "num_attention_heads", official(), bert: ["num_attention_heads": 7])
        try assertConfigError(key: "layer_norm_eps", official(), bert: ["layer_norm_eps": "tiny"])
        try assertConfigError(key: "num_hidden_layers", official(), bert: ["num_hidden_layers": -1])
    }

    func testMalformedJSON() throws {
        let dir = try TestSupport.temporaryDirectory(self)
        try TestSupport.write(Array("{\"shared_encoder\": ".utf8), to: dir + "/config.json")
        TestSupport.assertFormatError(mentioning: ["config.json", "not valid JSON"]) { try HypencoderConfig.load(directory: dir) }
        TestSupport.assertThrows(.file(path: dir + "/nothing/config.json", reason: "cannot read config file")) {
            try HypencoderConfig.load(directory: dir + "/nothing")
        }
    }
}
