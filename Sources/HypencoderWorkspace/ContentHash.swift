/// A fingerprint of a file's contents: 64-bit FNV-1a, as 16 lowercase hex digits.
///
/// Editors and build tools touch files without changing them (a save with no edits, a
/// checkout that rewrites the same bytes). The daemon compares this hash with the one stored
/// at the last indexing to tell such a file from a changed one, and skips re-encoding it —
/// the expensive step. It is not a defence against anyone: FNV-1a is not cryptographic, but
/// it is simple, fast, has no dependency, and 64 bits make an accidental collision between
/// two versions of one file negligible.
public func contentHash<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    var hash = FNV1a64()
    hash.combine(bytes)
    return hash.hexDigest
}

/// `contentHash` of the text's UTF-8 bytes.
public func contentHash(_ text: String) -> String {
    return contentHash(text.utf8)
}

/// The running state of a 64-bit FNV-1a hash, for hashing a file in pieces.
public struct FNV1a64: Sendable {
    /// The FNV-1a 64-bit offset basis and prime, from the algorithm's definition.
    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    public private(set) var value: UInt64 = offsetBasis

    public init() {}

    public mutating func combine<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        var current = value
        // Contiguous storage (arrays, a String's UTF-8 view) avoids the generic iterator.
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            for byte in buffer { current = (current ^ UInt64(byte)) &* Self.prime }
        }
        if handled == nil {
            for byte in bytes { current = (current ^ UInt64(byte)) &* Self.prime }
        }
        value = current
    }

    /// The hash as 16 lowercase hex digits, zero-padded.
    public var hexDigest: String {
        let digits = String(value, radix: 16, uppercase: false)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
