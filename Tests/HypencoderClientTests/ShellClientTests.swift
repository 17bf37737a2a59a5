import Foundation
import HypencoderTestSupport
import XCTest

/// `Clients/shell/hypencoder-rpc` against a real daemon (needs socat and jq; Scripts/setup-debian
/// installs both).
final class ShellClientTests: XCTestCase {
    private let script = TestPaths.repositoryRoot + "/Clients/shell/hypencoder-rpc"

    private func rpc(_ arguments: [String], socket: String) throws -> ProcessOutcome {
        try runProcess("/bin/bash", [script] + arguments, environment: ["HYPENCODER_SOCKET": socket])
    }

    override func setUpWithError() throws {
        for tool in ["socat", "jq"] where runToolLookup(tool) == false {
            XCTFail("\(tool) is not installed: run Scripts/setup-debian")
        }
    }

    func testResultErrorAndNoDaemon() throws {
        let daemon = try TestDaemon()
        _ = try daemon.client(["add", "-"], stdin: "{\"id\": \"a\", \"text\": \"hello\"}\n")

        let stats = try rpc(["index/stats"], socket: daemon.socketPath)
        XCTAssertEqual(stats.status, 0, stats.stderr)
        XCTAssertEqual((try parseJSON(stats.stdout) as? [String: Any])?["documents"] as? Int, 1)

        let search = try rpc(["search", "{\"query\": \"hello\", \"k\": 1}"], socket: daemon.socketPath)
        XCTAssertEqual(search.status, 0, search.stderr)
        let hits = (try parseJSON(search.stdout) as? [String: Any])?["results"] as? [[String: Any]]
        XCTAssertEqual(hits?.first?["id"] as? String, "a")

        let refused = try rpc(["search", "{\"query\": \"hello\", \"k\": 0}"], socket: daemon.socketPath)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("params.k") && refused.stderr.contains("-32602"), refused.stderr)

        let badJSON = try rpc(["search", "{oops"], socket: daemon.socketPath)
        XCTAssertEqual(badJSON.status, 64)

        let absent = try rpc(["server/status"], socket: daemon.directory + "/absent.sock")
        XCTAssertEqual(absent.status, 69)
        XCTAssertTrue(absent.stderr.contains("absent.sock"), absent.stderr)
    }

    /// `--help` prints the comment block at the top of the script and nothing of the code
    /// after it (it once printed a stray `set -uo pipefail`).
    func testHelpPrintsOnlyTheCommentBlock() throws {
        for flag in ["--help", "-h"] {
            let help = try runProcess("/bin/bash", [script, flag])
            XCTAssertEqual(help.status, 0, help.stderr)
            XCTAssertTrue(help.stdout.contains("hypencoder-rpc"), help.stdout)
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertFalse(lines.contains { $0.hasPrefix("set -") }, help.stdout)
            XCTAssertFalse(lines.contains { $0.hasPrefix("#") }, "comment markers are stripped: \(help.stdout)")
        }
    }

    private func runToolLookup(_ tool: String) -> Bool {
        (try? runProcess("/bin/sh", ["-c", "command -v \(tool)"]).status) == 0
    }
}
