import Foundation

/// The steps behind `Checkpoint.load` and `BertCheckpoint.load`: find the weight file,
/// read only the tensors the config needs, check them, fingerprint them.
enum CheckpointLoader {
    /// `model.safetensors` wins over `pytorch_model.bin`: it needs no unpickling and is
    /// what current Hugging Face tooling writes.
    static func weightFile(in directory: String) throws -> String {
        for name in ["model.safetensors", "pytorch_model.bin"] {
            let path = directory + "/" + name
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        throw ModelError.file(path: directory, reason: "no model.safetensors or pytorch_model.bin in the model directory")
    }

    static func loadHypencoder(directory: String) throws -> Checkpoint {
        let config = try HypencoderConfig.load(directory: directory)
        let bertExpected = CheckpointLayout.bertTensors(config.bert)
        let headExpected = CheckpointLayout.hyperheadTensors(config)
        let queryPrefix = CheckpointLayout.queryBertPrefix
        let documentPrefix = CheckpointLayout.documentBertPrefix

        // With a shared encoder, read one stored copy: the query prefix if present, else the
        // passage prefix. The choice is made from the stored names before converting anything.
        var sharedPrefix = queryPrefix
        let contents = try WeightFileReader.read(path: try weightFile(in: directory)) { names in
            let queryStored = names.contains { $0.hasPrefix(queryPrefix) }
            var wanted = TensorSelection.storedNames(for: headExpected, prefix: CheckpointLayout.hyperheadPrefix)
            if config.sharedEncoder {
                sharedPrefix =
                    queryStored || !names.contains(where: { $0.hasPrefix(documentPrefix) }) ? queryPrefix : documentPrefix
                wanted += TensorSelection.storedNames(for: bertExpected, prefix: sharedPrefix)
            } else {
                wanted += TensorSelection.storedNames(for: bertExpected, prefix: queryPrefix)
                wanted += TensorSelection.storedNames(for: bertExpected, prefix: documentPrefix)
            }
            return Set(wanted)
        }
        let selection = TensorSelection(contents: contents)
        let queryBert: [String: Tensor]
        let documentBert: [String: Tensor]
        let queryStoredPrefix: String
        let documentStoredPrefix: String
        if config.sharedEncoder {
            queryBert = try selection.select(bertExpected, prefix: sharedPrefix)
            documentBert = queryBert
            (queryStoredPrefix, documentStoredPrefix) = (sharedPrefix, sharedPrefix)
        } else {
            queryBert = try selection.select(bertExpected, prefix: queryPrefix)
            documentBert = try selection.select(bertExpected, prefix: documentPrefix)
            (queryStoredPrefix, documentStoredPrefix) = (queryPrefix, documentPrefix)
        }
        let hyperhead = try selection.select(headExpected, prefix: CheckpointLayout.hyperheadPrefix)

        // One pass per distinct buffer: finiteness check and fingerprint hash together.
        var digests = DigestCache()
        var lines: [String] = []
        let groups = [
            (queryPrefix, queryStoredPrefix, queryBert), (documentPrefix, documentStoredPrefix, documentBert),
            (CheckpointLayout.hyperheadPrefix, CheckpointLayout.hyperheadPrefix, hyperhead),
        ]
        for (canonicalPrefix, storedPrefix, tensors) in groups {
            for (name, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
                let digest = digests.digest(tensor.values)
                guard digest.allFinite else { throw ModelError.nonFinite(key: storedPrefix + name) }
                lines.append(ModelFingerprint.tensorLine(name: canonicalPrefix + name, shape: tensor.shape, hash: digest.hash))
            }
        }
        return Checkpoint(
            directory: directory, config: config, queryBert: queryBert, documentBert: documentBert,
            hyperhead: hyperhead, fingerprint: ModelFingerprint.finish(config: config, tensorLines: lines))
    }

    static func loadBert(directory: String) throws -> BertCheckpoint {
        let config = try BertConfig.load(path: directory + "/config.json")
        let expected = CheckpointLayout.bertTensors(config)
        var prefix = ""
        let contents = try WeightFileReader.read(path: try weightFile(in: directory)) { names in
            let bare = Set(names).contains("embeddings.word_embeddings.weight")
            prefix = !bare && names.contains(where: { $0.hasPrefix("bert.") }) ? "bert." : ""
            return Set(TensorSelection.storedNames(for: expected, prefix: prefix))
        }
        let weights = try TensorSelection(contents: contents).select(expected, prefix: prefix)
        var digests = DigestCache()
        for (name, tensor) in weights.sorted(by: { $0.key < $1.key }) where !digests.digest(tensor.values).allFinite {
            throw ModelError.nonFinite(key: prefix + name)
        }
        return BertCheckpoint(directory: directory, config: config, weights: weights)
    }
}
