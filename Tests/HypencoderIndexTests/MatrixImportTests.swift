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
            let stored = index.get(ids: (0..<5).map { "doc-\($0)" }).map { $0?.vector ?? [] }
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
