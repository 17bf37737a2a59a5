import TensorFiles

/// Reads a `.safetensors` file: 8-byte little-endian header length, a JSON header, then one
/// data region addressed by each tensor's `data_offsets`.
///
/// `SafetensorsHeader` (TensorFiles) validates every entry — dtype known, shape and offsets
/// strict integers, offsets inside the data region, byte length equal to shape × element
/// size, no two tensors sharing bytes — before any tensor is converted; this reader only
/// widens the selected float tensors. Every error names the file and the key.
enum SafetensorsReader {
    static func read(
        path: String, select: WeightFileReader.Selection = WeightFileReader.everything, integerBuffers: Bool = false
    ) throws -> WeightFileContents {
        let file = try ModelError.translating { try MappedFile(path: path) }
        let header = try ModelError.translating { try SafetensorsHeader(parsing: file.bytes, path: path) }
        let wanted = select(header.entries.map(\.name))
        var contents = WeightFileContents(path: path)
        for entry in header.entries where wanted.contains(entry.name) {
            let count = entry.elementCount
            guard let region = header.data(of: entry, in: file.bytes) else {
                throw ModelError.format(path: path, reason: "tensor '\(entry.name)': data outside the file")
            }
            guard entry.dtype.isWeightType else {
                if integerBuffers && entry.dtype.isInteger {
                    contents.tensors[entry.name] = try WeightFileReader.integerTensor(
                        region, dtype: entry.dtype, shape: entry.shape, count: count, name: entry.name, path: path)
                } else {
                    contents.skipped[entry.name] = entry.dtype.rawValue
                }
                continue
            }
            let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                entry.dtype.widen(region, first: 0, count: count, into: buffer)
                initialized = count
            }
            file.discard(region)
            contents.tensors[entry.name] = Tensor(shape: entry.shape, values: values)
        }
        return contents
    }
}
