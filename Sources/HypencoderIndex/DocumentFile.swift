/// A checkpoint's document table on disk: the records of the live documents, in the same
/// order as the rows of the checkpoint's vector file, ending in a CRC32C of all bytes before it.
///
/// Layout (little-endian): magic "HYDOCS\0\0" | format u32 | count u64 | records | CRC32C u32.
/// Record: idLength u16 | id | flags u8 (bit 0 metadata, bit 1 text) | [metadata blob] | [text blob].
enum DocumentFile {
    static let magic: [UInt8] = Array("HYDOCS".utf8) + [0, 0]
    static let formatVersion: UInt32 = 1

    static func encode(_ records: [DocumentRecord]) -> [UInt8] {
        var writer = ByteWriter()
        writer.raw(magic)
        writer.u32(formatVersion)
        writer.u64(UInt64(records.count))
        for record in records {
            writer.u16(UInt16(record.id.utf8.count))
            writer.raw(Array(record.id.utf8))
            writer.metadataAndText(metadata: record.metadata, text: record.text)
        }
        writer.u32(CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    static func decode(_ bytes: [UInt8], path: String, expectedCount: Int, limits: IndexLimits) throws -> [DocumentRecord] {
        guard bytes.count >= magic.count + 16 else {
            throw IndexError.corruptFile(path: path, reason: "file is \(bytes.count) bytes, too short for a document table")
        }
        return try bytes.withUnsafeBytes { raw -> [DocumentRecord] in
            let body = UnsafeRawBufferPointer(rebasing: raw[0..<(raw.count - 4)])
            let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 4, as: UInt32.self))
            guard CRC32C.checksum(body) == stored else {
                throw IndexError.corruptFile(path: path, reason: "checksum mismatch")
            }
            var reader = ByteReader(body, path: path)
            try reader.fileHeader(magic: magic, kind: "a document table", supported: formatVersion)
            let count = try reader.u64("record count")
            guard count == UInt64(expectedCount) else {
                throw IndexError.corruptFile(
                    path: path, reason: "holds \(count) documents but the vector file has \(expectedCount) rows")
            }
            var records: [DocumentRecord] = []
            records.reserveCapacity(expectedCount)
            for _ in 0..<expectedCount {
                let idLength = Int(try reader.u16("id length"))
                guard idLength <= limits.maxIDBytes else {
                    throw IndexError.corruptFile(
                        path: path, reason: "id length \(idLength) is over maxIDBytes \(limits.maxIDBytes)")
                }
                let id = try reader.string(idLength, "id")
                let (metadata, text) = try reader.metadataAndText(limits: limits)
                records.append(DocumentRecord(id: id, metadata: metadata, text: text))
            }
            guard reader.remaining == 0 else {
                throw IndexError.corruptFile(path: path, reason: "\(reader.remaining) unexpected bytes after the last record")
            }
            return records
        }
    }
}
