/// Adds vectors element-wise.
///
/// `@_optimize(speed)` on these small loops (here and in the other element-wise kernels) asks
/// the compiler to optimise them even in debug builds, where unoptimised loops are 20–50×
/// slower and would make the bert-base fidelity tests take minutes.
enum VectorAdd {
    /// `target[i] += addend[i]` for `count` values.
    @_optimize(speed)
    static func add(_ addend: UnsafePointer<Float>, to target: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { target[i] += addend[i] }
    }
}

/// Adds a bias vector to every row of a row-major matrix: the `+ b` of every `nn.Linear`,
/// kept separate from SGEMM so the GEMM can write its output without first copying the
/// bias into it.
enum BiasAdd {
    @_optimize(speed)
    static func addRows(
        _ matrix: UnsafeMutablePointer<Float>, rows: Int, columns: Int, rowStride: Int,
        bias: UnsafePointer<Float>
    ) {
        for r in 0..<rows {
            let row = matrix + r * rowStride
            for c in 0..<columns { row[c] += bias[c] }
        }
    }
}
