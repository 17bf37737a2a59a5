/// The weights of one BERT transformer layer, with Q, K and V stacked into one projection.
struct BertLayerWeights: Sendable {
    /// `3d × d`: rows 0..<d are the query projection, then key, then value, so one GEMM
    /// yields rows laid out `[q | k | v]`.
    let queryKeyValue: DenseLayer
    let attentionOutput: DenseLayer
    let attentionNorm: AffineNorm
    let intermediate: DenseLayer
    let output: DenseLayer
    let outputNorm: AffineNorm

    init(_ table: WeightTable, layer: Int, config: BertConfig) throws {
        let d = config.hiddenSize
        let p = "encoder.layer.\(layer)."
        queryKeyValue = DenseLayer.stacking([
            try DenseLayer(table, p + "attention.self.query", inputs: d, outputs: d),
            try DenseLayer(table, p + "attention.self.key", inputs: d, outputs: d),
            try DenseLayer(table, p + "attention.self.value", inputs: d, outputs: d),
        ])
        attentionOutput = try DenseLayer(table, p + "attention.output.dense", inputs: d, outputs: d)
        attentionNorm = try AffineNorm(table, p + "attention.output.LayerNorm", width: d)
        intermediate = try DenseLayer(table, p + "intermediate.dense", inputs: d, outputs: config.intermediateSize)
        output = try DenseLayer(table, p + "output.dense", inputs: config.intermediateSize, outputs: d)
        outputNorm = try AffineNorm(table, p + "output.LayerNorm", width: d)
    }
}

/// A LayerNorm's learned scale and shift.
struct AffineNorm: Sendable {
    let weight: [Float]
    let bias: [Float]

    init(_ table: WeightTable, _ name: String, width: Int) throws {
        weight = try table.values(name + ".weight", shape: [width])
        bias = try table.values(name + ".bias", shape: [width])
    }

    func normalizeRows(_ matrix: UnsafeMutablePointer<Float>, rows: Int, width: Int, eps: Float) {
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                LayerNorm.normalizeRows(
                    matrix, rows: rows, count: width, eps: eps, weight: w.baseAddress!, bias: b.baseAddress!)
            }
        }
    }
}
