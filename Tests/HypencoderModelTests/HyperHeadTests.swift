import XCTest

@testable import HypencoderModel

/// The hyperhead and q-net against naive double-precision loops of DESIGN.md §2.
final class HyperHeadTests: XCTestCase {
    /// Non-square last hidden layer (8→6) to catch any mix-up of rows and columns.
    private let dimensions = [8, 8, 8, 6, 1]
    private let width = 8

    private func randomStates(_ rows: Int, seed: UInt64) -> [Float] {
        var generator = SplitMix64(seed: seed)
        return (0..<(rows * width)).map { _ in generator.nextUniform() * 2 }
    }

    func testGeneratedQNetMatchesNaiveHyperhead() throws {
        try BLAS.load()
        var random = RandomWeights(seed: 11)
        let tensors = random.hyperhead(dimensions: dimensions, model: width)
        let head = try HyperHead(
            dimensions: dimensions, modelDimension: width, activation: .relu, residualOnLast: false, weights: tensors)
        let length = 5
        let states = randomStates(length, seed: 3)
        let qnet = try head.generate(states: states, batch: TokenBatch(sequences: [[Int32](repeating: 1, count: length)]))[0]
        let (weights, biases) = Naive.hyperhead(
            Naive.matrix(states, rows: length, columns: width), dimensions: dimensions, weights: tensors)
        XCTAssertEqual(qnet.layers.map(\.outputs), [8, 8, 6])
        XCTAssertEqual(qnet.layers.map(\.residual), [true, true, false])
        for (j, layer) in qnet.layers.enumerated() {
            for o in 0..<layer.outputs {
                for i in 0..<layer.inputs {
                    XCTAssertEqual(
                        Double(layer.weight[o * layer.inputs + i]), weights[j][o][i], accuracy: 1e-4, "W\(j)[\(o),\(i)]")
                }
                XCTAssertEqual(Double(layer.bias[o]), biases[j][o], accuracy: 1e-4, "b\(j)[\(o)]")
            }
        }
        for i in 0..<6 { XCTAssertEqual(Double(qnet.output[i]), weights[3][0][i], accuracy: 1e-4) }
    }

    /// A hidden layer wider than the encoder (8 → 16, no residual), as `[384, 768, 1]` heads have,
    /// with the official last weight and with `linear_last_weight`.
    func testWideHiddenLayerAndLinearLastWeightMatchNaiveHyperhead() throws {
        try BLAS.load()
        let wide = [8, 16, 1]
        for linearLastWeight in [false, true] {
            var random = RandomWeights(seed: 15)
            let tensors = random.hyperhead(dimensions: wide, model: width)
            let head = try HyperHead(
                dimensions: wide, modelDimension: width, activation: .relu, residualOnLast: false,
                linearLastWeight: linearLastWeight, weights: tensors)
            let length = 4
            let states = randomStates(length, seed: 5)
            let qnet = try head.generate(
                states: states, batch: TokenBatch(sequences: [[Int32](repeating: 1, count: length)]))[0]
            let (weights, biases) = Naive.hyperhead(
                Naive.matrix(states, rows: length, columns: width), dimensions: wide, linearLastWeight: linearLastWeight,
                weights: tensors)
            XCTAssertEqual(qnet.layers.map(\.outputs), [16])
            let layer = qnet.layers[0]
            for o in 0..<16 {
                for i in 0..<8 {
                    XCTAssertEqual(Double(layer.weight[o * 8 + i]), weights[0][o][i], accuracy: 1e-4, "W0[\(o),\(i)]")
                }
                XCTAssertEqual(Double(layer.bias[o]), biases[0][o], accuracy: 1e-4, "b0[\(o)]")
                XCTAssertEqual(Double(qnet.output[o]), weights[1][0][o], accuracy: 1e-4, "w1[\(o)] linear=\(linearLastWeight)")
            }
            // Without ReLU and LN the last weight keeps negative entries and a mean the official one lacks.
            if linearLastWeight {
                let official = Naive.hyperhead(
                    Naive.matrix(states, rows: length, columns: width), dimensions: wide, weights: tensors)
                XCTAssertNotEqual(official.weights[1][0], weights[1][0])
            }
        }
    }

    func testBatchedQueriesGiveTheSameQNetsAsOneByOne() throws {
        try BLAS.load()
        var random = RandomWeights(seed: 12)
        let head = try HyperHead(
            dimensions: dimensions, modelDimension: width, activation: .relu, residualOnLast: false,
            weights: random.hyperhead(dimensions: dimensions, model: width))
        let lengths = [3, 6, 1]
        let batch = try TokenBatch(sequences: lengths.map { [Int32](repeating: 1, count: $0) })
        let singles = lengths.indices.map { randomStates(lengths[$0], seed: UInt64($0)) }
        let packed = singles.flatMap { $0 }
        let batched = try head.generate(states: packed, batch: batch)
        for (b, length) in lengths.enumerated() {
            let alone = try head.generate(
                states: singles[b], batch: TokenBatch(sequences: [[Int32](repeating: 1, count: length)]))[0]
            for (x, y) in zip(batched[b].layers, alone.layers) {
                for i in x.weight.indices { XCTAssertEqual(x.weight[i], y.weight[i], accuracy: 1e-5) }
                for i in x.bias.indices { XCTAssertEqual(x.bias[i], y.bias[i], accuracy: 1e-5) }
            }
        }
    }

    func testQNetScoresMatchNaiveLoopsForEveryActivationAcrossBlocks() throws {
        try BLAS.load()
        var random = RandomWeights(seed: 13)
        for activation in [QNetActivation.relu, .tanh, .sigmoid, .gelu, .leakyRelu] {
            for residualOnLast in [false, true] {
                let dims = residualOnLast ? [8, 8, 8, 1] : dimensions
                let n = dims.count - 2
                let layers = try (0..<n).map { j in
                    try QNet.Layer(
                        inputs: dims[j], outputs: dims[j + 1], weight: random.values(dims[j] * dims[j + 1]),
                        bias: random.values(dims[j + 1]), residual: j < n - 1 || residualOnLast)
                }
                let qnet = try QNet(layers: layers, output: random.values(dims[n]), activation: activation)
                let documents = (0..<11).map { _ in random.values(8, scale: 2) }
                var scores = [Float](repeating: .nan, count: 11)
                let flat = documents.flatMap { $0 }
                try scores.withUnsafeMutableBufferPointer {
                    try qnet.score(
                        documents: flat, count: 11, dimension: 8, into: $0.baseAddress!, workspace: QNetWorkspace(blockSize: 4))
                }
                // Another block size only changes rounding inside the GEMM.
                for (x, y) in zip(try qnet.score(documents), scores) { XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y))) }
                let weights =
                    layers.map { Naive.matrix($0.weight, rows: $0.outputs, columns: $0.inputs) } + [
                        [qnet.output.map(Double.init)]
                    ]
                let biases = layers.map { $0.bias.map(Double.init) }
                for (d, document) in documents.enumerated() {
                    let expected = Naive.score(
                        document.map(Double.init), weights: weights, biases: biases,
                        activation: activation.rawValue, residualOnLast: residualOnLast)
                    XCTAssertEqual(Double(scores[d]), expected, accuracy: 1e-4 * max(1, abs(expected)), "\(activation) doc \(d)")
                }
            }
        }
    }

    func testQNetReportsFlopsAndRejectsInconsistentShapes() throws {
        let layer = try QNet.Layer(
            inputs: 4, outputs: 4, weight: [Float](repeating: 0, count: 16), bias: [0, 0, 0, 0], residual: true)
        let qnet = try QNet(layers: [layer, layer], output: [1, 2, 3, 4], activation: .relu)
        XCTAssertEqual(qnet.flopsPerDocument, 2 * (16 + 16 + 4))
        XCTAssertThrowsError(try qnet.score([[1, 2, 3]]))
        XCTAssertThrowsError(try QNet(layers: [layer], output: [1, 2, 3], activation: .relu))
        XCTAssertThrowsError(
            try QNet.Layer(inputs: 4, outputs: 3, weight: [Float](repeating: 0, count: 12), bias: [0, 0, 0], residual: true))
        XCTAssertThrowsError(try QNet.Layer(inputs: 4, outputs: 4, weight: [0], bias: [0, 0, 0, 0], residual: false))
    }

    func testMissingHyperheadTensorNamesTheFileKey() throws {
        var random = RandomWeights(seed: 14)
        var tensors = random.hyperhead(dimensions: dimensions, model: width)
        tensors["value_projections.5.bias"] = nil
        XCTAssertThrowsError(
            try HyperHead(
                dimensions: dimensions, modelDimension: width, activation: .relu, residualOnLast: false, weights: tensors)
        ) {
            XCTAssertEqual($0 as? ModelError, .missingTensor(key: "query_encoder.value_projections.5.bias", expectedShape: [8]))
        }
    }
}
