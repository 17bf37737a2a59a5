import Foundation
import TensorFiles

/// A 2-D matrix of vectors read from a file written by other tools (NumPy, safetensors),
/// for bulk import. The file is memory-mapped; rows are widened to f32 on demand.
///
/// The headers are parsed by `NpyHeader` and `SafetensorsHeader` (TensorFiles), the same
/// code the weight loader uses, so an import is held to the same rules as a model file:
/// header length capped, shape and offsets strict integers (`true` and `3.0` are refused),
/// and the data the header describes inside the file.
public struct MatrixFile {
    public let path: String
    public let rows: Int
    public let columns: Int
    let element: VectorStorageType
    private let file: MappedFile
    private let dataOffset: Int

    /// Opens `path` by extension: `.npy` (NumPy format v1–v3, dtype `<f4` or `<f2`, C order,
    /// 2-D) or `.safetensors` (exactly one 2-D tensor of F32, F16 or BF16).
    public init(path: String) throws {
        self.path = path
        let isNumPy = path.hasSuffix(".npy")
        guard isNumPy || path.hasSuffix(".safetensors") else {
            throw IndexError.importFailed(path: path, reason: "unknown extension; expected .npy or .safetensors")
        }
        file = try IndexError.translating { try MappedFile(path: path) }
        let bytes = file.bytes
        let layout = try IndexError.translating {
            isNumPy ? try Self.npyLayout(bytes, path: path) : try Self.safetensorsLayout(bytes, path: path)
        }
        (rows, columns, element, dataOffset) = layout
        // Both headers already checked this; `row` reads without bounds checks, so say it here too.
        guard let needed = CheckedSize.product([rows, columns, element.byteWidth]), needed <= bytes.count - dataOffset
        else {
            throw IndexError.importFailed(
                path: path, reason: "shape (\(rows), \(columns)) needs more data bytes than the file's \(bytes.count) bytes hold")
        }
    }

    /// Row `index` as f32.
    public func row(_ index: Int) throws -> [Float] {
        guard index >= 0, index < rows else {
            throw IndexError.invalidArgument("row \(index) is outside 0..<\(rows) of \(path)")
        }
        return [Float](unsafeUninitializedCapacity: columns) { buffer, initialized in
            element.decode(
                file.bytes.baseAddress! + dataOffset + index * columns * element.byteWidth, count: columns,
                into: buffer.baseAddress!)
            initialized = columns
        }
    }

    /// The layout of a `.npy` matrix: what `NpyHeader` read, narrowed to what an import takes.
    static func npyLayout(_ bytes: UnsafeRawBufferPointer, path: String) throws -> (Int, Int, VectorStorageType, Int) {
        func fail(_ reason: String) -> TensorFileError { .malformed(path: path, reason: reason) }
        let header = try NpyHeader(parsing: bytes, path: path)
        let element: VectorStorageType
        switch header.dtype {
        case .f32?: element = .float32
        case .f16?: element = .float16
        default:
            throw fail("dtype '\(header.descr)' is not supported; expected '<f4' (float32) or '<f2' (float16)")
        }
        guard !header.fortranOrder else {
            throw fail("matrix is in Fortran order; save it C-contiguous (np.ascontiguousarray)")
        }
        let shape = header.shape
        guard shape.count == 2 else { throw fail("shape \(NpyHeader.describe(shape)) is not 2-D") }
        guard shape[1] > 0 else { throw fail("shape \(NpyHeader.describe(shape)) has no columns") }
        return (shape[0], shape[1], element, header.dataOffset)
    }

    /// The layout of a `.safetensors` matrix: the file's one tensor, which must be 2-D float.
    static func safetensorsLayout(_ bytes: UnsafeRawBufferPointer, path: String) throws -> (
        Int, Int, VectorStorageType, Int
    ) {
        func fail(_ reason: String) -> TensorFileError { .malformed(path: path, reason: reason) }
        let header = try SafetensorsHeader(parsing: bytes, path: path)
        guard header.entries.count == 1, let tensor = header.entries.first else {
            throw fail(
                "expected exactly one tensor, found \(header.entries.count) (\(header.entries.map(\.name).sorted().joined(separator: ", ")))"
            )
        }
        let element: VectorStorageType
        switch tensor.dtype {
        case .f32: element = .float32
        case .f16: element = .float16
        case .bf16: element = .bfloat16
        default: throw fail("tensor '\(tensor.name)' has dtype \(tensor.dtype.rawValue); expected F32, F16 or BF16")
        }
        guard tensor.shape.count == 2 else { throw fail("tensor '\(tensor.name)' shape \(tensor.shape) is not 2-D") }
        guard tensor.shape[1] > 0 else { throw fail("tensor '\(tensor.name)' shape \(tensor.shape) has no columns") }
        return (tensor.shape[0], tensor.shape[1], element, header.dataStart + tensor.begin)
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
