/// The element types a tensor file may declare, by their safetensors names.
///
/// The set is closed on purpose: a name outside it (`F8_E4M3`, `U16`, …) is refused with the
/// name in the message rather than guessed at. Which of these a reader accepts is its own
/// business — the weight loader widens only the float types, the index imports only F32,
/// F16 and BF16 — but all of them must agree on the names and the sizes.
public enum TensorDType: String, Sendable, CaseIterable {
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

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// The 16-bit float format of `f16` and `bf16`; nil for every other type.
    public var halfFloat: HalfFloat? {
        switch self {
        case .f16: return .float16
        case .bf16: return .bfloat16
        default: return nil
        }
    }

    /// The type a little-endian NumPy `descr` names (`'<f4'`, `'|u1'`, …). Big-endian and
    /// structured descriptions give nil: no caller reads them.
    public init?(numpyDescr descr: String) {
        switch descr {
        case "<f4": self = .f32
        case "<f2": self = .f16
        case "<f8": self = .f64
        case "<i8": self = .i64
        case "<i4": self = .i32
        case "<i2": self = .i16
        case "|i1", "<i1": self = .i8
        case "|u1", "<u1": self = .u8
        case "|b1", "<b1": self = .bool
        default: return nil
        }
    }
}
