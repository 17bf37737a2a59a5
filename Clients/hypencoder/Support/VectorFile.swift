import Foundation

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

    /// Reads the version, header length and the `descr`/`fortran_order`/`shape` members of
    /// the header dictionary (a Python literal; only these three are needed).
    private static func numpyHeader(_ data: Data, path: String) throws -> (offset: Int, rows: Int, columns: Int) {
        let bytes = [UInt8](data.prefix(min(data.count, 70_000)))
        let major = bytes[6]
        let lengthBytes = major == 1 ? 2 : 4
        guard major >= 1, major <= 3, bytes.count >= 8 + lengthBytes else {
            throw ClientError.data("\(path): unsupported .npy version \(major)")
        }
        var length = 0
        for i in (0..<lengthBytes).reversed() { length = length << 8 | Int(bytes[8 + i]) }
        let start = 8 + lengthBytes
        guard start + length <= bytes.count else { throw ClientError.data("\(path): .npy header is truncated") }
        let header = String(decoding: bytes[start..<(start + length)], as: UTF8.self)
        guard header.contains("'descr': '<f4'") else {
            throw ClientError.data(
                "\(path): .npy dtype must be little-endian float32 ('<f4'); header: \(header.trimmingWhitespace())")
        }
        guard header.contains("'fortran_order': False") else {
            throw ClientError.data("\(path): .npy must be in C order (fortran_order False)")
        }
        guard let open = header.range(of: "'shape': ("),
            let close = header[open.upperBound...].firstIndex(of: ")")
        else {
            throw ClientError.data("\(path): .npy header has no shape")
        }
        let entries = header[open.upperBound..<close].split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        // Every entry must be a plain integer: `(5, 3, True)` or `(5, 3.0)` is refused, as the
        // index's import (TensorFiles.NpyHeader) refuses it, rather than the non-integer being
        // dropped and the rest read as a 2-D shape. (The client links HypencoderRPC only, so
        // it keeps this small reader of the one layout it sends instead of linking TensorFiles.)
        let numbers = entries.compactMap { Int($0) }
        guard numbers.count == 2, entries.count == 2, numbers[0] >= 0, numbers[1] > 0 else {
            throw ClientError.data("\(path): .npy shape must be (rows, dimension), got (\(header[open.upperBound..<close]))")
        }
        return (start + length, numbers[0], numbers[1])
    }
}
