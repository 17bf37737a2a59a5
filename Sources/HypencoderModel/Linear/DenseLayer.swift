/// An `nn.Linear`: `y = x·Wᵀ + b` with W stored as PyTorch stores it, out×in row-major.
///
/// Applied to many rows at once as one SGEMM (the rows of a whole padded batch), which is
/// where nearly all of BERT's time goes.
struct DenseLayer: Sendable {
    let inputs: Int
    let outputs: Int
    /// `outputs × inputs`, row o = the weights of output unit o.
    let weight: [Float]
    let bias: [Float]

    init(inputs: Int, outputs: Int, weight: [Float], bias: [Float]) {
        self.inputs = inputs
        self.outputs = outputs
        self.weight = weight
        self.bias = bias
    }

    /// Reads `<name>.weight` (out×in) and `<name>.bias` (out) from a weight table.
    init(_ table: WeightTable, _ name: String, inputs: Int, outputs: Int) throws {
        self.init(
            inputs: inputs, outputs: outputs,
            weight: try table.values(name + ".weight", shape: [outputs, inputs]),
            bias: try table.values(name + ".bias", shape: [outputs]))
    }

    /// Stacks layers that read the same input into one wider layer, so that several
    /// projections of the same rows (BERT's Q, K, V; the hyperhead's 2(2n+1) keys and values)
    /// cost one GEMM instead of many small ones.
    static func stacking(_ layers: [DenseLayer]) -> DenseLayer {
        let inputs = layers.first?.inputs ?? 0
        var weight: [Float] = []
        var bias: [Float] = []
        weight.reserveCapacity(layers.reduce(0) { $0 + $1.weight.count })
        for layer in layers {
            weight += layer.weight
            bias += layer.bias
        }
        return DenseLayer(
            inputs: inputs, outputs: layers.reduce(0) { $0 + $1.outputs }, weight: weight, bias: bias)
    }

    /// `output[r] = input[r]·Wᵀ + b` for `rows` rows; `input` has row stride `inputs`,
    /// `output` has row stride `outputs`.
    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>) {
        apply(input, rows: rows, into: output, columns: 0..<outputs)
    }

    /// The output columns `columns` only of `apply`: a contiguous block of W's rows, so pieces
    /// of a few rows (a query's tokens) can split the weights between cores instead of each
    /// core reading all of them for half the rows.
    func apply(_ input: UnsafePointer<Float>, rows: Int, into output: UnsafeMutablePointer<Float>, columns: Range<Int>) {
        guard rows > 0, !columns.isEmpty else { return }
        weight.withUnsafeBufferPointer { w in
            FewRowsGemm.multiplyByTranspose(
                m: rows, n: columns.count, k: inputs, a: input, lda: inputs,
                b: w.baseAddress! + columns.lowerBound * inputs, ldb: inputs,
                c: output + columns.lowerBound, ldc: outputs)
        }
        bias.withUnsafeBufferPointer { b in
            BiasAdd.addRows(
                output + columns.lowerBound, rows: rows, columns: columns.count, rowStride: outputs,
                bias: b.baseAddress! + columns.lowerBound)
        }
    }
}
