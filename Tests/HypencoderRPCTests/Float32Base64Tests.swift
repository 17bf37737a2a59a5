/// Base64 float32 vectors: bit-exact round trips, agreement with Foundation's independent
/// base64 implementation on the little-endian bytes, and strict refusal of malformed text.
import Foundation
import XCTest

@testable import HypencoderRPC

final class Float32Base64Tests: XCTestCase {
    private func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
    }

    func testRoundTripIsBitExactForEveryLength() throws {
        for count in 0..<20 {
            let values = randomFloats(count, seed: UInt64(count) + 1)
            let decoded = try Float32Base64.decode(Float32Base64.encode(values))
            XCTAssertEqual(decoded.map(\.bitPattern), values.map(\.bitPattern), "count \(count)")
        }
        let special: [Float] = [
            0, -0.0, 1, -1, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
            .infinity, .nan,
        ]
        let decoded = try Float32Base64.decode(Float32Base64.encode(special))
        XCTAssertEqual(decoded.map(\.bitPattern), special.map(\.bitPattern))
    }

    func testEncodingMatchesFoundationOnLittleEndianBytes() {
        for count in [1, 2, 3, 384, 385] {
            let values = randomFloats(count, seed: 99 + UInt64(count))
            var data = Data()
            for value in values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
            XCTAssertEqual(Float32Base64.encode(values), data.base64EncodedString(), "count \(count)")
        }
    }

    func testDecodingAcceptsFoundationOutput() throws {
        let values = randomFloats(384, seed: 5).map { $0.isNaN ? 0 : $0 }
        var data = Data()
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        XCTAssertEqual(try Float32Base64.decode(data.base64EncodedString()), values)
    }

    private func decodeError(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            let values = try Float32Base64.decode(text)
            XCTFail("expected an error, decoded \(values)", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testMalformedTextIsRefusedWithTheProblemNamed() {
        let good = Float32Base64.encode([1.5, -2.25])  // 8 bytes → 12 characters, one "="
        XCTAssertTrue(decodeError(String(good.dropLast())).contains("not a multiple of 4"))
        XCTAssertTrue(decodeError("AAAA").contains("not a whole number of float32"))
        XCTAssertTrue(decodeError("AAA!AAAAAAA=").contains("invalid base64 character '!' at offset 3"))
        XCTAssertTrue(decodeError("AAAA AAAAAA=").contains("offset 4"), "whitespace is not skipped")
        XCTAssertTrue(decodeError("AAAA-AA_AAA=").contains("'-'"), "URL-safe alphabet is refused")
        XCTAssertTrue(decodeError("AA=AAAAAAAA=").contains("padding '=' at offset 2"))
        // "AAAAAAAAAAB=" sets bits the 8-byte payload does not use.
        XCTAssertTrue(decodeError("AAAAAAAAAAB=").contains("non-zero padding bits"))
        XCTAssertTrue(decodeError("AAAAAAAAA\u{e9}=").contains("byte 0xc3 at offset 9"))
    }

    func testEmptyTextIsAnEmptyVector() throws {
        XCTAssertEqual(try Float32Base64.decode(""), [])
        XCTAssertEqual(Float32Base64.encode([Float]()), "")
    }
}
