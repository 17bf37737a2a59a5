/// The small network a Hypencoder writes for one query: it maps a document vector to a
/// relevance score (DESIGN.md §2).
///
/// For a document vector x₀ and hidden layers j = 0…n−1:
///
///     y = LN(act(x_j·W_jᵀ + b_j));   x_{j+1} = residual_j ? y + x_j : y
///     score = x_n·w_nᵀ                (no bias, no activation)
///
/// LN is parameter-free with eps 1e-5. Residuals are on for every hidden layer but the
/// last, which has one only when the model's `do_residual_on_last` says so.
///
/// Immutable and `Sendable`: one q-net may score from many threads at once, each with its
/// own `QNetWorkspace`.
public struct QNet: Sendable, Equatable {
    /// One hidden layer: `outputs × inputs` weights (row o = the inputs of unit o, the
    /// transpose of the official code's `qnh` einsum operand), a bias per output unit.
    public struct Layer: Sendable, Equatable {
        public let inputs: Int
        public let outputs: Int
        /// `outputs × inputs`, row-major.
        public let weight: [Float]
        /// `outputs`.
        public let bias: [Float]
        /// Whether this layer adds its input to its normalised output.
        public let residual: Bool

        public init(inputs: Int, outputs: Int, weight: [Float], bias: [Float], residual: Bool) throws {
            guard inputs > 0, outputs > 0 else {
                throw ModelError.invalidInput("q-net layer must be at least 1×1, got \(outputs)×\(inputs)")
            }
            guard weight.count == inputs * outputs else {
                throw ModelError.invalidInput(
                    "q-net layer weight has \(weight.count) values, expected \(outputs)×\(inputs)")
            }
            guard bias.count == outputs else {
                throw ModelError.invalidInput("q-net layer bias has \(bias.count) values, expected \(outputs)")
            }
            guard !residual || inputs == outputs else {
                throw ModelError.invalidInput(
                    "q-net residual layer must be square, got \(outputs)×\(inputs)")
            }
            self.inputs = inputs
            self.outputs = outputs
            self.weight = weight
            self.bias = bias
            self.residual = residual
        }
    }

    /// Epsilon of the parameter-free LayerNorm (PyTorch's `F.layer_norm` default).
    public static let layerNormEps: Float = 1e-5

    public let layers: [Layer]
    /// The final weight w_n, one value per input of the last layer.
    public let output: [Float]
    public let activation: QNetActivation

    public init(layers: [Layer], output: [Float], activation: QNetActivation) throws {
        for j in layers.indices.dropFirst() where layers[j].inputs != layers[j - 1].outputs {
            throw ModelError.invalidInput(
                "q-net layer \(j) takes \(layers[j].inputs) inputs but layer \(j - 1) gives \(layers[j - 1].outputs)")
        }
        let lastWidth = layers.last?.outputs ?? output.count
        guard !output.isEmpty, output.count == lastWidth else {
            throw ModelError.invalidInput("q-net output weight has \(output.count) values, expected \(lastWidth)")
        }
        self.layers = layers
        self.output = output
        self.activation = activation
    }

    /// The document vector width this q-net takes.
    public var inputDimension: Int { layers.first?.inputs ?? output.count }

    /// Multiply-adds counted as 2 FLOP: 2·(Σ r_j·d_j + d_n) per document.
    public var flopsPerDocument: Int {
        2 * (layers.reduce(0) { $0 + $1.inputs * $1.outputs } + output.count)
    }

    /// Widest activation row, for sizing workspaces.
    var maximumWidth: Int { layers.reduce(inputDimension) { max($0, $1.outputs) } }

    /// Scores document vectors given as arrays. Convenient, allocates; the index's hot
    /// path uses `score(documents:count:dimension:into:workspace:)`.
    public func score(_ vectors: [[Float]]) throws -> [Float] {
        let dimension = inputDimension
        var flat: [Float] = []
        flat.reserveCapacity(vectors.count * dimension)
        for (i, vector) in vectors.enumerated() {
            guard vector.count == dimension else {
                throw ModelError.invalidInput("document vector \(i) has \(vector.count) values, the q-net takes \(dimension)")
            }
            flat += vector
        }
        var scores = [Float](repeating: 0, count: vectors.count)
        let workspace = QNetWorkspace()
        try flat.withUnsafeBufferPointer { documents in
            try scores.withUnsafeMutableBufferPointer { out in
                guard let base = documents.baseAddress, let target = out.baseAddress else { return }
                try score(documents: base, count: vectors.count, dimension: dimension, into: target, workspace: workspace)
            }
        }
        return scores
    }
}
