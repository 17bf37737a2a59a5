/// Small byte-level helpers the targets share: little-endian writing, a minimal STORED zip
/// writer (the layout `torch.save` uses) and a zip entry reader for seeds.
extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

enum Zip {
    /// A zip archive of STORED entries, without zip64 (the entries are small).
    static func stored(_ entries: [(name: String, data: [UInt8])]) -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        for entry in entries {
            let offset = out.count
            let name = Array(entry.name.utf8)
            let crc = crc32(entry.data)
            out.appendLE(UInt32(0x0403_4B50))
            out.appendLE(UInt16(20))  // version needed
            out.appendLE(UInt16(0))  // flags
            out.appendLE(UInt16(0))  // STORED
            out.appendLE(UInt32(0))  // time, date
            out.appendLE(crc)
            out.appendLE(UInt32(entry.data.count))
            out.appendLE(UInt32(entry.data.count))
            out.appendLE(UInt16(name.count))
            out.appendLE(UInt16(0))
            out += name + entry.data
            directory.appendLE(UInt32(0x0201_4B50))
            directory.appendLE(UInt16(20))
            directory.appendLE(UInt16(20))
            directory.appendLE(UInt16(0))
            directory.appendLE(UInt16(0))
            directory.appendLE(UInt32(0))
            directory.appendLE(crc)
            directory.appendLE(UInt32(entry.data.count))
            directory.appendLE(UInt32(entry.data.count))
            directory.appendLE(UInt16(name.count))
            directory.appendLE(UInt16(0))  // extra
            directory.appendLE(UInt16(0))  // comment
            directory.appendLE(UInt16(0))  // disk
            directory.appendLE(UInt16(0))  // internal attributes
            directory.appendLE(UInt32(0))  // external attributes
            directory.appendLE(UInt32(offset))
            directory += name
        }
        let directoryOffset = out.count
        out += directory
        out.appendLE(UInt32(0x0605_4B50))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(entries.count))
        out.appendLE(UInt16(entries.count))
        out.appendLE(UInt32(directory.count))
        out.appendLE(UInt32(directoryOffset))
        out.appendLE(UInt16(0))
        return out
    }

    /// The stored entries of a small zip, through its central directory (for seeds: the
    /// fixtures are `torch.save` archives, whose entries are all STORED, with data
    /// descriptors, so the local headers carry no sizes).
    static func entries(_ bytes: [UInt8]) -> [(name: String, data: [UInt8])] {
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
        guard bytes.count >= 22,
            let end = stride(from: bytes.count - 22, through: 0, by: -1).first(where: { u32($0) == 0x0605_4B50 })
        else { return [] }
        var offset = u32(end + 16)
        var out: [(name: String, data: [UInt8])] = []
        for _ in 0..<u16(end + 10) {
            guard offset + 46 <= bytes.count, u32(offset) == 0x0201_4B50 else { break }
            let size = u32(offset + 20)
            let nameLength = u16(offset + 28)
            let skip = nameLength + u16(offset + 30) + u16(offset + 32)
            let local = u32(offset + 42)
            guard offset + 46 + nameLength <= bytes.count, local + 30 <= bytes.count else { break }
            let name = String(decoding: bytes[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)
            let dataStart = local + 30 + u16(local + 26) + u16(local + 28)
            guard dataStart + size <= bytes.count else { break }
            out.append((name, Array(bytes[dataStart..<(dataStart + size)])))
            offset += 46 + skip
        }
        return out
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
