import TensorFiles

/// Just enough of the zip format to read a `torch.save` archive.
///
/// `torch.save` writes every entry STORED (no compression), aligned to 64 bytes through the
/// local header's extra field, and switches to zip64 fields for large files. So we find the
/// end-of-central-directory record (zip64 if needed), list the central directory, and for
/// an entry we need, follow its local header to the bytes, which stay inside the mapping:
/// no decompression, no copy. Any other compression method is refused with the entry's name.
struct ZipArchive {
    struct Entry {
        var name: String
        var method: UInt16
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    let path: String
    let bytes: UnsafeRawBufferPointer
    /// Entries by name, in directory order.
    private(set) var entries: [String: Entry] = [:]
    private(set) var names: [String] = []

    private static let endOfDirectorySignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let directoryEntrySignature: UInt32 = 0x0201_4B50
    private static let localHeaderSignature: UInt32 = 0x0403_4B50

    init(path: String, bytes: UnsafeRawBufferPointer) throws {
        self.path = path
        self.bytes = bytes
        let end = try findEndOfDirectory()
        var offset = end.directoryOffset
        for index in 0..<end.entryCount {
            let entry = try readDirectoryEntry(at: &offset, index: index)
            if entries[entry.name] == nil { names.append(entry.name) }
            entries[entry.name] = entry
        }
    }

    /// The stored bytes of entry `name`, refusing compressed entries.
    func data(of name: String) throws -> UnsafeRawBufferPointer {
        guard let entry = entries[name] else { throw fail("no entry '\(name)' in the archive") }
        guard entry.method == 0 else {
            throw fail(
                "entry '\(name)' uses compression method \(entry.method); torch.save writes entries stored (method 0) and only those are read"
            )
        }
        guard entry.compressedSize == entry.uncompressedSize else {
            throw fail(
                "entry '\(name)' is stored but its compressed size \(entry.compressedSize) differs from its size \(entry.uncompressedSize)"
            )
        }
        let header = entry.localHeaderOffset
        guard bytes.readLE(UInt32.self, at: header) == Self.localHeaderSignature,
            let nameLength = bytes.readLE(UInt16.self, at: header + 26),
            let extraLength = bytes.readLE(UInt16.self, at: header + 28)
        else { throw fail("entry '\(name)': local header at offset \(header) is missing or truncated") }
        let start = header + 30 + Int(nameLength) + Int(extraLength)
        guard let data = bytes.slice(at: start, length: entry.uncompressedSize) else {
            throw fail(
                "entry '\(name)': \(entry.uncompressedSize) bytes at offset \(start) run past the end of the \(bytes.count)-byte file"
            )
        }
        return data
    }

    private func fail(_ reason: String) -> ModelError { .format(path: path, reason: reason) }

    private struct EndOfDirectory {
        var entryCount: Int
        var directoryOffset: Int
    }

    /// Scans back from the end for the end-of-central-directory record (it may be followed
    /// by a comment of up to 65535 bytes), then upgrades to the zip64 record when present.
    private func findEndOfDirectory() throws -> EndOfDirectory {
        let minimumRecord = 22
        guard bytes.count >= minimumRecord else {
            throw fail("file is \(bytes.count) bytes, too short to be a zip archive (truncated?)")
        }
        let lowest = max(0, bytes.count - minimumRecord - 65535)
        var position = bytes.count - minimumRecord
        while position >= lowest, bytes.readLE(UInt32.self, at: position) != Self.endOfDirectorySignature {
            position -= 1
        }
        guard position >= lowest,
            let count16 = bytes.readLE(UInt16.self, at: position + 10),
            let offset32 = bytes.readLE(UInt32.self, at: position + 16)
        else { throw fail("no zip end-of-central-directory record (not a zip archive, or truncated)") }
        var result = EndOfDirectory(entryCount: Int(count16), directoryOffset: Int(offset32))

        let locator = position - 20
        if locator >= 0, bytes.readLE(UInt32.self, at: locator) == Self.zip64LocatorSignature {
            guard let recordOffset64 = bytes.readLE(UInt64.self, at: locator + 8),
                recordOffset64 < UInt64(bytes.count),
                bytes.readLE(UInt32.self, at: Int(recordOffset64)) == Self.zip64EndSignature,
                let count64 = bytes.readLE(UInt64.self, at: Int(recordOffset64) + 32),
                let offset64 = bytes.readLE(UInt64.self, at: Int(recordOffset64) + 48)
            else { throw fail("zip64 end-of-central-directory record is missing or truncated") }
            guard count64 <= UInt64(bytes.count / 46), offset64 <= UInt64(bytes.count) else {
                throw fail("zip64 directory claims \(count64) entries at offset \(offset64), more than the file holds")
            }
            result = EndOfDirectory(entryCount: Int(count64), directoryOffset: Int(offset64))
        }
        guard result.directoryOffset <= bytes.count else {
            throw fail("central directory offset \(result.directoryOffset) is beyond the end of the file")
        }
        return result
    }

    private func readDirectoryEntry(at offset: inout Int, index: Int) throws -> Entry {
        let start = offset
        guard bytes.readLE(UInt32.self, at: start) == Self.directoryEntrySignature,
            let method = bytes.readLE(UInt16.self, at: start + 10),
            let compressed32 = bytes.readLE(UInt32.self, at: start + 20),
            let uncompressed32 = bytes.readLE(UInt32.self, at: start + 24),
            let nameLength = bytes.readLE(UInt16.self, at: start + 28),
            let extraLength = bytes.readLE(UInt16.self, at: start + 30),
            let commentLength = bytes.readLE(UInt16.self, at: start + 32),
            let local32 = bytes.readLE(UInt32.self, at: start + 42),
            let nameBytes = bytes.slice(at: start + 46, length: Int(nameLength)),
            let extra = bytes.slice(at: start + 46 + Int(nameLength), length: Int(extraLength))
        else { throw fail("central directory entry \(index) at offset \(start) is corrupt or truncated") }
        let name = String(decoding: nameBytes, as: UTF8.self)
        var entry = Entry(
            name: name, method: method, compressedSize: Int(compressed32),
            uncompressedSize: Int(uncompressed32), localHeaderOffset: Int(local32))
        try applyZip64Extra(
            extra, to: &entry,
            needs: (uncompressed32 == .max, compressed32 == .max, local32 == .max))
        offset = start + 46 + Int(nameLength) + Int(extraLength) + Int(commentLength)
        return entry
    }

    /// The zip64 extra field (id 1) holds, in this order and only for fields whose 32-bit
    /// value is 0xFFFFFFFF: uncompressed size, compressed size, local header offset.
    private func applyZip64Extra(
        _ extra: UnsafeRawBufferPointer, to entry: inout Entry,
        needs: (uncompressed: Bool, compressed: Bool, offset: Bool)
    ) throws {
        guard needs.uncompressed || needs.compressed || needs.offset else { return }
        var position = 0
        while let id = extra.readLE(UInt16.self, at: position), let size = extra.readLE(UInt16.self, at: position + 2) {
            guard let field = extra.slice(at: position + 4, length: Int(size)) else { break }
            if id == 1 {
                var cursor = 0
                func next() throws -> Int {
                    guard let value = field.readLE(UInt64.self, at: cursor), value <= UInt64(Int.max) else {
                        throw fail("entry '\(entry.name)': zip64 extra field is truncated")
                    }
                    cursor += 8
                    return Int(value)
                }
                if needs.uncompressed { entry.uncompressedSize = try next() }
                if needs.compressed { entry.compressedSize = try next() }
                if needs.offset { entry.localHeaderOffset = try next() }
                return
            }
            position += 4 + Int(size)
        }
        throw fail("entry '\(entry.name)' needs zip64 sizes but has no zip64 extra field")
    }
}
