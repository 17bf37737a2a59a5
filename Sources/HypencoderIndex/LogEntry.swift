/// One document as a caller supplies it for an upsert.
public struct DocumentUpsert: Sendable, Equatable {
    /// The caller's id (non-empty UTF-8, at most `IndexLimits.maxIDBytes`).
    public var id: String
    /// The document vector; its length must equal the index dimension.
    public var vector: [Float]
    /// Optional JSON object, stored as the caller's bytes.
    public var metadata: [UInt8]?
    /// Optional document text.
    public var text: String?

    public init(id: String, vector: [Float], metadata: [UInt8]? = nil, text: String? = nil) {
        self.id = id
        self.vector = vector
        self.metadata = metadata
        self.text = text
    }
}

/// The payload of one write-ahead log record: one whole caller batch. A batch is one record
/// so that it is applied all-or-nothing after a crash (the CRC covers all of it).
///
/// Layout (little-endian): kind u8 (1 upsert, 2 delete) | count u32 | items.
/// Upsert item: idLength u16 | id | dimension u32 | f32 × dimension | flags u8
/// (bit 0 metadata, bit 1 text) | [metadata blob] | [text blob]; a blob is u32 length + bytes.
/// Delete item: idLength u16 | id. Vectors are always f32 in the log, whatever the storage type.
enum LogEntry: Equatable {
    case upsert([DocumentUpsert])
    case delete([String])

    static let upsertKind: UInt8 = 1
    static let deleteKind: UInt8 = 2

    func encode(limits: IndexLimits) throws -> [UInt8] {
        // The format stores id lengths in 16 bits and blob lengths in 32, whatever the limits say.
        func checkFormat(_ id: String, _ blobs: [Int]) throws {
            guard id.utf8.count <= Int(UInt16.max) else {
                throw IndexError.limitExceeded(
                    limit: "id length (log format maximum)", value: id.utf8.count, maximum: Int(UInt16.max))
            }
            for blob in blobs where blob > Int(UInt32.max) {
                throw IndexError.limitExceeded(
                    limit: "metadata/text length (log format maximum)", value: blob, maximum: Int(UInt32.max))
            }
        }
        switch self {
        case .upsert(let documents):
            for document in documents {
                try checkFormat(
                    document.id, [document.metadata?.count ?? 0, document.text?.utf8.count ?? 0, document.vector.count])
            }
        case .delete(let ids):
            for id in ids { try checkFormat(id, []) }
        }
        var writer = ByteWriter()
        switch self {
        case .upsert(let documents):
            writer.u8(Self.upsertKind)
            writer.u32(UInt32(documents.count))
            for document in documents {
                writer.u16(UInt16(document.id.utf8.count))
                writer.raw(Array(document.id.utf8))
                writer.u32(UInt32(document.vector.count))
                writer.floats(document.vector)
                writer.metadataAndText(metadata: document.metadata, text: document.text)
            }
        case .delete(let ids):
            writer.u8(Self.deleteKind)
            writer.u32(UInt32(ids.count))
            for id in ids {
                writer.u16(UInt16(id.utf8.count))
                writer.raw(Array(id.utf8))
            }
        }
        guard writer.bytes.count <= limits.maxRecordBytes else {
            throw IndexError.limitExceeded(
                limit: "maxRecordBytes (encoded batch size; split the batch)",
                value: writer.bytes.count, maximum: limits.maxRecordBytes)
        }
        return writer.bytes
    }

    /// Where each upserted document's metadata-and-text payload sits inside `encode`'s bytes
    /// (offset from the first byte, length), in document order; empty for a delete. The
    /// index reads texts back from the log at these places instead of keeping them in memory
    /// (`PayloadLocation`). Computed from the layout above rather than recorded while
    /// encoding, so a decoded entry gives the same answer as the one that was written.
    func payloadSpans() -> [(offset: Int, byteCount: Int)] {
        guard case .upsert(let documents) = self else { return [] }
        var offset = 1 + 4
        var spans: [(offset: Int, byteCount: Int)] = []
        spans.reserveCapacity(documents.count)
        for document in documents {
            offset += 2 + document.id.utf8.count + 4 + 4 * document.vector.count
            let count = payloadByteCount(metadata: document.metadata, text: document.text)
            spans.append((offset, count))
            offset += count
        }
        return spans
    }

    /// Decodes a payload whose CRC already matched; still bounds every length, because a
    /// record written by a buggy or newer build must produce an error, not a huge allocation.
    static func decode(_ payload: UnsafeRawBufferPointer, path: String, limits: IndexLimits) throws -> LogEntry {
        var reader = ByteReader(payload, path: path)
        let kind = try reader.u8("record kind")
        let count = Int(try reader.u32("record item count"))
        guard count <= limits.maxBatchCount else {
            throw IndexError.corruptFile(
                path: path, reason: "record item count \(count) is over maxBatchCount \(limits.maxBatchCount)")
        }
        func readID() throws -> String {
            let length = Int(try reader.u16("id length"))
            guard length <= limits.maxIDBytes else {
                throw IndexError.corruptFile(path: path, reason: "id length \(length) is over maxIDBytes \(limits.maxIDBytes)")
            }
            return try reader.string(length, "id")
        }
        let entry: LogEntry
        switch kind {
        case upsertKind:
            var documents: [DocumentUpsert] = []
            documents.reserveCapacity(min(count, 4096))
            for _ in 0..<count {
                let id = try readID()
                let dimension = Int(try reader.u32("vector dimension"))
                guard dimension <= limits.maxDimension else {
                    throw IndexError.corruptFile(
                        path: path, reason: "vector dimension \(dimension) is over maxDimension \(limits.maxDimension)")
                }
                let vector = try reader.floats(dimension, "vector")
                let (metadata, text) = try reader.metadataAndText(limits: limits)
                documents.append(DocumentUpsert(id: id, vector: vector, metadata: metadata, text: text))
            }
            entry = .upsert(documents)
        case deleteKind:
            var ids: [String] = []
            for _ in 0..<count { ids.append(try readID()) }
            entry = .delete(ids)
        default:
            throw IndexError.corruptFile(path: path, reason: "unknown record kind \(kind)")
        }
        guard reader.remaining == 0 else {
            throw IndexError.corruptFile(path: path, reason: "\(reader.remaining) unexpected bytes after the record's items")
        }
        return entry
    }
}
