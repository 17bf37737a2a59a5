import Foundation
import XCTest

/// Locates the reference fixtures (Tests/Fixtures/README.md) from this file's path, so tests
/// run from any working directory.
enum Fixtures {
    /// The repository root: three levels above this file (Tests/HypencoderModelTests/…).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// A random Hypencoder model directory under `.build/fixtures/models`. Fails (never skips)
    /// when it is absent: the fidelity tests are the point of the suite.
    static func model(_ name: String) throws -> String {
        try existing(root.appendingPathComponent(".build/fixtures/models/\(name)"), what: "fixture model \(name)")
    }

    static func miniLM() throws -> String {
        try existing(root.appendingPathComponent(".build/models/all-MiniLM-L6-v2"), what: "all-MiniLM-L6-v2")
    }

    private static func existing(_ url: URL, what: String) throws -> String {
        guard FileManager.default.fileExists(atPath: url.appendingPathComponent("config.json").path) else {
            throw Missing(description: "\(what) not found at \(url.path): run Scripts/make-test-models from the repository root")
        }
        return url.path
    }

    /// `Tests/Fixtures/reference/<name>.json`, committed.
    static func reference(_ name: String) throws -> [String: Any] {
        let url = root.appendingPathComponent("Tests/Fixtures/reference/\(name).json")
        guard let data = FileManager.default.contents(atPath: url.path),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw Missing(
                description:
                    "\(url.path) missing or not a JSON object: it is committed; regenerate with Tools/reference/make_fixtures.py (see Tests/Fixtures/README.md)"
            )
        }
        return object
    }
}

extension Dictionary where Key == String, Value == Any {
    func floats(_ key: String) -> [Float] { ((self[key] as? [Any]) ?? []).map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) } }
    func floatRows(_ key: String) -> [[Float]] {
        ((self[key] as? [[Any]]) ?? []).map { $0.map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) } }
    }
    func idRows(_ key: String) -> [[Int32]] {
        ((self[key] as? [[Any]]) ?? []).map { $0.map { Int32(($0 as? NSNumber)?.intValue ?? -1) } }
    }
    func strings(_ key: String) -> [String] { (self[key] as? [String]) ?? [] }
}

/// Indices of `scores` from best to worst.
func ranking(_ scores: [Float]) -> [Int] {
    scores.indices.sorted { scores[$0] > scores[$1] }
}

/// Asserts `|actual − expected| ≤ relative·max(1, |expected|)` element-wise.
func assertClose(
    _ actual: [Float], _ expected: [Float], relative: Float, _ message: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "\(message): length", file: file, line: line)
    var worst: (index: Int, error: Float) = (0, 0)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let error = abs(a - e) / max(1, abs(e))
        if !(error <= worst.error) { worst = (i, error) }
    }
    XCTAssertLessThanOrEqual(
        worst.error, relative,
        "\(message): worst at \(worst.index): \(actual.isEmpty ? 0 : actual[worst.index]) vs \(expected.isEmpty ? 0 : expected[worst.index])",
        file: file, line: line)
}
