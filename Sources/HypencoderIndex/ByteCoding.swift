/// Little-endian encoding for the index's binary files. Every multi-byte integer on disk is
/// little-endian regardless of the host, so files move between machines.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }
    mutating func raw(_ data: UnsafeRawBufferPointer) { bytes.append(contentsOf: data) }
    /// A length-prefixed byte string (u32 length).
    mutating func blob(_ data: [UInt8]) {
        u32(UInt32(data.count))
        raw(data)
    }
    mutating func floats(_ values: [Float]) {
        #if _endian(little)
            values.withUnsafeBytes { bytes.append(contentsOf: $0) }
        #else
            for value in values { u32(value.bitPattern) }
        #endif
    }
    /// A document's optional parts, as the document table and the log both store them:
    /// flags u8 (bit 0 metadata, bit 1 text), then the metadata blob and the text blob that
    /// are present.
    mutating func metadataAndText(metadata: [UInt8]?, text: String?) {
        u8((metadata == nil ? 0 : 1) | (text == nil ? 0 : 2))
        if let metadata { blob(metadata) }
        if let text { blob(Array(text.utf8)) }
    }
}

/// Little-endian integers read from whatever `take` returns next (a buffer in memory, or a file
/// read through a buffer), with the field named in the error when the input is short.
protocol LittleEndianReading {
    mutating func take(_ count: Int, _ field: String) throws -> UnsafeRawBufferPointer
}

extension LittleEndianReading {
    mutating func u8(_ field: String) throws -> UInt8 { try take(1, field)[0] }
    mutating func u16(_ field: String) throws -> UInt16 {
        UInt16(littleEndian: try take(2, field).loadUnaligned(as: UInt16.self))
    }
    mutating func u32(_ field: String) throws -> UInt32 {
        UInt32(littleEndian: try take(4, field).loadUnaligned(as: UInt32.self))
    }
    mutating func u64(_ field: String) throws -> UInt64 {
        UInt64(littleEndian: try take(8, field).loadUnaligned(as: UInt64.self))
    }
}

/// Reads what `ByteWriter` wrote, throwing `IndexError.corruptFile` (naming `path` and the
/// field) instead of trapping when the input is short — the input may be any damaged file.
struct ByteReader: LittleEndianReading {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    mutating func take(_ count: Int, _ field: String) throws -> UnsafeRawBufferPointer {
        guard count >= 0, count <= remaining else {
            throw IndexError.corruptFile(
                path: path, reason: "\(field) needs \(count) bytes at offset \(offset), only \(remaining) left")
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }

    mutating func raw(_ count: Int, _ field: String) throws -> [UInt8] { Array(try take(count, field)) }
    mutating func blob(_ field: String, maximum: Int) throws -> [UInt8] {
        let count = Int(try u32("\(field) length"))
        guard count <= maximum else {
            throw IndexError.corruptFile(path: path, reason: "\(field) length \(count) is over the limit \(maximum)")
        }
        return try raw(count, field)
    }
    mutating func floats(_ count: Int, _ field: String) throws -> [Float] {
        let source = try take(count * 4, field)
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            #if _endian(little)
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
            #else
                for i in 0..<count {
                    buffer[i] = Float(
                        bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                }
            #endif
            initialized = count
        }
    }
    mutating func string(_ count: Int, _ field: String) throws -> String {
        let data = try take(count, field)
        guard let text = String(validating: data, as: UTF8.self) else {
            throw IndexError.corruptFile(path: path, reason: "\(field) is not valid UTF-8")
        }
        return text
    }
    /// What `ByteWriter.metadataAndText` wrote, each part bounded by the index's limits.
    mutating func metadataAndText(limits: IndexLimits) throws -> (metadata: [UInt8]?, text: String?) {
        let flags = try u8("flags")
        let metadata = flags & 1 != 0 ? try blob("metadata", maximum: limits.maxMetadataBytes) : nil
        guard flags & 2 != 0 else { return (metadata, nil) }
        let length = Int(try u32("text length"))
        guard length <= limits.maxTextBytes else {
            throw IndexError.corruptFile(
                path: path, reason: "text length \(length) is over maxTextBytes \(limits.maxTextBytes)")
        }
        return (metadata, try string(length, "text"))
    }
    /// The preamble of the index's own files: 8 magic bytes, then a u32 format version no
    /// newer than `supported`. `kind` names the file in the error ("a vector file").
    /// Returns the version found.
    @discardableResult
    mutating func fileHeader(magic: [UInt8], kind: String, supported: UInt32) throws -> Int {
        guard try raw(8, "magic") == magic else {
            throw IndexError.corruptFile(path: path, reason: "not \(kind) (bad magic)")
        }
        let version = Int(try u32("format version"))
        guard version <= Int(supported) else {
            throw IndexError.unsupportedFormatVersion(path: path, found: version, supported: Int(supported))
        }
        return version
    }
}
