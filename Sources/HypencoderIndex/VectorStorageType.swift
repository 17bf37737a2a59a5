/// How vector components are kept on disk and in memory. Scoring always runs in f32: rows
/// of a half-width store are widened one block at a time into a small scratch buffer, so
/// f16/bf16 halve the memory of the matrix for a per-block conversion cost.
public enum VectorStorageType: String, Sendable, CaseIterable, Equatable {
    /// IEEE binary32: exact.
    case float32 = "f32"
    /// IEEE binary16: 11-bit significand, range ±65504; good for normalised embeddings.
    case float16 = "f16"
    /// bfloat16: f32's range with an 8-bit significand; safe for raw, unnormalised vectors
    /// such as Hypencoder's [CLS] states.
    case bfloat16 = "bf16"

    /// Bytes per component.
    public var byteWidth: Int { self == .float32 ? 4 : 2 }

    /// Numeric code used in binary file headers.
    var code: UInt8 {
        switch self {
        case .float32: return 1
        case .float16: return 2
        case .bfloat16: return 3
        }
    }

    init?(code: UInt8) {
        guard let type = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = type
    }

    /// Converts `count` f32 values into this type at `destination`.
    func encode(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer) {
        switch self {
        case .float32:
            destination.copyMemory(from: source, byteCount: count * 4)
        case .float16:
            let out = destination.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { out[i] = Float16(source[i]).bitPattern }
        case .bfloat16:
            let out = destination.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { out[i] = Self.bfloat16Bits(source[i]) }
        }
    }

    /// Widens `count` stored values at `source` to f32.
    func decode(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .float32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        case .float16:
            let input = source.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { destination[i] = Float(Float16(bitPattern: input[i])) }
        case .bfloat16:
            let input = source.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { destination[i] = Float(bitPattern: UInt32(input[i]) << 16) }
        }
    }

    /// Rounds to the nearest bfloat16, ties to even (what PyTorch does), keeping NaN a NaN.
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
