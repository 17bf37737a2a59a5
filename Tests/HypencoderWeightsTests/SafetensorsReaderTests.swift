import XCTest

@testable import HypencoderWeights

final class SafetensorsReaderTests: XCTestCase {
    private func write(_ items: [SafetensorsWriter.Item], headerLength: UInt64? = nil) throws -> String {
        let path = try TestSupport.temporaryDirectory(self) + "/model.safetensors"
        try TestSupport.write(try SafetensorsWriter.bytes(items, headerLengthOverride: headerLength), to: path)
        return path
    }

    func testRoundTripOfSwiftWrittenFile() throws {
        let values: [Float] = [1, -2.5, 0, .leastNonzeroMagnitude, 3e38, -0.0]
        let path = try write([
            SafetensorsWriter.f32("a.weight", [2, 3], values),
            SafetensorsWriter.f32("empty", [0, 4], []),
            SafetensorsWriter.Item(name: "ids", dtype: "I64", shape: [1, 2], data: [UInt8](repeating: 1, count: 16)),
        ])
        let contents = try SafetensorsReader.read(path: path)
        XCTAssertEqual(contents.tensors["a.weight"]?.shape, [2, 3])
        XCTAssertEqual(contents.tensors["a.weight"]?.bitPatterns, values.map(\.bitPattern))
        XCTAssertEqual(contents.tensors["empty"]?.shape, [0, 4])
        XCTAssertNil(contents.tensors["ids"], "integer buffers are skipped")
        XCTAssertEqual(contents.skipped["ids"], "I64")
        // Asked for, 0x0101010101010101 does not fit a Float exactly: refused, not rounded.
        TestSupport.assertFormatError(mentioning: ["'ids'", "too large"]) {
            try SafetensorsReader.read(path: path, integerBuffers: true)
        }
    }

    func testIntegerBuffersWhenAsked() throws {
        var data: [UInt8] = []
        for value: Int64 in [3, -7, 1 << 24] { data.appendLE(value) }
        let path = try write([SafetensorsWriter.Item(name: "ids", dtype: "I64", shape: [3], data: data)])
        let asked = try SafetensorsReader.read(path: path, integerBuffers: true)
        XCTAssertEqual(asked.tensors["ids"], Tensor(shape: [3], values: [3, -7, 16_777_216]))
    }

    /// Files written by the real `safetensors` library widen to what torch computes.
    func testReferenceFilesMatchTorch() throws {
        for name in ["float16", "bfloat16", "module_state"] {
            let expected = try ExpectedTensors(path: TestSupport.fixture("\(name).expected.json"))
            let contents = try SafetensorsReader.read(path: TestSupport.fixture("\(name).safetensors"))
            XCTAssertEqual(Set(contents.tensors.keys), Set(expected.tensors.keys), name)
            for (key, tensor) in contents.tensors {
                assertSameValues(tensor, expected.tensors[key], "\(name) \(key)")
            }
        }
    }

    func testTruncatedFile() throws {
        let path = try TestSupport.temporaryDirectory(self) + "/model.safetensors"
        try TestSupport.write([1, 0, 0], to: path)
        TestSupport.assertFormatError(mentioning: ["too short"]) { try SafetensorsReader.read(path: path) }

        let full = try SafetensorsWriter.bytes([SafetensorsWriter.f32("w", [4], [1, 2, 3, 4])])
        try TestSupport.write(Array(full.dropLast(3)), to: path)
        TestSupport.assertFormatError(mentioning: ["'w'", "beyond"]) { try SafetensorsReader.read(path: path) }
    }

    func testHeaderLengthBeyondFile() throws {
        let path = try write([SafetensorsWriter.f32("w", [1], [1])], headerLength: 1_000)
        TestSupport.assertFormatError(mentioning: ["header length 1000", "past the end"]) {
            try SafetensorsReader.read(path: path)
        }
        let huge = try write([SafetensorsWriter.f32("w", [1], [1])], headerLength: UInt64.max)
        TestSupport.assertFormatError(mentioning: ["limit"]) { try SafetensorsReader.read(path: huge) }
    }

    func testHeaderNotAnObject() throws {
        let path = try TestSupport.temporaryDirectory(self) + "/model.safetensors"
        var bytes: [UInt8] = []
        bytes.appendLE(UInt64(2))
        bytes += Array("[]".utf8)
        try TestSupport.write(bytes, to: path)
        TestSupport.assertFormatError(mentioning: ["not a JSON object"]) { try SafetensorsReader.read(path: path) }
    }

    func testOverlappingOffsets() throws {
        var second = SafetensorsWriter.f32("b", [2], [3, 4])
        second.offsets = [4, 12]
        let path = try write([SafetensorsWriter.f32("a", [2], [1, 2]), second])
        TestSupport.assertFormatError(mentioning: ["'b'", "overlap", "'a'", path]) { try SafetensorsReader.read(path: path) }
    }

    func testOffsetsOutOfRange() throws {
        var item = SafetensorsWriter.f32("w", [2], [1, 2])
        item.offsets = [0, 800]
        let path = try write([item])
        TestSupport.assertFormatError(mentioning: ["'w'", "beyond"]) { try SafetensorsReader.read(path: path) }
        item.offsets = [8, 0]
        let reversed = try write([item])
        TestSupport.assertFormatError(mentioning: ["'w'", "increasing"]) { try SafetensorsReader.read(path: reversed) }
    }

    func testSizeMismatch() throws {
        var item = SafetensorsWriter.f32("w", [3], [1, 2])
        item.shape = [3]
        let path = try write([item])
        TestSupport.assertFormatError(mentioning: ["'w'", "byte length"]) { try SafetensorsReader.read(path: path) }
    }

    func testBadEntryFields() throws {
        let unknown = try write([SafetensorsWriter.Item(name: "w", dtype: "F8_E4M3", shape: [1], data: [0])])
        TestSupport.assertFormatError(mentioning: ["'w'", "F8_E4M3"]) { try SafetensorsReader.read(path: unknown) }
        let negative = try write([SafetensorsWriter.Item(name: "w", dtype: "F32", shape: [-1], data: [])])
        TestSupport.assertFormatError(mentioning: ["'w'", "shape"]) { try SafetensorsReader.read(path: negative) }
        let overflow = try write([SafetensorsWriter.Item(name: "w", dtype: "F32", shape: [1 << 40, 1 << 40], data: [])])
        TestSupport.assertFormatError(mentioning: ["'w'"]) { try SafetensorsReader.read(path: overflow) }
    }
}
