import Foundation
import HypencoderTestSupport
import XCTest

/// What only the client tests need on top of HypencoderTestSupport: a daemon on the small2
/// test model with a temporary index, a way to run the real `hypencoder` against it, an
/// independent JSON reader for its output, and a tiny BEIR collection.

/// A real `hypencoderd` serving the small2 model with an index in a fresh temp directory
/// (a `DaemonProcess`, ready once READY=1 arrives on NOTIFY_SOCKET: no sleeps).
final class TestDaemon {
    let daemon: DaemonProcess
    var directory: String { daemon.directory }
    var socketPath: String { daemon.socketPath }
    var log: String { daemon.log }

    init(withIndex: Bool = true, withModel: Bool = true) throws {
        try TestPaths.requireModel()
        let directory = try makeTemporaryDirectory()
        var arguments: [String] = []
        if withModel { arguments += ["--model", TestPaths.smallModel] }
        if withIndex { arguments += ["--index", directory + "/index"] }
        // The client tests allow a slow machine the same minute as their client runs.
        daemon = try DaemonProcess(
            arguments, directory: directory, ownsDirectory: true, waitLimit: SpawnedProcess.timeout)
    }

    /// Runs `hypencoder --socket <this daemon> arguments...`.
    func client(_ arguments: [String], stdin: String? = nil) throws -> ProcessOutcome {
        try runProcess(try TestPaths.product("hypencoder"), ["--socket", socketPath] + arguments, stdin: stdin)
    }

    /// Like `client`, but fails the test unless it exits 0.
    func ok(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let outcome = try client(arguments)
        XCTAssertEqual(outcome.status, 0, "hypencoder \(arguments) failed: \(outcome.stderr)", file: file, line: line)
        return outcome.stdout
    }
}

/// Parses JSON output with Foundation (an independent reader from the client's own).
func parseJSON(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> Any {
    do { return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) } catch {
        XCTFail("not JSON: \(text.prefix(500))", file: file, line: line)
        throw error
    }
}

/// A tiny BEIR collection (corpus, queries, graded qrels with a header and a 0 grade),
/// written into a temp directory by the tests that need one. The test models have random
/// weights, so tests never assume a semantic ranking: they compare the daemon's ranking
/// with scores computed another way.
enum TinyBEIR {
    static let documents: [(id: String, title: String, text: String)] = [
        ("cat", "Cats", "Cats purr, sleep most of the day and chase mice."),
        ("rocket", "Rockets", "A rocket burns fuel to fly to orbit and the moon."),
        ("bread", "Bread", "Bread is baked from flour, water, salt and yeast."),
        ("river", "Rivers", "A river carries water from the mountains to the sea."),
    ]
    static let queries: [(id: String, text: String)] = [
        ("q1", "why do cats purr"), ("q2", "how does a rocket reach the moon"), ("q3", "how is bread baked"),
    ]
    static let qrels: [(query: String, document: String, grade: Int)] = [
        ("q1", "cat", 2), ("q2", "rocket", 1), ("q2", "river", 1), ("q3", "bread", 1), ("q3", "cat", 0),
    ]

    static func write(to directory: String) throws {
        func jsonLine(_ object: [String: String]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        let corpus = try documents.map { try jsonLine(["_id": $0.id, "title": $0.title, "text": $0.text]) }
        let queryLines = try queries.map { try jsonLine(["_id": $0.id, "text": $0.text]) }
        let qrelLines = ["query-id\tcorpus-id\tscore"] + qrels.map { "\($0.query)\t\($0.document)\t\($0.grade)" }
        try FileManager.default.createDirectory(atPath: directory + "/qrels", withIntermediateDirectories: true)
        try (corpus.joined(separator: "\n") + "\n").write(toFile: directory + "/corpus.jsonl", atomically: true, encoding: .utf8)
        try (queryLines.joined(separator: "\n") + "\n").write(
            toFile: directory + "/queries.jsonl", atomically: true, encoding: .utf8)
        try (qrelLines.joined(separator: "\n") + "\n").write(
            toFile: directory + "/qrels/test.tsv", atomically: true, encoding: .utf8)
    }
}
