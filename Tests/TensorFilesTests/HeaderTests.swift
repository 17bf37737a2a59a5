import Foundation
import XCTest

@testable import TensorFiles

/// `.npy` and safetensors headers built byte by byte, so lying and malformed variants can be
/// written; each refusal must name the file and say what is wrong.
final class HeaderTests: XCTestCase {
    /// A `.npy` file: preamble for `major`, the dict text padded as NumPy pads it, then `data`.
    static func npy(_ dictionary: String, major: UInt8 = 1, data: [UInt8] = []) -> [UInt8] {
        var text = Array(dictionary.utf8)
        let preamble = major == 1 ? 10 : 12
        while (preamble + text.count + 1) % 64 != 0 { text.append(UInt8(ascii: " ")) }
        text.append(UInt8(ascii: "\n"))
        var bytes = NpyHeader.magic + [major, 0]
        if major == 1 {
            bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
        } else {
            withUnsafeBytes(of: UInt32(text.count).littleEndian) { bytes += $0 }
        }
        return bytes + text + data
    }

    private func parseNpy(_ bytes: [UInt8]) throws -> NpyHeader {
        try bytes.withUnsafeBytes { try NpyHeader(parsing: $0, path: "m.npy") }
    }

    private func assertMalformed<T>(
        _ fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard case .malformed(let path, let reason)? = error as? TensorFileError else {
                return XCTFail("expected a malformed-file error, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(path.hasSuffix(".npy") || path.hasSuffix(".safetensors"), path, file: file, line: line)
            for fragment in fragments {
                XCTAssertTrue(reason.contains(fragment), "'\(reason)' does not mention '\(fragment)'", file: file, line: line)
            }
        }
    }

    func testNpyVersionsOneToThree() throws {
        let data = [UInt8](repeating: 0, count: 24)
        for major: UInt8 in [1, 2, 3] {
            let header = try parseNpy(
                Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", major: major, data: data))
            XCTAssertEqual(header.majorVersion, Int(major))
            XCTAssertEqual(header.dtype, .f32)
            XCTAssertEqual(header.shape, [2, 3])
            XCTAssertEqual(header.elementCount, 6)
            XCTAssertFalse(header.fortranOrder)
            XCTAssertEqual(header.dataOffset, 128, "NumPy pads the header to a multiple of 64")
        }
        // Key order, quotes, spacing and the trailing comma vary between writers; Python 2's `L` too.
        let other = try parseNpy(Self.npy("{\"shape\":(4,),\"fortran_order\":True,\"descr\":\"|u1\"}", data: [1, 2, 3, 4]))
        XCTAssertEqual(other.shape, [4])
        XCTAssertTrue(other.fortranOrder)
        XCTAssertEqual(other.dtype, .u8)
        XCTAssertEqual(
            try parseNpy(Self.npy("{'descr': '<f2', 'fortran_order': False, 'shape': (1L, 2L)}", data: [0, 0, 0, 0])).shape,
            [1, 2])
        XCTAssertEqual(
            try parseNpy(Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': ()}", data: Array(repeating: 0, count: 8)))
                .shape, [])
        // A dtype TensorDType does not know is reported, not refused: the caller decides.
        let big = try parseNpy(Self.npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"))
        XCTAssertNil(big.dtype)
        XCTAssertEqual(big.descr, ">f4")
    }

    func testNpyShapeEntriesMustBeIntegers() {
        for (shape, shown) in [
            ("(True, 3)", "'True'"), ("(5, 3.0)", "'3.0'"), ("(5, -3)", "'-3'"), ("(5, 3e0)", "'3e0'"), ("(5, 0x3)", "'0x3'"),
        ] {
            assertMalformed(["header", "'shape' entry", shown]) {
                try parseNpy(
                    Self.npy(
                        "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }", data: Array(repeating: 0, count: 60)))
            }
        }
        assertMalformed(["not a tuple"]) { try parseNpy(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': [5, 3], }")) }
        assertMalformed(["(5)", "not a tuple"]) {
            try parseNpy(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (5), }"))
        }
        assertMalformed(["99999999999999999999", "64-bit"]) {
            try parseNpy(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 1), }"))
        }
        assertMalformed(["more elements"]) {
            try parseNpy(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }"))
        }
    }

    func testNpyHeaderKeysAndValues() {
        let cases: [(String, [String])] = [
            ("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,), }", ["'fortran_order'", "True or False"]),
            ("{'descr': '<f4', 'fortran_order': Falsey, 'shape': (1,), }", ["'fortran_order'"]),
            ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", ["structured"]),
            ("{'descr': '<f4', 'shape': (1,), }", ["no 'fortran_order'"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", ["unexpected key 'extra'"]),
            ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", ["twice"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } junk", ["after the closing"]),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), ", ["expected a quoted key", "the end of the header"]),
        ]
        for (dictionary, fragments) in cases {
            assertMalformed(["header"] + fragments) { try parseNpy(Self.npy(dictionary, data: [0, 0, 0, 0])) }
        }
    }

    func testNpySizesAndVersions() throws {
        let good = Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: Array(repeating: 0, count: 24))
        assertMalformed(["too short"]) { try parseNpy(Array(good.prefix(7))) }
        assertMalformed(["bad magic"]) { try parseNpy([0x93] + Array("NUMPZ".utf8) + Array(good.dropFirst(6))) }
        var future = good
        future[6] = 4
        assertMalformed(["version 4.0"]) { try parseNpy(future) }
        assertMalformed(["needs 24 data bytes", "holds 23"]) { try parseNpy(Array(good.dropLast())) }
        assertMalformed(["runs past the end"]) { try parseNpy(Array(good.prefix(40))) }
        // Oversized: claimed (version 2) and real (version 1, within u16 but over the cap).
        var claimed = NpyHeader.magic + [2, 0]
        withUnsafeBytes(of: UInt32.max.littleEndian) { claimed += $0 }
        assertMalformed(["header length 4294967295", "10000-byte limit"]) { try parseNpy(claimed) }
        let padded = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" + String(repeating: " ", count: 20_000)
        assertMalformed(["exceeds the 10000-byte limit"]) { try parseNpy(Self.npy(padded, major: 2)) }
    }

    // MARK: safetensors

    /// A safetensors file whose JSON header is `json` verbatim, then `data`.
    static func safetensors(_ json: String, data: [UInt8] = [], declaredLength: UInt64? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(json.utf8.count)).littleEndian) { bytes += $0 }
        return bytes + Array(json.utf8) + data
    }

    private func parseSafetensors(_ bytes: [UInt8]) throws -> SafetensorsHeader {
        try bytes.withUnsafeBytes { try SafetensorsHeader(parsing: $0, path: "m.safetensors") }
    }

    func testSafetensorsEntries() throws {
        let json =
            #"{"__metadata__":{"format":"pt"},"b":{"dtype":"BF16","shape":[2],"data_offsets":[8,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#
        let header = try parseSafetensors(Self.safetensors(json, data: Array(repeating: 0, count: 12)))
        XCTAssertEqual(header.entries.map(\.name), ["a", "b"], "sorted by offset")
        XCTAssertEqual(header.entries[1].dtype, .bf16)
        XCTAssertEqual(header.entries[1].elementCount, 2)
        XCTAssertEqual(header.dataStart, 8 + json.utf8.count)
    }

    /// `true` and `3.0` are JSON numbers to Foundation (it bridges both to Int); not to us.
    func testSafetensorsIntegersAreStrict() {
        let cases: [(String, String)] = [
            (#""shape":[true,1],"data_offsets":[0,4]"#, "'shape' [true,1]"),
            (#""shape":[1.0,1],"data_offsets":[0,4]"#, "'shape'"),
            (#""shape":[1,1],"data_offsets":[0,4.0]"#, "'data_offsets'"),
            (#""shape":[1,1],"data_offsets":[false,4]"#, "'data_offsets' [false,4]"),
            (#""shape":[1,1],"data_offsets":[0,4e0]"#, "'data_offsets'"),
            (#""shape":"1","data_offsets":[0,4]"#, "'shape'"),
        ]
        for (fields, fragment) in cases {
            assertMalformed(["tensor 'w'", fragment, "integers"]) {
                try parseSafetensors(Self.safetensors(#"{"w":{"dtype":"F32","# + fields + "}}", data: [0, 0, 0, 0]))
            }
        }
    }

    func testSafetensorsHeaderLengthIsCapped() {
        assertMalformed(["header length 104857601", "104857600-byte limit"]) {
            try parseSafetensors(Self.safetensors("{}", declaredLength: 100 << 20 + 1))
        }
        assertMalformed(["header length 1000", "runs past the end"]) {
            try parseSafetensors(Self.safetensors("{}", declaredLength: 1000))
        }
    }
}
