/// A deterministic identity for a model's arithmetic, used by the index to refuse vectors
/// made by a different model.
///
/// Definition (version 1): SHA-256, as 64 lowercase hex digits, of the UTF-8 text
///
///     hypencoder-fingerprint v1
///     qnet vector_dimensions=768,768,1 activation=relu do_residual_on_last=false pooling=cls[ linear_last_weight=true]
///     limits query_max_length=64 document_max_length=512
///     bert hidden_size=768 layers=12 heads=12 intermediate_size=3072 vocab_size=30522 max_positions=512 type_vocab_size=2 layer_norm_eps=0x2b8cbccc hidden_act=gelu
///     tensor <name> <d0>x<d1>… <16 hex digits of TensorDigest>
///     …
///
/// with one `tensor` line per tensor, sorted by name, where names carry the official
/// prefixes: `query_encoder.transformer.` for the query BERT, `passage_encoder.transformer.`
/// for the document BERT (listed even when shared, so shared and separately stored copies
/// of the same weights agree), `query_encoder.` for the hyperhead. `layer_norm_eps` is the
/// F32 bit pattern. Because tensors are hashed after widening to F32 and under normalised
/// names, the same weights stored as `.bin` or `.safetensors` (or F16 vs F32 of identical
/// values) give the same fingerprint. ` linear_last_weight=true` is appended to the `qnet`
/// line only for models that use that extension, so every other model keeps its fingerprint.
public enum ModelFingerprint {
    public static func compute(
        config: HypencoderConfig, queryBert: [String: Tensor], documentBert: [String: Tensor],
        hyperhead: [String: Tensor]
    ) -> String {
        var digests = DigestCache()
        var lines: [String] = []
        let groups = [
            (CheckpointLayout.queryBertPrefix, queryBert), (CheckpointLayout.documentBertPrefix, documentBert),
            (CheckpointLayout.hyperheadPrefix, hyperhead),
        ]
        for (prefix, tensors) in groups {
            for (name, tensor) in tensors {
                lines.append(tensorLine(name: prefix + name, shape: tensor.shape, hash: digests.digest(tensor.values).hash))
            }
        }
        return finish(config: config, tensorLines: lines)
    }

    static func tensorLine(name: String, shape: [Int], hash: UInt64) -> String {
        let hex = String(hash, radix: 16)
        return
            "tensor \(name) \(shape.map(String.init).joined(separator: "x")) \(String(repeating: "0", count: 16 - hex.count))\(hex)"
    }

    static func finish(config: HypencoderConfig, tensorLines: [String]) -> String {
        let bert = config.bert
        var sha = SHA256()
        var text = "hypencoder-fingerprint v1\n"
        text +=
            "qnet vector_dimensions=\(config.vectorDimensions.map(String.init).joined(separator: ",")) activation=\(config.activation.rawValue) do_residual_on_last=\(config.doResidualOnLast) pooling=\(config.pooling.rawValue)\(config.linearLastWeight ? " linear_last_weight=true" : "")\n"
        text += "limits query_max_length=\(config.queryMaxLength) document_max_length=\(config.documentMaxLength)\n"
        text +=
            "bert hidden_size=\(bert.hiddenSize) layers=\(bert.layers) heads=\(bert.heads) intermediate_size=\(bert.intermediateSize) vocab_size=\(bert.vocabSize) max_positions=\(bert.maxPositions) type_vocab_size=\(bert.typeVocabSize) layer_norm_eps=0x\(String(bert.layerNormEps.bitPattern, radix: 16)) hidden_act=\(bert.hiddenAct)\n"
        sha.update(text)
        for line in tensorLines.sorted() { sha.update(line + "\n") }
        return sha.finalizeHex()
    }
}

/// Digests tensors, computing each distinct value buffer once: a shared encoder's query and
/// document tensors are the same arrays, and hashing 440 MB twice would be waste.
struct DigestCache {
    private var byBuffer: [UnsafeRawPointer: TensorDigest] = [:]

    mutating func digest(_ values: [Float]) -> TensorDigest {
        let address = values.withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) }
        if let address, let known = byBuffer[address] { return known }
        let digest = TensorDigest(values)
        if let address { byBuffer[address] = digest }
        return digest
    }
}
