import Foundation
import FuzzTargets
import XCTest

/// Replays every fuzz target's inputs without libFuzzer, in the ordinary test suite: its
/// generated seeds (the real inputs `Scripts/fuzz` starts from), the committed seeds under
/// `Tests/Fuzz/seeds/<target>/` and every regression input under
/// `Tests/Fuzz/regressions/<target>/` (inputs that once crashed a target or broke one of its
/// invariants; Docs/testing.md says how to add one). A crash fails the run; a broken
/// invariant fails the test naming the input.
final class FuzzRegressionTests: XCTestCase {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    func testFraming() { replay("framing") }
    func testJSON() { replay("json") }
    func testRPCRequest() { replay("rpc-request") }
    func testMethodParams() { replay("method-params") }
    func testSafetensors() { replay("safetensors") }
    func testTorchZip() { replay("torch-zip") }
    func testPickle() { replay("pickle") }
    func testModelConfig() { replay("model-config") }
    func testVocabulary() { replay("vocab") }
    func testTokenizerText() { replay("tokenizer-text") }
    func testNpy() { replay("npy") }
    func testIndexManifest() { replay("index-manifest") }
    func testIndexDocuments() { replay("index-documents") }
    func testIndexVectors() { replay("index-vectors") }
    func testIndexGraph() { replay("index-graph") }
    func testIndexWAL() { replay("index-wal") }

    /// Each target above has its test, and every directory of inputs names a target.
    func testEveryTargetIsReplayed() throws {
        let replayed: Set<String> = [
            "framing", "json", "rpc-request", "method-params", "safetensors", "torch-zip", "pickle", "model-config",
            "vocab", "tokenizer-text", "npy", "index-manifest", "index-documents", "index-vectors", "index-graph",
            "index-wal",
        ]
        XCTAssertEqual(Set(FuzzTargets.all.map(\.name)), replayed)
        for kind in ["seeds", "regressions"] {
            let directory = Self.fuzzDirectory.appendingPathComponent(kind).path
            for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where !name.hasPrefix(".") {
                XCTAssertNotNil(FuzzTargets.named(name), "Tests/Fuzz/\(kind)/\(name) names no fuzz target")
            }
        }
    }

    private func replay(_ name: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let target = FuzzTargets.named(name) else { return XCTFail("no fuzz target \(name)", file: file, line: line) }
        var inputs = target.seeds().map { (name: "seed \($0.name)", bytes: $0.bytes) }
        XCTAssertFalse(inputs.isEmpty, "\(name) has no generated seeds", file: file, line: line)
        for kind in ["seeds", "regressions"] {
            let directory = Self.fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(name).path
            for entry in ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            where !entry.hasPrefix(".") {
                guard let data = FileManager.default.contents(atPath: directory + "/" + entry) else { continue }
                inputs.append((name: "Tests/Fuzz/\(kind)/\(name)/\(entry)", bytes: [UInt8](data)))
            }
        }
        var current = ""
        FuzzCheck.failureHandler = { message in XCTFail("\(name), \(current): \(message)", file: file, line: line) }
        defer { FuzzCheck.failureHandler = nil }
        for input in inputs {
            current = input.name
            target.run(input.bytes)
        }
    }
}
