/// Reusable buffers for scoring documents with a q-net, so the hot path allocates nothing.
///
/// Not thread-safe: give each thread its own. It grows on first use to what the q-net and
/// the block size need and keeps that size.
public final class QNetWorkspace {
    /// Documents per block: one SGEMM per layer per block. Large enough that SGEMM runs near
    /// its peak, small enough that a block's activations (block × width floats, twice)
    /// stay in the L2 cache between the GEMM and the fused pass.
    public let blockSize: Int
    private var capacity = 0
    private var first: UnsafeMutablePointer<Float>
    private var second: UnsafeMutablePointer<Float>
    private var halfCapacity = 0
    private var half: UnsafeMutablePointer<UInt16>

    public init(blockSize: Int = 512) {
        self.blockSize = max(1, blockSize)
        first = .allocate(capacity: 1)
        second = .allocate(capacity: 1)
        half = .allocate(capacity: 1)
    }

    deinit {
        first.deallocate()
        second.deallocate()
        half.deallocate()
    }

    /// Two buffers of at least `count` floats each.
    func buffers(count: Int) -> (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) {
        if count > capacity {
            first.deallocate()
            second.deallocate()
            first = .allocate(capacity: count)
            second = .allocate(capacity: count)
            capacity = count
        }
        return (first, second)
    }

    /// A buffer of at least `count` bf16 values (a layer's input for the bf16 kernel).
    func bfloat16Buffer(count: Int) -> UnsafeMutablePointer<UInt16> {
        if count > halfCapacity {
            half.deallocate()
            half = .allocate(capacity: count)
            halfCapacity = count
        }
        return half
    }
}

extension QNet {
    /// Scores `count` document vectors of `dimension` floats each (row-major, contiguous) into
    /// `scores[0..<count]`. Per block of documents and per layer: one SGEMM, then one fused
    /// pass per row for bias, activation, LayerNorm and residual; the final layer is one SGEMV.
    /// Throws only if `dimension` is not the q-net's input width.
    public func score(
        documents: UnsafePointer<Float>, count: Int, dimension: Int,
        into scores: UnsafeMutablePointer<Float>, workspace: QNetWorkspace
    ) throws {
        guard dimension == inputDimension else {
            throw ModelError.invalidInput("document vectors have \(dimension) values, the q-net takes \(inputDimension)")
        }
        let block = workspace.blockSize
        let (first, second) = workspace.buffers(count: block * maximumWidth)
        var start = 0
        while start < count {
            let rows = min(block, count - start)
            var input = UnsafePointer(documents + start * dimension)
            var output = first
            for layer in layers {
                layer.weight.withUnsafeBufferPointer { w in
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: rows, n: layer.outputs, k: layer.inputs,
                        a: input, lda: layer.inputs, b: w.baseAddress!, ldb: layer.inputs,
                        c: output, ldc: layer.outputs)
                }
                finishLayer(layer, rows: rows, input: input, output: output)
                input = UnsafePointer(output)
                output = output == first ? second : first
            }
            finalLayer(rows: rows, input: input, into: scores + start)
            start += rows
        }
    }

    /// score = x_n·w_nᵀ for `rows` rows of the last layer's activations: one SGEMV.
    func finalLayer(rows: Int, input: UnsafePointer<Float>, into scores: UnsafeMutablePointer<Float>) {
        output.withUnsafeBufferPointer { w in
            BLAS.sgemv(transposeA: false, m: rows, n: w.count, a: input, lda: w.count, x: w.baseAddress!, y: scores)
        }
    }

    /// Bias, activation, LayerNorm and residual over each row of a layer's GEMM output,
    /// dispatched once per block to a loop specialised for the activation.
    func finishLayer(
        _ layer: Layer, rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        switch activation {
        case .relu: Self.finishRows(ReLU.self, layer, rows: rows, input: input, output: output)
        case .tanh: Self.finishRows(Tanh.self, layer, rows: rows, input: input, output: output)
        case .sigmoid: Self.finishRows(Sigmoid.self, layer, rows: rows, input: input, output: output)
        case .gelu: Self.finishRows(GELU.self, layer, rows: rows, input: input, output: output)
        case .leakyRelu: Self.finishRows(LeakyReLU.self, layer, rows: rows, input: input, output: output)
        }
    }

    @_optimize(speed)
    private static func finishRows<Activation: ActivationFunction>(
        _: Activation.Type, _ layer: Layer, rows: Int, input: UnsafePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let width = layer.outputs
        layer.bias.withUnsafeBufferPointer { biasBuffer in
            let bias = biasBuffer.baseAddress!
            for r in 0..<rows {
                let row = output + r * width
                for i in 0..<width { row[i] = Activation.apply(row[i] + bias[i]) }
                let (mean, scale) = LayerNorm.moments(row, count: width, eps: layerNormEps)
                if layer.residual {
                    let previous = input + r * layer.inputs
                    for i in 0..<width { row[i] = (row[i] - mean) * scale + previous[i] }
                } else {
                    for i in 0..<width { row[i] = (row[i] - mean) * scale }
                }
            }
        }
    }
}
