import Foundation
import HypencoderTestSupport
import XCTest

/// The unit files under `Systemd/` pass `systemd-analyze verify`, and the daemon serves the
/// client when started the way socket activation starts it (`systemd-socket-activate`).
/// Needs Debian's `systemd` package; these tests fail (not skip) without it.
final class SystemdUnitTests: XCTestCase {
    private func requireTool(_ path: String) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(path) is missing: install Debian's systemd package (Scripts/setup-debian)")
        }
    }

    /// Copies the units to a temp dir with ExecStart pointing at the built daemon (verify
    /// checks that the binary exists), then verifies them.
    private func verify(_ directory: String, user: Bool, binaryPlaceholder: String) throws {
        try requireTool("/usr/bin/systemd-analyze")
        let scratch = try temporaryDirectory()
        let daemon = try TestPaths.product("hypencoderd")
        var paths: [String] = []
        for name in ["hypencoder.socket", "hypencoder.service"] {
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
                .replacingOccurrences(of: binaryPlaceholder, with: daemon)
            try text.write(toFile: scratch + "/" + name, atomically: true, encoding: .utf8)
            paths.append(scratch + "/" + name)
        }
        try FileManager.default.createDirectory(atPath: scratch + "/run", withIntermediateDirectories: true)
        let outcome = try runProcess(
            "/usr/bin/systemd-analyze", (user ? ["--user"] : []) + ["verify"] + paths,
            environment: ["XDG_RUNTIME_DIR": scratch + "/run"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr + outcome.stdout)
        XCTAssertFalse(outcome.stderr.contains("hypencoder"), "warnings about our units:\n\(outcome.stderr)")
    }

    func testSystemUnitsVerify() throws {
        try verify(TestPaths.repositoryRoot + "/Systemd", user: false, binaryPlaceholder: "/usr/local/bin/hypencoderd")
    }

    func testUserUnitsVerify() throws {
        try verify(TestPaths.repositoryRoot + "/Systemd/user", user: true, binaryPlaceholder: "%h/.local/bin/hypencoderd")
    }

    /// Docs/service.md records the number; this keeps it from creeping up unnoticed.
    func testSystemServiceExposureIsAtMostTwo() throws {
        try requireTool("/usr/bin/systemd-analyze")
        let unit = TestPaths.repositoryRoot + "/Systemd/hypencoder.service"
        let outcome = try runProcess("/usr/bin/systemd-analyze", ["security", "--offline=true", unit])
        let summary = outcome.stdout.components(separatedBy: "\n").first { $0.contains("Overall exposure level") } ?? ""
        let number = summary.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) }
        let exposure = try XCTUnwrap(number, "no exposure level in:\n\(outcome.stdout)\n\(outcome.stderr)")
        XCTAssertLessThanOrEqual(exposure, 2.0, summary)
    }

    func testSocketActivatedDaemonAnswersTheClient() throws {
        try requireTool("/usr/bin/systemd-socket-activate")
        try TestPaths.requireModel()
        let directory = try temporaryDirectory()
        let socket = directory + "/activated.sock"
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        let log = directory + "/activate.log"
        // Without --accept, systemd-socket-activate execs the daemon in its own process.
        let activator = try SpawnedProcess(
            "/usr/bin/systemd-socket-activate",
            [
                "--listen=" + socket, try TestPaths.product("hypencoderd"),
                "--model", TestPaths.smallModel, "--index", directory + "/index",
            ],
            environment: environment, logPath: log)
        // The socket exists once the activator listens; the daemon starts on our first connection.
        let deadline = Date().addingTimeInterval(SpawnedProcess.timeout)
        while !FileManager.default.fileExists(atPath: socket) {
            guard activator.isRunning, Date() < deadline else {
                throw TestFailure(
                    "systemd-socket-activate did not listen: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
            }
            usleep(2_000)
        }
        let hypencoder = try TestPaths.product("hypencoder")
        let status = try runProcess(hypencoder, ["--socket", socket, "status", "--json"])
        XCTAssertEqual(status.status, 0, status.stderr + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? ""))
        let index = (try parseJSON(status.stdout) as? [String: Any])?["index"] as? [String: Any]
        XCTAssertEqual(index?["documents"] as? Int, 0)

        let added = try runProcess(
            hypencoder, ["--socket", socket, "add", "-", "--quiet"], stdin: "{\"id\": \"s\", \"text\": \"activated\"}\n")
        XCTAssertEqual(added.status, 0, added.stderr)
        // SIGTERM drains and exits 0, leaving the socket file to its owner (here the activator's path).
        kill(activator.pid, SIGTERM)
        XCTAssertEqual(activator.waitForExit(), 0, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }
}
