import TensorFiles

/// Reads a `pytorch_model.bin` written by `torch.save(state_dict)`: a zip holding
/// `<folder>/data.pkl` (the dict's structure) and `<folder>/data/<key>` (raw storages).
///
/// Tensors are strided views into storages. A storage shared by several tensors (the
/// official checkpoints store the shared BERT under both `query_encoder.transformer.` and
/// `passage_encoder.transformer.`) is widened to F32 once; a view covering the whole
/// storage contiguously reuses that array (copy-on-write, no second copy), other views
/// gather their elements honouring offset, size and stride.
enum TorchArchiveReader {
    static func read(
        path: String, select: WeightFileReader.Selection = WeightFileReader.everything, integerBuffers: Bool = false
    ) throws -> WeightFileContents {
        let file = try ModelError.translating { try MappedFile(path: path) }
        if file.bytes.first == 0x80 {
            // A bare pickle (PROTO opcode first) is the pre-1.6 torch.save format.
            throw ModelError.format(
                path: path,
                reason: "legacy (pre-PyTorch 1.6) torch.save format; re-save it with a current torch.save or as model.safetensors"
            )
        }
        let archive = try ZipArchive(path: path, bytes: file.bytes)
        guard let pickleName = archive.names.first(where: { $0 == "data.pkl" || $0.hasSuffix("/data.pkl") }) else {
            throw ModelError.format(path: path, reason: "zip archive has no data.pkl entry (not a torch.save file)")
        }
        let folder = String(pickleName.dropLast("data.pkl".count))
        // Copy the (name, tensor or kind) pairs out of the pickle's containers.
        let entries: [(name: String, value: StateDictValue)] =
            try RestrictedUnpickler.load(try archive.data(of: pickleName), path: path) { root in
                guard case .dict(let stateDict) = root else {
                    throw ModelError.format(path: path, reason: "data.pkl holds a \(root.kind), not a state dict")
                }
                return try stateDict.items.map { key, value in
                    guard case .string(let name) = key else {
                        throw ModelError.format(path: path, reason: "state dict key is a \(key.kind), not a string")
                    }
                    if case .tensor(let reference) = value { return (name, StateDictValue.tensor(reference)) }
                    return (name, StateDictValue.other(kind: value.kind))
                }
            }
        var builder = ViewMaterializer(path: path, file: file, archive: archive, folder: folder)
        var contents = WeightFileContents(path: path)
        let wanted = select(entries.map(\.name))
        for (name, value) in entries where wanted.contains(name) {
            guard case .tensor(let reference) = value else {
                if case .other(let kind) = value { contents.skipped[name] = kind }
                continue
            }
            let dtype = reference.storage.type.dtype
            if dtype.isWeightType || (integerBuffers && dtype.isInteger) {
                contents.tensors[name] = try builder.tensor(reference, name: name)
            } else {
                contents.skipped[name] = dtype.rawValue
            }
        }
        return contents
    }
}

/// A state-dict value as copied out of the pickle: a tensor view, or something else (kept
/// only by its kind, for the "skipped" list).
private enum StateDictValue {
    case tensor(TorchTensorReference)
    case other(kind: String)
}

/// Turns storage references into F32 tensors, widening each storage once (integer storages,
/// when asked for, are converted exactly or refused).
private struct ViewMaterializer {
    let path: String
    let file: MappedFile
    let archive: ZipArchive
    let folder: String
    private var widenedStorages: [String: [Float]] = [:]

    init(path: String, file: MappedFile, archive: ZipArchive, folder: String) {
        self.path = path
        self.file = file
        self.archive = archive
        self.folder = folder
    }

    private func fail(_ name: String, _ reason: String) -> ModelError {
        .format(path: path, reason: "tensor '\(name)': \(reason)")
    }

    mutating func tensor(_ reference: TorchTensorReference, name: String) throws -> Tensor {
        let storage = try widenedStorage(reference.storage, name: name)
        let size = reference.size
        guard let count = CheckedSize.product(size) else { throw fail(name, "invalid size \(size)") }
        guard reference.offset >= 0, reference.stride.allSatisfy({ $0 >= 0 }) else {
            throw fail(name, "negative storage offset \(reference.offset) or stride \(reference.stride)")
        }
        if count == 0 { return Tensor(shape: size, values: []) }
        // The last element the view touches must lie inside the storage.
        var last = reference.offset
        for (extent, step) in zip(size, reference.stride) {
            guard let reach = CheckedSize.multiply(extent - 1, step) else { throw fail(name, "stride overflow") }
            let (sum, overflow) = last.addingReportingOverflow(reach)
            guard !overflow else { throw fail(name, "stride overflow") }
            last = sum
        }
        guard last < storage.count else {
            throw fail(
                name,
                "view (offset \(reference.offset), size \(size), stride \(reference.stride)) reaches element \(last) of a \(storage.count)-element storage"
            )
        }
        if reference.offset == 0, count == storage.count, Self.isContiguous(size: size, stride: reference.stride) {
            return Tensor(shape: size, values: storage)
        }
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            storage.withUnsafeBufferPointer { source in
                Self.gather(from: source, offset: reference.offset, size: size, stride: reference.stride, into: buffer)
            }
            initialized = count
        }
        return Tensor(shape: size, values: values)
    }

    private mutating func widenedStorage(_ storage: TorchStorageReference, name: String) throws -> [Float] {
        if let cached = widenedStorages[storage.key] { return cached }
        let entryName = "\(folder)data/\(storage.key)"
        let bytes: UnsafeRawBufferPointer
        do { bytes = try archive.data(of: entryName) } catch let error as ModelError {
            throw fail(name, "storage '\(storage.key)': \(error)")
        }
        let dtype = storage.type.dtype
        guard let needed = CheckedSize.multiply(storage.elementCount, dtype.byteSize), needed <= bytes.count else {
            throw fail(
                name,
                "storage '\(storage.key)' claims \(storage.elementCount) \(dtype.rawValue) elements but entry '\(entryName)' holds \(bytes.count) bytes"
            )
        }
        let count = storage.elementCount
        let values: [Float]
        if dtype.isInteger {
            values = try WeightFileReader.integerTensor(
                bytes, dtype: dtype, shape: [count], count: count, name: name, path: path
            ).values
        } else {
            values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                dtype.widen(bytes, first: 0, count: count, into: buffer)
                initialized = count
            }
        }
        file.discard(bytes)
        widenedStorages[storage.key] = values
        return values
    }

    private static func isContiguous(size: [Int], stride: [Int]) -> Bool {
        var expected = 1
        for (extent, step) in zip(size, stride).reversed() where extent != 1 {
            if step != expected { return false }
            expected *= extent
        }
        return true
    }

    /// Copies a strided view into row-major order, walking the index like an odometer.
    private static func gather(
        from source: UnsafeBufferPointer<Float>, offset: Int, size: [Int], stride: [Int],
        into destination: UnsafeMutableBufferPointer<Float>
    ) {
        var index = [Int](repeating: 0, count: size.count)
        var sourcePosition = offset
        for output in 0..<destination.count {
            destination[output] = source[sourcePosition]
            var axis = size.count - 1
            while axis >= 0 {
                index[axis] += 1
                sourcePosition += stride[axis]
                if index[axis] < size[axis] { break }
                sourcePosition -= stride[axis] * size[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }
}
