import XCTest

@testable import HypencoderIndex

/// Bulk import against files written by NumPy / safetensors / PyTorch
/// (Fixtures/make_matrix_fixtures.py), compared with the values those libraries read back.
final class MatrixImportTests: XCTestCase {
    private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    private func expectedRows(_ name: String) throws -> [[Float]] {
        let text = try String(contentsOfFile: "\(fixtures)/\(name).expected.txt", encoding: .utf8)
        return text.split(separator: "\n").map { line in
            line.split(separator: " ").map { Float(bitPattern: UInt32($0, radix: 16)!) }
        }
    }

    private func newIndex() throws -> DocumentIndex {
        try DocumentIndex.open(directory: makeTemporaryDirectory(self), fingerprint: "m", dimension: 3)
    }

    func testImportsEverySupportedFormatExactly() throws {
        for name in ["vectors_f32.npy", "vectors_f16.npy", "vectors_f32.safetensors", "vectors_bf16.safetensors"] {
            let index = try newIndex()
            let counts = try index.importVectors(matrix: "\(fixtures)/\(name)", ids: "\(fixtures)/ids.txt", batchSize: 2)
            XCTAssertEqual(counts, UpdateCounts(added: 5), name)
            let expected = try expectedRows(name)
            let stored = try index.get(ids: (0..<5).map { "doc-\($0)" }).map { $0?.vector ?? [] }
            XCTAssertEqual(stored, expected, name)
        }
    }

    func testRejectsMalformedMatricesNamingTheFile() throws {
        let cases: [(String, String)] = [
            ("bad_fortran.npy", "Fortran order"),
            ("bad_3d.npy", "not 2-D"),
            ("bad_f64.npy", "'<f8'"),
            ("bad_two_tensors.safetensors", "exactly one tensor"),
            ("ids.txt", "unknown extension"),
        ]
        let index = try newIndex()
        for (name, phrase) in cases {
            XCTAssertIndexError(try index.importVectors(matrix: "\(fixtures)/\(name)", ids: "\(fixtures)/ids.txt")) {
                if case .importFailed(let path, let reason) = $0 { return path.hasSuffix(name) && reason.contains(phrase) }
                return false
            }
        }
        XCTAssertEqual(index.count, 0)
    }

    func testRejectsIdFilesThatDoNotMatch() throws {
        let directory = makeTemporaryDirectory(self)
        let index = try newIndex()
        let matrix = "\(fixtures)/vectors_f32.npy"
        let cases: [(String, String)] = [
            ("a\nb\nc\n", "has 3 ids but"),
            ("a\nb\n\nd\ne\n", "line 3 is empty"),
            ("a\nb\nc\nb\ne\n", "'b' on line 4"),
        ]
        for (number, (content, phrase)) in cases.enumerated() {
            let path = "\(directory)/ids\(number).txt"
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertIndexError(try index.importVectors(matrix: matrix, ids: path)) {
                if case .importFailed(let failedPath, let reason) = $0 { return failedPath == path && reason.contains(phrase) }
                return false
            }
        }
        let wide = try DocumentIndex.open(directory: makeTemporaryDirectory(self), fingerprint: "m", dimension: 4)
        XCTAssertIndexError(try wide.importVectors(matrix: matrix, ids: "\(fixtures)/ids.txt")) {
            if case .importFailed(let path, let reason) = $0 { return path == matrix && reason.contains("3 columns") }
            return false
        }
    }

    // MARK: the weight loader's header rules apply to imports too

    /// A 5 × 3 `.npy` whose header's shape is `shape` verbatim (version 1 unless the header
    /// needs more than a u16 length), followed by 60 bytes of data.
    private func npy(shape: String, padding: Int = 0) -> [UInt8] {
        var text = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }".utf8)
        text += [UInt8](repeating: UInt8(ascii: " "), count: padding) + [UInt8(ascii: "\n")]
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8)
        if text.count <= Int(UInt16.max) {
            bytes += [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
        } else {
            bytes += [2, 0]
            withUnsafeBytes(of: UInt32(text.count).littleEndian) { bytes += $0 }
        }
        return bytes + text + [UInt8](repeating: 0, count: 60)
    }

    /// A one-tensor `.safetensors` file with `fields` spliced into the tensor's entry.
    private func safetensors(_ fields: String, declaredLength: UInt64? = nil) -> [UInt8] {
        let json = Array(#"{"vectors":{"dtype":"F32","\#(fields)}}"#.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (declaredLength ?? UInt64(json.count)).littleEndian) { bytes += $0 }
        return bytes + json + [UInt8](repeating: 0, count: 60)
    }

    /// Foundation bridges `true` to 1 and `3.0` to 3, and Python's literal_eval reads `True`
    /// as 1: an import used to take such a header for a (1, 3) or (5, 3) matrix. Now every
    /// such file is refused, naming the file and the field, before the index changes.
    func testRejectsNonIntegerShapesAndOffsets() throws {
        let directory = makeTemporaryDirectory(self)
        let cases: [(String, [UInt8], [String])] = [
            ("true-rows.npy", npy(shape: "(True, 3)"), ["'shape' entry 'True'", "not a non-negative integer"]),
            ("float-columns.npy", npy(shape: "(5, 3.0)"), ["'shape' entry '3.0'", "not a non-negative integer"]),
            (
                "true-shape.safetensors", safetensors(#"shape":[5,true],"data_offsets":[0,60]"#),
                ["tensor 'vectors'", "'shape' [5,true]", "integers"]
            ),
            (
                "float-shape.safetensors", safetensors(#"shape":[5.0,3],"data_offsets":[0,60]"#),
                ["tensor 'vectors'", "'shape'", "integers"]
            ),
            (
                "float-offset.safetensors", safetensors(#"shape":[5,3],"data_offsets":[0,60.0]"#),
                ["tensor 'vectors'", "'data_offsets'", "integers"]
            ),
            (
                "true-offset.safetensors", safetensors(#"shape":[1,3],"data_offsets":[true,13]"#),
                ["tensor 'vectors'", "'data_offsets' [true,13]", "integers"]
            ),
        ]
        try assertImportRefused(cases, in: directory)
    }

    /// A header length past the format's cap is refused before it is read: 100 MB for
    /// safetensors (the format's own limit), 10,000 bytes for `.npy` (NumPy's `np.load` default).
    func testRejectsOversizedHeaders() throws {
        let directory = makeTemporaryDirectory(self)
        let cases: [(String, [UInt8], [String])] = [
            (
                "huge-claim.safetensors", safetensors(#"shape":[5,3],"data_offsets":[0,60]"#, declaredLength: 1 << 40),
                ["header length 1099511627776", "exceeds the 104857600-byte limit"]
            ),
            ("long-header.npy", npy(shape: "(5, 3)", padding: 10_000), ["exceeds the 10000-byte limit"]),
            ("huge-v2-header.npy", npy(shape: "(5, 3)", padding: 70_000), ["exceeds the 10000-byte limit"]),
        ]
        try assertImportRefused(cases, in: directory)
    }

    private func assertImportRefused(
        _ cases: [(String, [UInt8], [String])], in directory: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let index = try newIndex()
        for (name, bytes, phrases) in cases {
            let path = "\(directory)/\(name)"
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertIndexError(try index.importVectors(matrix: path, ids: "\(fixtures)/ids.txt"), file: file, line: line) {
                guard case .importFailed(let failedPath, let reason) = $0, failedPath == path else { return false }
                let missing = phrases.filter { !reason.contains($0) }
                if !missing.isEmpty { XCTFail("\(name): '\(reason)' does not mention \(missing)", file: file, line: line) }
                return missing.isEmpty
            }
        }
        XCTAssertEqual(index.count, 0, file: file, line: line)
    }

    func testEveryTruncationOfAMatrixFileIsAnError() throws {
        let directory = makeTemporaryDirectory(self)
        for name in ["vectors_f32.npy", "vectors_f32.safetensors"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(fixtures)/\(name)"))
            for length in 0..<bytes.count {
                let path = "\(directory)/cut-\(length)-\(name)"
                try bytes.prefix(length).write(to: URL(fileURLWithPath: path))
                XCTAssertThrowsError(try MatrixFile(path: path), "\(name) cut at \(length)")
            }
        }
    }
}
