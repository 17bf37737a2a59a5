/// The element types a weight file can hold, and how to widen the float ones to F32.
///
/// Only F32, F16 and BF16 are weights. Integer buffers (MiniLM's I64
/// `embeddings.position_ids`) are recognised so they can be skipped by name rather than
/// refused as unknown; F64 and the integer types are never silently narrowed to F32,
/// because that would change the model's arithmetic without anyone noticing.
enum StoredDType: String, Sendable {
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"
    case f64 = "F64"
    case i64 = "I64"
    case i32 = "I32"
    case i16 = "I16"
    case i8 = "I8"
    case u8 = "U8"
    case bool = "BOOL"

    var byteSize: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// True for the types we load as weights.
    var isWeightType: Bool { self == .f32 || self == .f16 || self == .bf16 }

    var isInteger: Bool {
        switch self {
        case .i64, .i32, .i16, .i8, .u8, .bool: return true
        case .f32, .f16, .bf16, .f64: return false
        }
    }

    /// Converts `count` integer elements to Float for callers that ask for integer buffers
    /// (e.g. `position_ids`). Returns the index of the first value a Float cannot hold
    /// exactly (beyond ±2^24), or nil when all converted exactly.
    func convertIntegers(
        _ bytes: UnsafeRawBufferPointer, count: Int, into destination: UnsafeMutableBufferPointer<Float>
    ) -> Int? {
        guard count > 0, let start = bytes.baseAddress else { return nil }
        for i in 0..<count {
            let value: Int64
            switch self {
            case .i64: value = Int64(littleEndian: start.loadUnaligned(fromByteOffset: i * 8, as: Int64.self))
            case .i32: value = Int64(Int32(littleEndian: start.loadUnaligned(fromByteOffset: i * 4, as: Int32.self)))
            case .i16: value = Int64(Int16(littleEndian: start.loadUnaligned(fromByteOffset: i * 2, as: Int16.self)))
            case .i8: value = Int64(start.load(fromByteOffset: i, as: Int8.self))
            case .u8, .bool: value = Int64(start.load(fromByteOffset: i, as: UInt8.self))
            case .f32, .f16, .bf16, .f64: return 0
            }
            guard value.magnitude <= 1 << 24 else { return i }
            destination[i] = Float(value)
        }
        return nil
    }

    /// Widens `count` elements starting at element `first` of `bytes` into `destination`.
    /// The caller has checked that the range lies inside `bytes` and that `self.isWeightType`.
    func widen(
        _ bytes: UnsafeRawBufferPointer, first: Int, count: Int,
        into destination: UnsafeMutableBufferPointer<Float>
    ) {
        guard count > 0, let base = bytes.baseAddress, let out = destination.baseAddress else { return }
        let start = base + first * byteSize
        switch self {
        case .f32:
            // Unaligned copy: safetensors offsets need not be multiples of 4.
            UnsafeMutableRawPointer(out).copyMemory(from: start, byteCount: count * 4)
            #if _endian(big)
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
            #endif
        case .f16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: start.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                out[i] = HalfFloat.widen(bits)
            }
        case .bf16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: start.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))
                out[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        default:
            return
        }
    }
}

/// IEEE 754 binary16 → binary32, exactly.
///
/// Every half value is representable as a float, so the widening is exact: normal numbers
/// re-bias the exponent, subnormals are normalised by shifting the mantissa up, and
/// infinities and NaNs keep their sign and payload. Written out by hand rather than via
/// `Float16`, which is unavailable on some platforms Swift supports.
enum HalfFloat {
    static func widen(_ half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        var mantissa = UInt32(half & 0x03FF)
        switch exponent {
        case 0 where mantissa == 0:
            return Float(bitPattern: sign)
        case 0:
            // Subnormal: value = mantissa · 2^-24. Shift until the implicit bit (bit 10)
            // appears; each shift lowers the exponent by one.
            var floatExponent: UInt32 = 127 - 15 + 1
            while mantissa & 0x0400 == 0 {
                mantissa <<= 1
                floatExponent -= 1
            }
            mantissa &= 0x03FF
            return Float(bitPattern: sign | (floatExponent << 23) | (mantissa << 13))
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
        }
    }
}
