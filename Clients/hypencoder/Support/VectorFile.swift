import Foundation
import TensorFiles

/// A matrix of float32 document vectors on disk, for `hypencoder import`. Two layouts:
///
/// - NumPy `.npy` (detected by its magic bytes): dtype `<f4`, C order, shape (rows, dim).
///   What `numpy.save(path, vectors.astype("float32"))` writes.
/// - Anything else: raw little-endian float32, row after row; the dimension comes from the
///   index (`index/stats`), and the size must be a whole number of rows.
///
/// The file is memory-mapped, so importing millions of rows does not load them all.
struct VectorFile {
    let rows: Int
    let dimension: Int
    private let data: Data
    private let offset: Int

    init(path: String, expectedDimension: Int) throws {
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw ClientError(.noInput, "cannot read vectors \(path): \(error.localizedDescription)")
        }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
        if data.count >= 10, Array(data.prefix(6)) == magic {
            let header = try Self.numpyHeader(data, path: path)
            offset = header.offset
            rows = header.rows
            dimension = header.columns
            guard dimension == expectedDimension else {
                throw ClientError.data("\(path): vectors have \(dimension) columns but the index stores \(expectedDimension)")
            }
            // Checked without overflow: the shape comes from the file and may be absurd.
            guard dimension <= (data.count - offset) / 4, rows <= (data.count - offset) / 4 / dimension else {
                throw ClientError.data(
                    "\(path): shape (\(rows), \(dimension)) needs more float32 data than the file's \(data.count - offset) bytes")
            }
        } else {
            offset = 0
            dimension = expectedDimension
            let rowBytes = expectedDimension * 4
            guard rowBytes > 0, data.count % rowBytes == 0 else {
                throw ClientError.data(
                    "\(path): \(data.count) bytes is not a whole number of float32 rows of dimension \(expectedDimension) (\(rowBytes) bytes each)"
                )
            }
            rows = data.count / rowBytes
        }
    }

    /// Row `index` as floats (little-endian on disk; this client runs on little-endian CPUs).
    func row(_ index: Int) -> [Float] {
        let start = offset + index * dimension * 4
        return data.withUnsafeBytes { raw in
            (0..<dimension).map { raw.loadUnaligned(fromByteOffset: start + $0 * 4, as: Float.self) }
        }
    }

    /// The header, read by the one `.npy` parser the index's import uses too
    /// (`TensorFiles.NpyHeader`: strict integers, a size cap, data inside the file), then
    /// held to the one layout this command sends: little-endian float32, C order, 2-D.
    private static func numpyHeader(_ data: Data, path: String) throws -> (offset: Int, rows: Int, columns: Int) {
        let header: NpyHeader
        do {
            header = try data.withUnsafeBytes { try NpyHeader(parsing: $0, path: path) }
        } catch let error as TensorFileError {
            throw ClientError.data("\(path): \(error.reason)")
        }
        guard header.descr == "<f4" else {
            throw ClientError.data("\(path): .npy dtype must be little-endian float32 ('<f4'), not '\(header.descr)'")
        }
        guard !header.fortranOrder else {
            throw ClientError.data("\(path): .npy must be in C order (fortran_order False)")
        }
        guard header.shape.count == 2, header.shape[1] > 0 else {
            throw ClientError.data("\(path): .npy shape must be (rows, dimension), got \(NpyHeader.describe(header.shape))")
        }
        return (header.dataOffset, header.shape[0], header.shape[1])
    }
}
