/// The two 16-bit float formats tensors are stored in, and their conversions to and from f32.
///
/// Widening is exact for both (every f16 and bf16 value is an f32 value). Narrowing rounds to
/// nearest, ties to even — what NumPy and PyTorch do — so a vector written here reads back as
/// those libraries would have stored it. Stored values are little-endian and may sit at any
/// alignment (safetensors offsets need not be even), so the bulk conversions load unaligned.
public enum HalfFloat: Sendable, CaseIterable {
    /// IEEE 754 binary16: 5 exponent bits, 10 significand bits, range ±65504.
    case float16
    /// bfloat16: the top half of an f32 — f32's range with 7 significand bits.
    case bfloat16

    /// The exact f32 value of `bits`.
    @inline(__always)
    public func widen(_ bits: UInt16) -> Float {
        switch self {
        // Swift's Float16 does the exponent re-bias, subnormals, infinities and NaN payloads.
        case .float16: return Float(Float16(bitPattern: bits))
        case .bfloat16: return Float(bitPattern: UInt32(bits) << 16)
        }
    }

    /// `value` rounded to nearest (ties to even); overflow becomes ±infinity, NaN stays NaN.
    @inline(__always)
    public func narrow(_ value: Float) -> UInt16 {
        switch self {
        case .float16: return Float16(value).bitPattern
        case .bfloat16: return Self.bfloat16Bits(value)
        }
    }

    /// Widens `count` little-endian values at `source` (any alignment) into `destination`.
    public func widen(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        // One switch outside the loop: this runs once per block of rows when the index scores.
        switch self {
        case .float16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
                destination[i] = Float(Float16(bitPattern: bits))
            }
        case .bfloat16:
            for i in 0..<count {
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self))
                destination[i] = Float(bitPattern: UInt32(bits) << 16)
            }
        }
    }

    /// Narrows `count` floats at `source` into little-endian values at `destination` (any alignment).
    public func narrow(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutableRawPointer) {
        switch self {
        case .float16:
            for i in 0..<count {
                destination.storeBytes(
                    of: Float16(source[i]).bitPattern.littleEndian, toByteOffset: i &* 2, as: UInt16.self)
            }
        case .bfloat16:
            for i in 0..<count {
                destination.storeBytes(
                    of: Self.bfloat16Bits(source[i]).littleEndian, toByteOffset: i &* 2, as: UInt16.self)
            }
        }
    }

    /// f32 → bf16 by hand (Swift has no bfloat16 type): add half of the dropped 16 bits, plus
    /// one more when the kept part is odd (ties to even), and keep the top half. A carry into
    /// the exponent is exactly the round-up to the next binade or to infinity. NaN becomes the
    /// canonical quiet NaN 0x7FC0, as in PyTorch, because rounding a NaN whose payload sits in
    /// the low bits could otherwise carry it into an infinity.
    @inline(__always)
    static func bfloat16Bits(_ value: Float) -> UInt16 {
        if value.isNaN { return 0x7FC0 }
        let bits = value.bitPattern
        let rounding: UInt32 = 0x7FFF + ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: (bits &+ rounding) >> 16)
    }
}
