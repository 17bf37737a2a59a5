import Foundation
import XCTest

@testable import HypencoderWeights

/// Helpers shared by the weight tests: temp directories, writers for the formats under test
/// (so malformed variants can be produced byte by byte), and fixture lookup.
enum TestSupport {
    /// The repository root, found from this file's path (Tests/HypencoderWeightsTests/…).
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures/weights")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// A fresh empty directory, removed when the test ends.
    static func temporaryDirectory(_ test: XCTestCase) throws -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("hypencoder-weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func write(json: Any, to path: String) throws {
        try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    /// Asserts that `body` throws exactly `expected`.
    static func assertThrows<T>(
        _ expected: ModelError, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? ModelError, expected, file: file, line: line)
        }
    }

    /// Asserts that `body` throws a `.format` error whose reason contains every fragment.
    static func assertFormatError<T>(
        mentioning fragments: [String], file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> T
    ) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            guard let modelError = error as? ModelError, case .format = modelError else {
                return XCTFail("expected a format error, got \(error)", file: file, line: line)
            }
            let message = modelError.description
            for fragment in fragments {
                XCTAssertTrue(message.contains(fragment), "'\(message)' does not mention '\(fragment)'", file: file, line: line)
            }
        }
    }
}

/// Little-endian byte building.
extension Array where Element == UInt8 {
    mutating func appendLE<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.littleEndian) { append(contentsOf: $0) }
    }
}

/// Writes safetensors files byte by byte, so tests can also write lying headers.
struct SafetensorsWriter {
    struct Item {
        var name: String
        var dtype: String
        var shape: [Int]
        var data: [UInt8]
        /// Overrides the computed `data_offsets` (to write a lying header).
        var offsets: [Int]? = nil
    }

    static func f32(_ name: String, _ shape: [Int], _ values: [Float]) -> Item {
        var data: [UInt8] = []
        for value in values { data.appendLE(value.bitPattern) }
        return Item(name: name, dtype: "F32", shape: shape, data: data)
    }

    static func bytes(_ items: [Item], headerLengthOverride: UInt64? = nil) throws -> [UInt8] {
        var header: [String: Any] = ["__metadata__": ["format": "pt"]]
        var data: [UInt8] = []
        for item in items {
            let offsets = item.offsets ?? [data.count, data.count + item.data.count]
            header[item.name] = ["dtype": item.dtype, "shape": item.shape, "data_offsets": offsets]
            data += item.data
        }
        let json = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        var file: [UInt8] = []
        file.appendLE(headerLengthOverride ?? UInt64(json.count))
        return file + json + data
    }

    static func write(_ items: [Item], to path: String) throws {
        try TestSupport.write(try bytes(items), to: path)
    }
}

/// Writes minimal zip archives, for torch-archive tests built in Swift. With `zip64`, every
/// size and offset in the central directory is 0xFFFFFFFF with the real values in a zip64
/// extra field, and the end records are the zip64 ones (as writers do past 4 GB).
struct ZipWriter {
    var entries: [(name: String, data: [UInt8], method: UInt16)] = []
    var zip64 = false

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var directory: [UInt8] = []
        for entry in entries {
            let offset = out.count
            let name = Array(entry.name.utf8)
            var header: [UInt8] = []
            header.appendLE(UInt32(0x0403_4B50))
            header.appendLE(UInt16(45))
            header.appendLE(UInt16(0))
            header.appendLE(entry.method)
            header.appendLE(UInt32(0))
            header.appendLE(UInt32(0))
            header.appendLE(UInt32(entry.data.count))
            header.appendLE(UInt32(entry.data.count))
            header.appendLE(UInt16(name.count))
            header.appendLE(UInt16(0))
            out += header + name + entry.data
            var extra: [UInt8] = []
            if zip64 {
                extra.appendLE(UInt16(1))
                extra.appendLE(UInt16(24))
                extra.appendLE(UInt64(entry.data.count))
                extra.appendLE(UInt64(entry.data.count))
                extra.appendLE(UInt64(offset))
            }
            let size32 = zip64 ? UInt32.max : UInt32(entry.data.count)
            var central: [UInt8] = []
            central.appendLE(UInt32(0x0201_4B50))
            central.appendLE(UInt16(45))
            central.appendLE(UInt16(45))
            central.appendLE(UInt16(0))
            central.appendLE(entry.method)
            central.appendLE(UInt32(0))
            central.appendLE(UInt32(0))
            central.appendLE(size32)
            central.appendLE(size32)
            central.appendLE(UInt16(name.count))
            central.appendLE(UInt16(extra.count))
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0))
            central.appendLE(UInt16(0))
            central.appendLE(UInt32(0))
            central.appendLE(zip64 ? UInt32.max : UInt32(offset))
            directory += central + name + extra
        }
        let directoryOffset = out.count
        out += directory
        if zip64 {
            let recordOffset = out.count
            out.appendLE(UInt32(0x0606_4B50))
            out.appendLE(UInt64(44))
            out.appendLE(UInt16(45))
            out.appendLE(UInt16(45))
            out.appendLE(UInt32(0))
            out.appendLE(UInt32(0))
            out.appendLE(UInt64(entries.count))
            out.appendLE(UInt64(entries.count))
            out.appendLE(UInt64(directory.count))
            out.appendLE(UInt64(directoryOffset))
            out.appendLE(UInt32(0x0706_4B50))
            out.appendLE(UInt32(0))
            out.appendLE(UInt64(recordOffset))
            out.appendLE(UInt32(1))
        }
        out.appendLE(UInt32(0x0605_4B50))
        out.appendLE(UInt16(0))
        out.appendLE(UInt16(0))
        out.appendLE(zip64 ? UInt16.max : UInt16(entries.count))
        out.appendLE(zip64 ? UInt16.max : UInt16(entries.count))
        out.appendLE(zip64 ? UInt32.max : UInt32(directory.count))
        out.appendLE(zip64 ? UInt32.max : UInt32(directoryOffset))
        out.appendLE(UInt16(0))
        return out
    }
}

/// Builds pickle programs opcode by opcode (protocol 2/4 subset).
struct PickleBuilder {
    var bytes: [UInt8] = [0x80, 2]

    mutating func global(_ module: String, _ name: String) {
        bytes.append(0x63)
        bytes += Array("\(module)\n\(name)\n".utf8)
    }
    mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        bytes.append(0x58)
        bytes.appendLE(UInt32(utf8.count))
        bytes += utf8
    }
    /// BININT when it fits 32 bits, else LONG1 with 8 bytes.
    mutating func int(_ value: Int) {
        if let small = Int32(exactly: value) {
            bytes.append(0x4A)
            bytes.appendLE(small)
        } else {
            bytes += [0x8A, 8]
            bytes.appendLE(Int64(value))
        }
    }
    mutating func op(_ code: UInt8) { bytes.append(code) }
    /// `('storage', torch.<type>, key, 'cpu', numel)` then BINPERSID.
    mutating func storage(_ type: String, key: String, count: Int) {
        op(0x28)
        string("storage")
        global("torch", type)
        string(key)
        string("cpu")
        int(count)
        op(0x74)
        op(0x51)
    }
    /// `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`, storage already built inline.
    mutating func tensor(_ type: String, key: String, count: Int, offset: Int, size: [Int], stride: [Int]) {
        global("torch._utils", "_rebuild_tensor_v2")
        op(0x28)
        storage(type, key: key, count: count)
        int(offset)
        op(0x28)
        size.forEach { int($0) }
        op(0x74)
        op(0x28)
        stride.forEach { int($0) }
        op(0x74)
        op(0x89)
        global("collections", "OrderedDict")
        op(0x29)
        op(0x52)
        op(0x74)
        op(0x52)
    }
}

/// `<case>.expected.json` as written by Tools/reference/make_weight_cases.py.
struct ExpectedTensors {
    /// Float tensors.
    var tensors: [String: (shape: [Int], bits: [UInt32])] = [:]
    /// Integer buffers (as float32 bit patterns), which readers return only when asked.
    var integers: [String: (shape: [Int], bits: [UInt32])] = [:]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        for (name, fields) in object {
            let shape = try XCTUnwrap(fields["shape"] as? [Int])
            let bits = try XCTUnwrap(fields["bits"] as? [NSNumber]).map { $0.uint32Value }
            if fields["integer"] as? Bool == true { integers[name] = (shape, bits) } else { tensors[name] = (shape, bits) }
        }
    }
}

extension Tensor {
    var bitPatterns: [UInt32] { values.map(\.bitPattern) }
}

/// Asserts a tensor holds exactly the reference values: equal bit patterns, except that
/// any NaN matches any NaN (NaN payloads differ between conversion routines and carry no
/// meaning for a model).
func assertSameValues(
    _ tensor: Tensor?, _ expected: (shape: [Int], bits: [UInt32])?, _ label: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    guard let tensor, let expected else { return XCTFail("\(label): missing", file: file, line: line) }
    XCTAssertEqual(tensor.shape, expected.shape, label, file: file, line: line)
    let mine = tensor.bitPatterns.map { Float(bitPattern: $0).isNaN ? 0x7FC0_0000 : $0 }
    let theirs = expected.bits.map { Float(bitPattern: $0).isNaN ? 0x7FC0_0000 : $0 }
    XCTAssertEqual(mine, theirs, label, file: file, line: line)
}
