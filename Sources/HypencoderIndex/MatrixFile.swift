import Foundation

/// A 2-D matrix of vectors read from a file written by other tools (NumPy, safetensors),
/// for bulk import. The file is memory-mapped; rows are widened to f32 on demand.
public struct MatrixFile {
    public let path: String
    public let rows: Int
    public let columns: Int
    let element: VectorStorageType
    private let region: MappedRegion
    private let dataOffset: Int

    /// Opens `path` by extension: `.npy` (NumPy format v1–v3, dtype `<f4` or `<f2`, C order,
    /// 2-D) or `.safetensors` (exactly one 2-D tensor of F32, F16 or BF16).
    public init(path: String) throws {
        self.path = path
        let file = try PosixFile.openForReading(path)
        let size = try file.size()
        guard size > 0 else { throw IndexError.importFailed(path: path, reason: "file is empty") }
        region = try MappedRegion(file: file, offset: 0, length: size, writable: false)
        let bytes = UnsafeRawBufferPointer(start: region.base, count: size)
        let layout: (rows: Int, columns: Int, element: VectorStorageType, offset: Int)
        if path.hasSuffix(".npy") {
            layout = try Self.npyLayout(bytes, path: path)
        } else if path.hasSuffix(".safetensors") {
            layout = try Self.safetensorsLayout(bytes, path: path)
        } else {
            throw IndexError.importFailed(path: path, reason: "unknown extension; expected .npy or .safetensors")
        }
        (rows, columns, element, dataOffset) = layout
        guard let needed = Self.byteCount(rows: rows, columns: columns, width: element.byteWidth),
            dataOffset <= size, needed <= size - dataOffset
        else {
            throw IndexError.importFailed(
                path: path, reason: "shape (\(rows), \(columns)) needs more data bytes than the file's \(size) bytes hold")
        }
    }

    /// rows × columns × width, or nil if that overflows (a hostile header can claim any shape).
    static func byteCount(rows: Int, columns: Int, width: Int) -> Int? {
        let (perRow, overflowA) = columns.multipliedReportingOverflow(by: width)
        let (total, overflowB) = rows.multipliedReportingOverflow(by: perRow)
        return overflowA || overflowB ? nil : total
    }

    /// Row `index` as f32.
    public func row(_ index: Int) throws -> [Float] {
        guard index >= 0, index < rows else {
            throw IndexError.invalidArgument("row \(index) is outside 0..<\(rows) of \(path)")
        }
        return [Float](unsafeUninitializedCapacity: columns) { buffer, initialized in
            element.decode(
                region.base + dataOffset + index * columns * element.byteWidth, count: columns,
                into: buffer.baseAddress!)
            initialized = columns
        }
    }

    // MARK: NumPy

    /// `\x93NUMPY`, major, minor, header length (u16 for v1, u32 for v2/v3), then a Python
    /// dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    static func npyLayout(_ bytes: UnsafeRawBufferPointer, path: String) throws -> (Int, Int, VectorStorageType, Int) {
        var reader = ByteReader(bytes, path: path)
        func fail(_ reason: String) -> IndexError { .importFailed(path: path, reason: reason) }
        guard (try? reader.raw(6, "magic")) == [0x93] + Array("NUMPY".utf8) else { throw fail("not a .npy file (bad magic)") }
        guard let major = try? reader.u8("major version"), (try? reader.u8("minor version")) != nil else {
            throw fail("truncated header")
        }
        let headerLength: Int
        switch major {
        case 1: headerLength = Int((try? reader.u16("header length")) ?? 0)
        case 2, 3: headerLength = Int((try? reader.u32("header length")) ?? 0)
        default: throw fail("unsupported .npy format version \(major)")
        }
        guard let headerBytes = try? reader.raw(headerLength, "header"),
            let header = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1)
        else {
            throw fail("header of \(headerLength) bytes is truncated")
        }
        func value(of key: String) -> Substring? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return header[range.upperBound...].drop(while: { $0 == " " })
        }
        guard let descrValue = value(of: "descr"), let descr = descrValue.dropFirst().split(separator: "'").first else {
            throw fail("header has no 'descr'")
        }
        let element: VectorStorageType
        switch descr {
        case "<f4": element = .float32
        case "<f2": element = .float16
        default: throw fail("dtype '\(descr)' is not supported; expected '<f4' (float32) or '<f2' (float16)")
        }
        guard let order = value(of: "fortran_order") else { throw fail("header has no 'fortran_order'") }
        guard order.hasPrefix("False") else {
            throw fail("matrix is in Fortran order; save it C-contiguous (np.ascontiguousarray)")
        }
        guard let shapeValue = value(of: "shape"), shapeValue.first == "(", let close = shapeValue.firstIndex(of: ")") else {
            throw fail("header has no 'shape'")
        }
        let dims = shapeValue[shapeValue.index(after: shapeValue.startIndex)..<close]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard dims.count == 2, let rows = Int(dims[0]), let columns = Int(dims[1]), rows >= 0, columns > 0 else {
            throw fail("shape (\(dims.joined(separator: ", "))) is not 2-D")
        }
        return (rows, columns, element, reader.offset)
    }

    // MARK: safetensors

    /// u64 header length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]},
    /// "__metadata__": {...}}`, then the data; offsets are relative to the end of the header.
    static func safetensorsLayout(_ bytes: UnsafeRawBufferPointer, path: String) throws -> (Int, Int, VectorStorageType, Int) {
        func fail(_ reason: String) -> IndexError { .importFailed(path: path, reason: reason) }
        var reader = ByteReader(bytes, path: path)
        guard let length = try? reader.u64("header length"), length <= UInt64(reader.remaining) else {
            throw fail("header length is missing or past the end of the file")
        }
        let headerData = Data(try reader.raw(Int(length), "header"))
        guard let header = (try? JSONSerialization.jsonObject(with: headerData)) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        let tensors = header.filter { $0.key != "__metadata__" }
        guard tensors.count == 1, let (name, entry) = tensors.first, let tensor = entry as? [String: Any] else {
            throw fail("expected exactly one tensor, found \(tensors.count) (\(tensors.keys.sorted().joined(separator: ", ")))")
        }
        let element: VectorStorageType
        switch tensor["dtype"] as? String {
        case "F32": element = .float32
        case "F16": element = .float16
        case "BF16": element = .bfloat16
        case let other: throw fail("tensor '\(name)' has dtype \(other ?? "missing"); expected F32, F16 or BF16")
        }
        guard let shape = tensor["shape"] as? [Int], shape.count == 2, shape[0] >= 0, shape[1] > 0 else {
            throw fail("tensor '\(name)' shape \(tensor["shape"] ?? "missing") is not 2-D")
        }
        guard let offsets = tensor["data_offsets"] as? [Int], offsets.count == 2, offsets[0] >= 0, offsets[1] >= offsets[0] else {
            throw fail("tensor '\(name)' has no valid data_offsets")
        }
        let expected = byteCount(rows: shape[0], columns: shape[1], width: element.byteWidth) ?? -1
        guard offsets[1] - offsets[0] == expected, offsets[0] <= Int.max - reader.offset else {
            throw fail("tensor '\(name)' data_offsets span \(offsets[1] - offsets[0]) bytes, shape needs \(expected)")
        }
        return (shape[0], shape[1], element, reader.offset + offsets[0])
    }
}

extension DocumentIndex {
    /// Upserts vectors computed elsewhere: row i of `matrix` (see `MatrixFile`) gets the id on
    /// line i of `ids` (UTF-8, one per line). Shapes, counts and ids are all checked before
    /// anything is written; the import is then committed in batches of `batchSize` (each
    /// durable on its own, so a crash mid-import keeps a prefix).
    @discardableResult
    public func importVectors(matrix matrixPath: String, ids idsPath: String, batchSize: Int = 4096) throws -> UpdateCounts {
        let matrix = try MatrixFile(path: matrixPath)
        guard matrix.columns == dimension else {
            throw IndexError.importFailed(
                path: matrixPath, reason: "matrix has \(matrix.columns) columns; the index dimension is \(dimension)")
        }
        let idBytes = try PosixFile.openForReading(idsPath).readAll()
        guard let idText = String(bytes: idBytes, encoding: .utf8) else {
            throw IndexError.importFailed(path: idsPath, reason: "not valid UTF-8")
        }
        var lines = idText.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        if lines.last == "" { lines.removeLast() }
        var seen = Set<String>()
        for (number, id) in lines.enumerated() {
            guard !id.isEmpty else { throw IndexError.importFailed(path: idsPath, reason: "line \(number + 1) is empty") }
            guard seen.insert(id).inserted else {
                throw IndexError.importFailed(path: idsPath, reason: "id '\(id)' on line \(number + 1) appears earlier too")
            }
        }
        guard lines.count == matrix.rows else {
            throw IndexError.importFailed(
                path: idsPath, reason: "has \(lines.count) ids but \(matrixPath) has \(matrix.rows) rows")
        }
        var total = UpdateCounts()
        var start = 0
        while start < lines.count {
            let end = min(lines.count, start + max(1, batchSize))
            let batch = try (start..<end).map { DocumentUpsert(id: lines[$0], vector: try matrix.row($0)) }
            let counts = try upsert(batch)
            total.added += counts.added
            total.updated += counts.updated
            start = end
        }
        return total
    }
}
