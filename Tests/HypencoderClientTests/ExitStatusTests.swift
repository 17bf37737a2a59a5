import Foundation
import HypencoderTestSupport
import XCTest

/// The exit statuses scripts rely on (documented in `hypencoder --help`): 0 ok, 64 usage,
/// 65 bad input file, 66 missing input, 69 no daemon, 1 an error from the daemon.
final class ExitStatusTests: XCTestCase {
    private func client(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessOutcome {
        try runProcess(try TestPaths.product("hypencoder"), arguments, environment: environment)
    }

    func testUsageErrorsExit64WithoutNeedingADaemon() throws {
        let socket = ["--socket", "/tmp/hcc-no-daemon-here.sock"]
        for arguments in [
            [], ["bogus"], ["search"], ["search", "q", "-k", "0"], ["search", "q", "--frobnicate"],
            ["search", "q", "--exact", "--approximate"], ["search", "q", "--include", "vectors"],
            ["score", "q"], ["import", "--ids", "x"], ["call", "m", "[1"], ["call", "m", "42"],
            ["eval"], ["delete"],
        ] {
            let outcome = try client(socket + arguments)
            XCTAssertEqual(outcome.status, 64, "\(arguments): \(outcome.stderr)")
            XCTAssertFalse(outcome.stderr.isEmpty, "\(arguments) printed no reason")
            XCTAssertTrue(outcome.stdout.isEmpty, "\(arguments) wrote to stdout: \(outcome.stdout)")
        }
    }

    func testHelpForEveryCommandExits0() throws {
        let overview = try client(["--help"])
        XCTAssertEqual(overview.status, 0)
        XCTAssertTrue(overview.stdout.contains("69  cannot connect"), overview.stdout)
        for command in [
            "status", "info", "search", "score", "add", "delete", "get", "import",
            "checkpoint", "compact", "call", "eval",
        ] {
            let outcome = try client([command, "--help"])
            XCTAssertEqual(outcome.status, 0, command)
            XCTAssertTrue(outcome.stdout.hasPrefix("usage: hypencoder \(command)"), "\(command): \(outcome.stdout)")
        }
    }

    func testVersionExits0AndPrintsTheProductVersion() throws {
        for arguments in [["--version"], ["--socket", "/tmp/hcc-no-daemon-here.sock", "--version"]] {
            let outcome = try client(arguments)
            XCTAssertEqual(outcome.status, 0, "\(arguments): \(outcome.stderr)")
            XCTAssertEqual(outcome.stdout, "hypencoder 0.1.0\n")
            XCTAssertTrue(outcome.stderr.isEmpty, outcome.stderr)
        }
        XCTAssertTrue(try client(["--help"]).stdout.contains("--version"), "the overview mentions it")
    }

    func testNoDaemonExits69AndNamesTheSocket() throws {
        let directory = try temporaryDirectory()
        let outcome = try client(["status"], environment: ["HYPENCODER_SOCKET": directory + "/absent.sock"])
        XCTAssertEqual(outcome.status, 69)
        XCTAssertTrue(outcome.stderr.contains(directory + "/absent.sock"), outcome.stderr)
        // Without flag or HYPENCODER_SOCKET the default follows XDG_RUNTIME_DIR, as the daemon's does.
        let viaDefault = try client(["status"], environment: ["XDG_RUNTIME_DIR": directory])
        XCTAssertEqual(viaDefault.status, 69)
        XCTAssertTrue(viaDefault.stderr.contains(directory + "/hypencoder.sock"), viaDefault.stderr)
    }

    func testDaemonErrorsExit1WithTheDaemonsMessage() throws {
        let daemon = try TestDaemon()
        let unknown = try daemon.client(["call", "no/such-method"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("-32601"), unknown.stderr)
        let badParams = try daemon.client(["call", "search", "{\"query\": \"q\", \"k\": 0}"])
        XCTAssertEqual(badParams.status, 1)
        XCTAssertTrue(badParams.stderr.contains("params.k"), badParams.stderr)
    }

    func testBadInputFilesExit65Or66AndNameTheLine() throws {
        let daemon = try TestDaemon()
        let file = daemon.directory + "/bad.jsonl"
        try "{\"id\": \"a\", \"text\": \"ok\"}\n{\"id\": \"b\", \"text\": 5}\n".write(
            toFile: file, atomically: true, encoding: .utf8)
        let typed = try daemon.client(["add", file, "--quiet"])
        XCTAssertEqual(typed.status, 65)
        XCTAssertTrue(typed.stderr.contains("bad.jsonl:2") && typed.stderr.contains("\"text\""), typed.stderr)
        try "not json\n".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try daemon.client(["add", file]).status, 65)
        try "{\"text\": \"no id\"}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let noID = try daemon.client(["add", file])
        XCTAssertEqual(noID.status, 65)
        XCTAssertTrue(noID.stderr.contains("\"id\""), noID.stderr)
        let missing = try daemon.client(["add", daemon.directory + "/nope.jsonl"])
        XCTAssertEqual(missing.status, 66)

        // A .npy header that promises far more rows than the file holds.
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807, 64), }\n"
        var npy = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0])
        npy += Data(header.utf8) + Data(count: 256)
        try npy.write(to: URL(fileURLWithPath: daemon.directory + "/v.npy"))
        try "a\n".write(toFile: daemon.directory + "/ids.txt", atomically: true, encoding: .utf8)
        let lying = try daemon.client([
            "import", "--vectors", daemon.directory + "/v.npy", "--ids", daemon.directory + "/ids.txt",
        ])
        XCTAssertEqual(lying.status, 65, lying.stderr)
        XCTAssertTrue(lying.stderr.contains("v.npy"), lying.stderr)

        // The client reads .npy with the index's own parser: a shape entry that is not an
        // integer (Python would take True as 1) is refused, not silently dropped.
        let boolean = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 64, True), }\n"
        var bad = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(boolean.utf8.count), 0])
        bad += Data(boolean.utf8) + Data(count: 256)
        try bad.write(to: URL(fileURLWithPath: daemon.directory + "/b.npy"))
        let notInteger = try daemon.client([
            "import", "--vectors", daemon.directory + "/b.npy", "--ids", daemon.directory + "/ids.txt",
        ])
        XCTAssertEqual(notInteger.status, 65, notInteger.stderr)
        XCTAssertTrue(notInteger.stderr.contains("b.npy") && notInteger.stderr.contains("True"), notInteger.stderr)
    }

    func testTheClientDoesNotLinkBLAS() throws {
        let ldd = try runProcess("/usr/bin/ldd", [try TestPaths.product("hypencoder")])
        XCTAssertEqual(ldd.status, 0, ldd.stderr)
        XCTAssertFalse(ldd.stdout.lowercased().contains("blas"), ldd.stdout)
        XCTAssertFalse(ldd.stdout.contains("libuv"), ldd.stdout)
    }
}
