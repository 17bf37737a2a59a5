import XCTest

@testable import TensorFiles

final class HalfFloatTests: XCTestCase {
    /// Every half-precision bit pattern widens to the value IEEE 754 defines, computed here
    /// from the fields (sign, exponent, significand) rather than by another conversion
    /// routine, and narrows back to the same bits.
    func testEveryFloat16WidensExactlyAndRoundTrips() {
        for bits in 0...UInt16.max {
            let sign: Float = bits & 0x8000 == 0 ? 1 : -1
            let exponent = Int(bits >> 10) & 0x1F
            let fraction = Float(bits & 0x03FF)
            let widened = HalfFloat.float16.widen(bits)
            switch exponent {
            case 0x1F where fraction == 0:
                XCTAssertEqual(widened, sign * .infinity, "bits \(bits)")
            case 0x1F:
                XCTAssertTrue(widened.isNaN, "bits \(bits)")
                // The payload's top bits and the sign survive (f32 has room for all of them).
                XCTAssertEqual(widened.bitPattern >> 13 & 0x3FF, UInt32(bits & 0x3FF) | 0x200, "NaN payload \(bits)")
                XCTAssertEqual(widened.sign == .minus, bits & 0x8000 != 0)
            case 0:
                XCTAssertEqual(widened, sign * fraction * 0x1p-24, "subnormal bits \(bits)")
                XCTAssertEqual(widened.sign == .minus, bits & 0x8000 != 0, "signed zero \(bits)")
            default:
                XCTAssertEqual(
                    widened, sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1))
            }
            if !widened.isNaN {
                XCTAssertEqual(HalfFloat.float16.narrow(widened), bits, "round trip \(bits)")
            }
        }
    }

    func testEveryBFloat16WidensExactlyAndRoundTrips() {
        for bits in 0...UInt16.max {
            let widened = HalfFloat.bfloat16.widen(bits)
            XCTAssertEqual(widened.bitPattern, UInt32(bits) << 16)
            XCTAssertEqual(HalfFloat.bfloat16.narrow(widened), widened.isNaN ? 0x7FC0 : bits, "round trip \(bits)")
        }
    }

    /// Narrowing rounds to nearest with ties to even, and overflows to infinity, in both formats.
    func testNarrowingRoundsToNearestEven() {
        // f16 around 1: spacing 2^-10. Halfway rounds to the even neighbour.
        XCTAssertEqual(HalfFloat.float16.narrow(1 + 0x1p-11), 0x3C00)
        XCTAssertEqual(HalfFloat.float16.narrow(1 + 3 * 0x1p-11), 0x3C02)
        XCTAssertEqual(HalfFloat.float16.narrow(1 + 0x1p-11 + 0x1p-20), 0x3C01)
        XCTAssertEqual(HalfFloat.float16.narrow(65504), 0x7BFF)
        XCTAssertEqual(HalfFloat.float16.narrow(65520), 0x7C00, "halfway to the next binade rounds to infinity")
        XCTAssertEqual(HalfFloat.float16.narrow(-1e9), 0xFC00)
        XCTAssertEqual(HalfFloat.float16.narrow(0x1p-25), 0x0000, "half the smallest subnormal ties to zero")
        XCTAssertEqual(HalfFloat.float16.narrow(0x1p-25 + 0x1p-40), 0x0001)
        XCTAssertTrue(HalfFloat.float16.widen(HalfFloat.float16.narrow(.nan)).isNaN)

        // bf16 around 1: spacing 2^-7.
        XCTAssertEqual(HalfFloat.bfloat16.narrow(1 + 0x1p-8), 0x3F80)
        XCTAssertEqual(HalfFloat.bfloat16.narrow(1 + 3 * 0x1p-8), 0x3F82)
        XCTAssertEqual(HalfFloat.bfloat16.narrow(1 + 0x1p-8 + 0x1p-20), 0x3F81)
        XCTAssertEqual(HalfFloat.bfloat16.narrow(.greatestFiniteMagnitude), 0x7F80, "rounds up to infinity")
        XCTAssertEqual(HalfFloat.bfloat16.narrow(-.infinity), 0xFF80)
        XCTAssertEqual(HalfFloat.bfloat16.narrow(-0.0), 0x8000)
        XCTAssertEqual(HalfFloat.bfloat16.narrow(Float(bitPattern: 0x7F80_0001)), 0x7FC0, "a NaN never becomes infinity")
        XCTAssertEqual(HalfFloat.bfloat16.narrow(Float(bitPattern: 0xFFFF_FFFF)), 0x7FC0)
    }

    /// The bulk conversions agree with the scalar ones and read and write at odd addresses
    /// (safetensors offsets need not be even).
    func testBulkConversionsMatchScalarAtAnyAlignment() {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<1001).map { _ in Float(bitPattern: generator.next()) }.filter { !$0.isNaN }
        for format in HalfFloat.allCases {
            var bytes = [UInt8](repeating: 0, count: values.count * 2 + 1)
            bytes.withUnsafeMutableBytes { raw in
                values.withUnsafeBufferPointer { format.narrow($0.baseAddress!, count: values.count, into: raw.baseAddress! + 1) }
            }
            for (i, value) in values.enumerated() {
                let stored = UInt16(bytes[1 + 2 * i]) | UInt16(bytes[2 + 2 * i]) << 8
                XCTAssertEqual(stored, format.narrow(value), "\(format) element \(i)")
            }
            var widened = [Float](repeating: 0, count: values.count)
            bytes.withUnsafeBytes { raw in
                widened.withUnsafeMutableBufferPointer {
                    format.widen(raw.baseAddress! + 1, count: values.count, into: $0.baseAddress!)
                }
            }
            XCTAssertEqual(widened.map(\.bitPattern), values.map { format.widen(format.narrow($0)).bitPattern }, "\(format)")
        }
    }
}
