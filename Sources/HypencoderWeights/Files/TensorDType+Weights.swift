import TensorFiles

/// What the weight loader does with each stored element type.
///
/// Only F32, F16 and BF16 are weights. Integer buffers (MiniLM's I64
/// `embeddings.position_ids`) are recognised so they can be skipped by name rather than
/// refused as unknown; F64 and the integer types are never silently narrowed to F32,
/// because that would change the model's arithmetic without anyone noticing.
extension TensorDType {
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

    /// Widens `count` elements starting at element `first` of `bytes` into `destination`,
    /// exactly. The caller has checked that the range lies inside `bytes` and that
    /// `self.isWeightType`.
    func widen(
        _ bytes: UnsafeRawBufferPointer, first: Int, count: Int,
        into destination: UnsafeMutableBufferPointer<Float>
    ) {
        guard count > 0, let base = bytes.baseAddress, let out = destination.baseAddress else { return }
        let start = base + first * byteSize
        if let half = halfFloat {
            half.widen(start, count: count, into: out)
        } else if self == .f32 {
            // Unaligned copy: safetensors offsets need not be multiples of 4.
            UnsafeMutableRawPointer(out).copyMemory(from: start, byteCount: count * 4)
            #if _endian(big)
                for i in 0..<count { out[i] = Float(bitPattern: UInt32(littleEndian: out[i].bitPattern)) }
            #endif
        }
    }
}
