/// Picks the expected tensors out of a weight file and checks each one's presence, dtype
/// and shape.
struct TensorSelection {
    let contents: WeightFileContents

    /// Old BERT checkpoints (converted from TensorFlow) call LayerNorm parameters
    /// gamma/beta; Hugging Face renames them on load, and so do we.
    static func legacyName(_ name: String) -> String? {
        if name.hasSuffix("LayerNorm.weight") { return String(name.dropLast("weight".count)) + "gamma" }
        if name.hasSuffix("LayerNorm.bias") { return String(name.dropLast("bias".count)) + "beta" }
        return nil
    }

    /// Every stored name a wanted tensor could have under `prefix` (for reader selection).
    static func storedNames(for expected: [(name: String, shape: [Int])], prefix: String) -> [String] {
        expected.flatMap { item in [prefix + item.name] + (legacyName(item.name).map { [prefix + $0] } ?? []) }
    }

    /// Tensors by unprefixed name; throws on the first missing, wrongly typed or mis-shaped one.
    func select(_ expected: [(name: String, shape: [Int])], prefix: String) throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for (name, shape) in expected {
            let key = prefix + name
            let legacyKey = Self.legacyName(name).map { prefix + $0 }
            guard let tensor = contents.tensors[key] ?? legacyKey.flatMap({ contents.tensors[$0] }) else {
                if let dtype = contents.skipped[key] ?? legacyKey.flatMap({ contents.skipped[$0] }) {
                    throw ModelError.format(
                        path: contents.path, reason: "tensor '\(key)' is stored as \(dtype); weights must be F32, F16 or BF16")
                }
                throw ModelError.missingTensor(key: key, expectedShape: shape)
            }
            guard tensor.shape == shape else {
                throw ModelError.shapeMismatch(key: key, expectedShape: shape, foundShape: tensor.shape)
            }
            result[name] = tensor
        }
        return result
    }

    /// True when any stored float tensor or skipped buffer starts with `prefix`.
    func hasPrefix(_ prefix: String) -> Bool {
        contents.tensors.keys.contains { $0.hasPrefix(prefix) } || contents.skipped.keys.contains { $0.hasPrefix(prefix) }
    }
}
