import Foundation
import XCTest

/// What the client tests share: paths to the built executables and the repository, a real
/// `hypencoderd` on the small2 test model with a temporary index, and a way to run the real
/// `hypencoder` executable and capture its status, stdout and stderr.
///
/// (The daemon tests have a richer harness, but test targets cannot import each other; this
/// one is the part the client needs.)
enum ClientTestPaths {
    /// Seconds any wait may take before the test fails instead of hanging.
    static let timeout: Double = 60

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let smallModel = repositoryRoot + "/.build/fixtures/models/small2-safetensors"

    /// An executable from the built products directory (next to this test bundle).
    static func product(_ name: String) throws -> String {
        var candidates: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for directory in candidates {
            let path = directory.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw ClientTestFailure("\(name) is not in the built products directory (looked in \(candidates.map(\.path)))")
    }

    /// A fresh short temporary directory (Unix socket paths must stay under 108 bytes).
    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/hcc.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ClientTestFailure("mkdtemp failed") }
        return String(cString: made)
    }

    /// Fails the test with a clear message when the generated test models are missing.
    static func requireModel() throws {
        guard FileManager.default.fileExists(atPath: smallModel + "/config.json") else {
            throw ClientTestFailure("test model missing at \(smallModel): run Scripts/make-test-models")
        }
    }
}

struct ClientTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The outcome of one run of an executable.
struct ProcessOutcome {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs an executable to completion with a deadline; output goes through temp files so a
/// chatty child can never block on a full pipe.
func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:],
    stdin: String? = nil, currentDirectory: String? = nil
) throws -> ProcessOutcome {
    let directory = try ClientTestPaths.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let outPath = directory + "/out"
    let errPath = directory + "/err"
    let inPath = directory + "/in"
    for path in [outPath, errPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
    _ = FileManager.default.createFile(atPath: inPath, contents: Data((stdin ?? "").utf8))
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "HYPENCODER_SOCKET")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardOutput = FileHandle(forWritingAtPath: outPath)
    process.standardError = FileHandle(forWritingAtPath: errPath)
    process.standardInput = FileHandle(forReadingAtPath: inPath)
    try process.run()
    let deadline = Date().addingTimeInterval(ClientTestPaths.timeout)
    while process.isRunning {
        if Date() > deadline {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ClientTestFailure("\(executable) \(arguments) did not finish within \(ClientTestPaths.timeout) s")
        }
        usleep(2_000)
    }
    let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    return ProcessOutcome(status: process.terminationStatus, stdout: read(outPath), stderr: read(errPath))
}

/// A real `hypencoderd` serving the small2 model with an index in a fresh temp directory.
/// Readiness is the READY=1 datagram on NOTIFY_SOCKET, as under systemd: no sleeps.
final class TestDaemon {
    let directory: String
    let socketPath: String
    private let process = Process()
    private let notifyFD: Int32
    private let logPath: String

    init(withIndex: Bool = true, withModel: Bool = true) throws {
        try ClientTestPaths.requireModel()
        directory = try ClientTestPaths.temporaryDirectory()
        socketPath = directory + "/d.sock"
        logPath = directory + "/daemon.log"
        let notifyPath = directory + "/notify"
        notifyFD = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(notifyPath.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(notifyFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw ClientTestFailure("cannot bind \(notifyPath)") }

        var arguments = ["--socket", socketPath]
        if withModel { arguments += ["--model", ClientTestPaths.smallModel] }
        if withIndex { arguments += ["--index", directory + "/index"] }
        process.executableURL = URL(fileURLWithPath: try ClientTestPaths.product("hypencoderd"))
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notifyPath
        env["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = env
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        try waitForReady()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        close(notifyFD)
        try? FileManager.default.removeItem(atPath: directory)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    private func waitForReady() throws {
        let deadline = Date().addingTimeInterval(ClientTestPaths.timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var probe = pollfd(fd: notifyFD, events: Int16(POLLIN), revents: 0)
            if poll(&probe, 1, 20) > 0 {
                let n = recv(notifyFD, &buffer, buffer.count, 0)
                if n > 0, String(decoding: buffer[..<n], as: UTF8.self).contains("READY=1") { return }
                continue
            }
            guard process.isRunning else { throw ClientTestFailure("hypencoderd exited before READY=1; log:\n\(log)") }
            guard Date() < deadline else { throw ClientTestFailure("no READY=1 from hypencoderd; log:\n\(log)") }
        }
    }

    /// Runs `hypencoder --socket <this daemon> arguments...`.
    func client(_ arguments: [String], stdin: String? = nil) throws -> ProcessOutcome {
        try runProcess(try ClientTestPaths.product("hypencoder"), ["--socket", socketPath] + arguments, stdin: stdin)
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
