/// What the index keeps for one slot besides its vector, as callers read it.
public struct DocumentRecord: Sendable, Equatable {
    public let id: String
    public let metadata: [UInt8]?
    public let text: String?
}

/// A file that document payloads (metadata + text) are read from on demand: a checkpoint's
/// document table or a write-ahead log.
///
/// Why payloads stay in files: texts are most of an index's bytes (a 2 KB passage beside a
/// 1.5 KB vector) and are read only for the ten hits a search returns, so keeping them on the
/// heap made memory follow everything ever written, dead versions included (issue 15). The
/// index already has every payload durably in one of these two files, so it keeps only where
/// each one is. A reference keeps the descriptor open: a snapshot taken before a checkpoint
/// may still read a log that the checkpoint has since deleted; the kernel frees the file when
/// the last reference goes. `DocumentIndex.checkpoint` moves every live slot's reference to
/// the new document table, so logs are not held beyond the snapshots that still use them.
final class PayloadFile: @unchecked Sendable {
    /// Thread-safe: only `pread` on a descriptor nobody closes before this object dies.
    let file: PosixFile

    init(_ file: PosixFile) { self.file = file }

    var path: String { file.path }
}

/// Where one document's payload is: `byteCount` bytes at `offset` in `source`, in the layout
/// `ByteWriter.metadataAndText` writes (flags, then the blobs present). Both files store a
/// payload in that same layout, which is what lets a slot move from a log to a checkpoint by
/// changing only its offset.
struct PayloadLocation: Sendable {
    /// nil for a document with neither metadata nor text (nothing to read).
    let source: PayloadFile?
    let offset: Int
    let byteCount: Int32

    static let empty = PayloadLocation(source: nil, offset: 0, byteCount: 0)

    /// Reads and decodes the payload, with the same bounds as recovery uses. Without `text`,
    /// reads only the flags and the metadata (a text may be megabytes; metadata is small).
    func load(limits: IndexLimits, text: Bool = true) throws -> (metadata: [UInt8]?, text: String?) {
        guard let source else { return (nil, nil) }
        if !text { return (try loadMetadata(source, limits: limits), nil) }
        let bytes = try source.file.read(count: Int(byteCount), at: offset)
        guard bytes.count == Int(byteCount) else {
            throw IndexError.corruptFile(
                path: source.path,
                reason: "document payload at byte \(offset) is cut short (\(bytes.count) of \(byteCount) bytes)")
        }
        return try bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw, path: source.path)
            let parts = try reader.metadataAndText(limits: limits)
            guard reader.remaining == 0 else {
                throw IndexError.corruptFile(
                    path: source.path, reason: "document payload at byte \(offset) has \(reader.remaining) extra bytes")
            }
            return parts
        }
    }

    private func loadMetadata(_ source: PayloadFile, limits: IndexLimits) throws -> [UInt8]? {
        let head = try source.file.read(count: min(5, Int(byteCount)), at: offset)
        guard let flags = head.first else {
            throw IndexError.corruptFile(path: source.path, reason: "document payload at byte \(offset) is empty")
        }
        guard flags & 1 != 0 else { return nil }
        let length = head.count == 5 ? Int(head[1]) | Int(head[2]) << 8 | Int(head[3]) << 16 | Int(head[4]) << 24 : -1
        guard length >= 0, length <= limits.maxMetadataBytes, 5 + length <= Int(byteCount) else {
            throw IndexError.corruptFile(
                path: source.path, reason: "document payload at byte \(offset) has a bad metadata length")
        }
        let metadata = try source.file.read(count: length, at: offset + 5)
        guard metadata.count == length else {
            throw IndexError.corruptFile(path: source.path, reason: "document payload at byte \(offset) is cut short")
        }
        return metadata
    }
}

/// One slot's id and the location of its payload: about 40 bytes of heap per slot, whatever
/// the size of the text.
struct SlotRecord: Sendable {
    let id: String
    var payload: PayloadLocation

    /// Bytes on disk a compaction or checkpoint would stop referencing if the slot were dead.
    var payloadBytes: Int { Int(payload.byteCount) }

    func load(limits: IndexLimits, text includeText: Bool = true) throws -> DocumentRecord {
        let (metadata, text) = try payload.load(limits: limits, text: includeText)
        return DocumentRecord(id: id, metadata: metadata, text: text)
    }
}

/// The bytes `ByteWriter.metadataAndText` writes for a payload, without writing it: lets the
/// log encoder and the checkpoint writer report each payload's extent.
func payloadByteCount(metadata: [UInt8]?, text: String?) -> Int {
    1 + (metadata.map { 4 + $0.count } ?? 0) + (text.map { 4 + $0.utf8.count } ?? 0)
}
