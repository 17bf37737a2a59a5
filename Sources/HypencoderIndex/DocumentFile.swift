/// A checkpoint's document table on disk: the records of the live documents, in the same
/// order as the rows of the checkpoint's vector file, ending in a CRC32C of all bytes before it.
///
/// Layout (little-endian): magic "HYDOCS\0\0" | format u32 | count u64 | records | CRC32C u32.
/// Record: idLength u16 | id | payload, where the payload is flags u8 (bit 0 metadata, bit 1
/// text) | [metadata blob] | [text blob], exactly as in a log record.
///
/// Both directions stream through a small buffer: the file holds every text, and memory must
/// not (`PayloadFile`). Opening keeps only ids and where each payload is.
enum DocumentFile {
    static let magic: [UInt8] = Array("HYDOCS".utf8) + [0, 0]
    static let formatVersion: UInt32 = 1

    /// Writes `records` (payloads copied from wherever they are now) to a new file at `path`,
    /// fsyncs it, and returns the file with each record's payload location in it. The caller
    /// renames it into place; the returned descriptor stays valid across the rename.
    static func write(_ records: [SlotRecord], to path: String) throws -> (file: PayloadFile, payloads: [PayloadLocation]) {
        let file = try PosixFile.create(path)
        let reader = PayloadFile(file)
        var writer = BufferedFileWriter(file: file)
        var header = ByteWriter()
        header.raw(magic)
        header.u32(formatVersion)
        header.u64(UInt64(records.count))
        try writer.append(header.bytes)
        var payloads: [PayloadLocation] = []
        payloads.reserveCapacity(records.count)
        for record in records {
            var prefix = ByteWriter()
            prefix.u16(UInt16(record.id.utf8.count))
            prefix.raw(Array(record.id.utf8))
            try writer.append(prefix.bytes)
            if let source = record.payload.source {
                let bytes = try source.file.read(count: Int(record.payload.byteCount), at: record.payload.offset)
                guard bytes.count == Int(record.payload.byteCount) else {
                    throw IndexError.corruptFile(
                        path: source.path, reason: "document '\(record.id)': payload cut short while checkpointing")
                }
                payloads.append(PayloadLocation(source: reader, offset: writer.position, byteCount: record.payload.byteCount))
                try writer.append(bytes)
            } else {
                payloads.append(.empty)
                try writer.append([0])
            }
        }
        try writer.flush()
        var trailer = ByteWriter()
        trailer.u32(writer.checksum)
        try writer.append(trailer.bytes)
        try writer.flush()
        try file.sync()
        return (reader, payloads)
    }

    /// Reads the table at `path`: verifies its checksum, then each record's id and the bounds
    /// of its payload (texts are skipped, not loaded; `PayloadLocation.load` decodes them).
    static func read(path: String, expectedCount: Int, limits: IndexLimits) throws -> [SlotRecord] {
        let file = try PosixFile.openForReading(path)
        let size = try file.size()
        guard size >= magic.count + 16 else {
            throw IndexError.corruptFile(path: path, reason: "file is \(size) bytes, too short for a document table")
        }
        let stored = try file.read(count: 4, at: size - 4).withUnsafeBytes {
            UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))
        }
        guard try BufferedFileReader.checksum(of: file, length: size - 4) == stored else {
            throw IndexError.corruptFile(path: path, reason: "checksum mismatch")
        }
        let source = PayloadFile(file)
        var reader = BufferedFileReader(file: file, end: size - 4)
        let header = try reader.take(magic.count + 4, "header")
        var headerReader = ByteReader(header, path: path)
        try headerReader.fileHeader(magic: magic, kind: "a document table", supported: formatVersion)
        let count = try reader.u64("record count")
        guard count == UInt64(expectedCount) else {
            throw IndexError.corruptFile(
                path: path, reason: "holds \(count) documents but the vector file has \(expectedCount) rows")
        }
        var records: [SlotRecord] = []
        records.reserveCapacity(expectedCount)
        for _ in 0..<expectedCount {
            let idLength = Int(try reader.u16("id length"))
            guard idLength <= limits.maxIDBytes else {
                throw IndexError.corruptFile(
                    path: path, reason: "id length \(idLength) is over maxIDBytes \(limits.maxIDBytes)")
            }
            guard let id = String(validating: try reader.take(idLength, "id"), as: UTF8.self) else {
                throw IndexError.corruptFile(path: path, reason: "id is not valid UTF-8")
            }
            let start = reader.position
            let flags = try reader.u8("flags")
            guard flags & ~3 == 0 else {
                throw IndexError.corruptFile(path: path, reason: "document '\(id)': unknown flags \(flags)")
            }
            let parts = [
                (1, "metadata", "maxMetadataBytes", limits.maxMetadataBytes), (2, "text", "maxTextBytes", limits.maxTextBytes),
            ]
            for (bit, name, limitName, maximum) in parts where flags & UInt8(bit) != 0 {
                let length = Int(try reader.u32("\(name) length"))
                guard length <= maximum else {
                    throw IndexError.corruptFile(path: path, reason: "\(name) length \(length) is over \(limitName) \(maximum)")
                }
                try reader.skip(length, name)
            }
            let payload =
                flags == 0
                ? PayloadLocation.empty
                : PayloadLocation(source: source, offset: start, byteCount: Int32(reader.position - start))
            records.append(SlotRecord(id: id, payload: payload))
        }
        guard reader.remaining == 0 else {
            throw IndexError.corruptFile(path: path, reason: "\(reader.remaining) unexpected bytes after the last record")
        }
        return records
    }
}
