import Foundation
import TensorFiles

/// A checkpoint's vector matrix on disk: a 64-byte header, then `rows × dimension` values in
/// the storage type, row-major. The header carries a CRC32C of the data so a damaged file is
/// reported rather than served.
///
/// Header (little-endian): magic "HYVECS\0\0" | format u32 | storage code u8 | 3 reserved |
/// dimension u32 | rows u64 | data CRC32C u32 | zero padding to 64.
enum VectorFile {
    static let headerSize = 64
    static let magic: [UInt8] = Array("HYVECS".utf8) + [0, 0]
    static let formatVersion: UInt32 = 1

    /// A mapped, validated vector file.
    struct Mapping {
        let region: MappedFile
        let rows: Int
    }

    /// Writes rows `slots` of `source` to `path` and fsyncs it.
    static func write(_ source: VectorRows, slots: [Int], to path: String) throws {
        let file = try PosixFile.create(path)
        let rowBytes = source.rowBytes
        var crc: UInt32 = 0
        var offset = headerSize
        var chunk = [UInt8]()
        chunk.reserveCapacity(1 << 20)
        var row = [Float](repeating: 0, count: source.dimension)
        var encoded = [UInt8](repeating: 0, count: rowBytes)
        func flush() throws {
            crc = chunk.withUnsafeBytes { CRC32C.update(crc, $0) }
            try file.write(chunk, at: offset)
            offset += chunk.count
            chunk.removeAll(keepingCapacity: true)
        }
        for slot in slots {
            row.withUnsafeMutableBufferPointer { _ = source.copyRow(slot, into: $0.baseAddress!) }
            row.withUnsafeBufferPointer { r in
                encoded.withUnsafeMutableBytes {
                    source.storage.encode(r.baseAddress!, count: source.dimension, into: $0.baseAddress!)
                }
            }
            chunk.append(contentsOf: encoded)
            if chunk.count >= 1 << 20 { try flush() }
        }
        try flush()
        var header = ByteWriter(capacity: headerSize)
        header.raw(magic)
        header.u32(formatVersion)
        header.u8(source.storage.code)
        header.raw([0, 0, 0])
        header.u32(UInt32(source.dimension))
        header.u64(UInt64(slots.count))
        header.u32(crc)
        header.raw([UInt8](repeating: 0, count: headerSize - header.bytes.count))
        try file.write(header.bytes, at: 0)
        try file.sync()
    }

    /// Maps `path` read-only after checking header, size and (if `verify`) the data checksum.
    static func map(_ path: String, dimension: Int, storage: VectorStorageType, verify: Bool) throws -> Mapping {
        let file = try PosixFile.openForReading(path)
        let size = try file.size()
        guard size >= headerSize else {
            throw IndexError.corruptFile(path: path, reason: "file is \(size) bytes, shorter than the \(headerSize)-byte header")
        }
        let headerBytes = try file.read(count: headerSize, at: 0)
        return try headerBytes.withUnsafeBytes { raw -> Mapping in
            var header = ByteReader(raw, path: path)
            try header.fileHeader(magic: magic, kind: "a vector file", supported: formatVersion)
            let storageCode = try header.u8("storage type")
            let reserved = try header.raw(3, "reserved")
            let fileDimension = Int(try header.u32("dimension"))
            let rows = try header.u64("row count")
            let expectedCRC = try header.u32("data checksum")
            let padding = try header.raw(header.remaining, "padding")
            guard (reserved + padding).allSatisfy({ $0 == 0 }) else {
                throw IndexError.corruptFile(path: path, reason: "reserved header bytes are not zero")
            }
            guard VectorStorageType(code: storageCode) == storage else {
                throw IndexError.corruptFile(
                    path: path, reason: "storage type code \(storageCode) does not match the manifest's \(storage.rawValue)")
            }
            guard fileDimension == dimension else {
                throw IndexError.dimensionMismatch(expected: dimension, actual: fileDimension, context: "vector file \(path)")
            }
            let rowBytes = dimension * storage.byteWidth
            guard rows <= UInt64((Int.max - headerSize) / max(rowBytes, 1)), size == headerSize + Int(rows) * rowBytes else {
                throw IndexError.corruptFile(
                    path: path, reason: "size \(size) bytes does not match \(rows) rows of \(rowBytes) bytes plus the header")
            }
            let region = try file.map(offset: 0, length: size, access: .readOnly)
            if verify {
                let data = UnsafeRawBufferPointer(rebasing: region.bytes[headerSize...])
                guard CRC32C.checksum(data) == expectedCRC else {
                    throw IndexError.corruptFile(path: path, reason: "data checksum mismatch")
                }
            }
            return Mapping(region: region, rows: Int(rows))
        }
    }
}
