/// A dense float32 tensor in row-major order.
///
/// Weight files store F32, F16 or BF16; everything is widened to F32 when loaded, because
/// every kernel we run (OpenBLAS SGEMM, our element-wise passes) works in F32, as the
/// reference PyTorch code does on CPU.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(
            shape.reduce(1, *) == values.count,
            "Tensor shape \(shape) does not hold \(values.count) values")
        self.shape = shape
        self.values = values
    }

    public init(zeros shape: [Int]) {
        self.init(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    public var count: Int { values.count }
}
