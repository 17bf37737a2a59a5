import HypencoderWeights

/// Named tensors with shape checks, for building the compute structures.
///
/// The loader already checks the config against the tensors; this is the last line of
/// defence, so that a tensor of the wrong size can never reach a kernel that would read
/// past its end. Leading dimensions of size 1 are ignored (the hyperhead stores
/// `hyper_base_matrices.i` as 1×r×d, the kernels want r×d).
struct WeightTable {
    let tensors: [String: Tensor]
    /// Prepended to names in error messages (`query_encoder.`), so they match the file.
    let prefix: String

    init(_ tensors: [String: Tensor], prefix: String = "") {
        self.tensors = tensors
        self.prefix = prefix
    }

    func values(_ name: String, shape: [Int]) throws -> [Float] {
        guard let tensor = tensors[name] else {
            throw ModelError.missingTensor(key: prefix + name, expectedShape: shape)
        }
        guard Self.squeezed(tensor.shape) == Self.squeezed(shape), tensor.values.count == shape.reduce(1, *)
        else {
            throw ModelError.shapeMismatch(key: prefix + name, expectedShape: shape, foundShape: tensor.shape)
        }
        return tensor.values
    }

    private static func squeezed(_ shape: [Int]) -> [Int] {
        Array(shape.drop(while: { $0 == 1 }))
    }
}
