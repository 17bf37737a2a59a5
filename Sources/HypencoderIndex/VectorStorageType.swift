import TensorFiles

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

    /// The 16-bit format this type stores (`TensorFiles.HalfFloat`); nil for f32.
    var halfFloat: HalfFloat? {
        switch self {
        case .float32: return nil
        case .float16: return .float16
        case .bfloat16: return .bfloat16
        }
    }

    /// Converts `count` f32 values into this type at `destination`, rounding to nearest even.
    func encode(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer) {
        if let halfFloat {
            halfFloat.narrow(source, count: count, into: destination)
        } else {
            destination.copyMemory(from: source, byteCount: count * 4)
        }
    }

    /// Widens `count` stored values at `source` to f32 (exactly).
    func decode(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        if let halfFloat {
            halfFloat.widen(source, count: count, into: destination)
        } else {
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * 4)
        }
    }
}
