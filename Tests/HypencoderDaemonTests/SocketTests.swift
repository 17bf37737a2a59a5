import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// The listening socket: mode, stale files from a crash, a live daemon never robbed of its
/// socket, path length, and the SO_PEERCRED allow-list.
final class SocketTests: XCTestCase {
    func testSocketIsMode0600ByDefaultAndConfigurable() throws {
        let daemon = try DaemonProcess()
        XCTAssertEqual(try permissions(daemon.socketPath), 0o600)
        let wider = try DaemonProcess(["--socket-mode", "0660"])
        XCTAssertEqual(try permissions(wider.socketPath), 0o660)
    }

    func testStaleSocketFromACrashIsReplaced() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/d.sock"
        // A socket file nobody listens on, as a crashed daemon leaves behind.
        close(try UnixSocketAddress(path: path).boundSocket(.stream))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))

        let daemon = try DaemonProcess(socketPath: path, directory: directory)
        XCTAssertNotNil(try daemon.connect().result("server/status")["version"])
        XCTAssertTrue(daemon.log.contains("stale"), daemon.log)
    }

    func testLiveSocketIsNotStolen() throws {
        let first = try DaemonProcess()
        let second = try DaemonProcess(socketPath: first.socketPath, directory: first.directory, waitForReady: false)
        XCTAssertEqual(try second.waitForExit(), 1)
        XCTAssertTrue(second.log.contains("already listening"), second.log)
        XCTAssertNotNil(try first.connect().result("server/status")["version"], "the first daemon still serves")
        // A second daemon that got as far as creating its index leaves no empty one behind.
        try ModelAndIndexTests.requireModel()
        let newIndex = first.directory + "/second-index"
        let third = try DaemonProcess(
            ["--model", ModelAndIndexTests.modelDirectory, "--index", newIndex],
            socketPath: first.socketPath, directory: first.directory, waitForReady: false)
        XCTAssertEqual(try third.waitForExit(), 1, third.log)
        XCTAssertTrue(third.log.contains("already listening"), third.log)
        XCTAssertFalse(FileManager.default.fileExists(atPath: newIndex), "the failed start removed the index it created")
    }

    func testOverlongSocketPathIsRefused() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/" + String(repeating: "s", count: 120) + ".sock"
        let daemon = try DaemonProcess(socketPath: path, directory: directory, waitForReady: false)
        XCTAssertEqual(try daemon.waitForExit(), 1)
        XCTAssertTrue(daemon.log.contains("108") || daemon.log.contains("107"), daemon.log)
        // The same with a model loaded, so the worker threads exist when start-up fails: they
        // must not outlive the pool they read (this once ended in SIGABRT, not exit 1).
        let withModel = try DaemonProcess(
            ["--model", ModelAndIndexTests.modelDirectory], socketPath: path, directory: directory, waitForReady: false)
        XCTAssertEqual(try withModel.waitForExit(), 1, withModel.log)
        XCTAssertFalse(withModel.log.contains("Fatal error"), withModel.log)
    }

    /// A start that fails on its socket removes the index directory it created (with the
    /// missing parents it made for it), and never one that was there before.
    func testFailedStartRemovesOnlyTheIndexDirectoryItCreated() throws {
        try ModelAndIndexTests.requireModel()
        let directory = try temporaryDirectory()
        let overlong = directory + "/" + String(repeating: "s", count: 120) + ".sock"
        let created = directory + "/new"
        let fresh = try DaemonProcess(
            ["--model", ModelAndIndexTests.modelDirectory, "--index", created + "/index"],
            socketPath: overlong, directory: directory, waitForReady: false)
        XCTAssertEqual(try fresh.waitForExit(), 1, fresh.log)
        XCTAssertTrue(fresh.log.contains("108") || fresh.log.contains("107"), fresh.log)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: created), "neither the index nor its new parent is left: \(fresh.log)")

        let existing = directory + "/kept"
        try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: false)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: existing + "/notes.txt"))
        let reused = try DaemonProcess(
            ["--model", ModelAndIndexTests.modelDirectory, "--index", existing],
            socketPath: overlong, directory: directory, waitForReady: false)
        XCTAssertEqual(try reused.waitForExit(), 1, reused.log)
        XCTAssertEqual(try String(contentsOfFile: existing + "/notes.txt", encoding: .utf8), "mine")

        // And an index that works is still there, documents and all, after a failed start.
        let socket = directory + "/d.sock"
        let serving = try DaemonProcess(
            ["--model", ModelAndIndexTests.modelDirectory, "--index", existing], socketPath: socket, directory: directory)
        _ = try serving.connect().result("index/add", ["documents": [["id": "a", "text": "kept"]]])
        serving.signal(SIGTERM)
        XCTAssertEqual(try serving.waitForExit(), 0, serving.log)
        let failed = try DaemonProcess(
            ["--model", ModelAndIndexTests.modelDirectory, "--index", existing],
            socketPath: overlong, directory: directory, waitForReady: false)
        XCTAssertEqual(try failed.waitForExit(), 1, failed.log)
        let again = try DaemonProcess(
            ["--model", ModelAndIndexTests.modelDirectory, "--index", existing], socketPath: socket, directory: directory)
        XCTAssertEqual(try again.connect().result("index/stats")["documents"], 1)
    }

    func testPeerWithAUidNotAllowedIsRefused() throws {
        let otherUID = getuid() == 0 ? 4242 : getuid() + 1
        let directory = try temporaryDirectory()
        let config = directory + "/config.json"
        try Data(#"{"allowUids": [\#(otherUID)], "socketMode": "0666"}"#.utf8).write(to: URL(fileURLWithPath: config))
        let daemon = try DaemonProcess(["--config", config], directory: directory)
        let client = try daemon.connect()
        try? client.send(client.requestMessage("server/status", nil, id: 1))
        XCTAssertEqual(try client.readUntilClosed().count, 0, "closed without an answer")
        XCTAssertTrue(daemon.log.contains("refused a connection"), daemon.log)
    }

    func testFlagsOverrideTheConfigFile() throws {
        let directory = try temporaryDirectory()
        let config = directory + "/config.json"
        try Data(#"{"allowUids": [\#(getuid() + 1)], "limits": {"maxBatchLength": 7}}"#.utf8)
            .write(to: URL(fileURLWithPath: config))
        let daemon = try DaemonProcess(["--config", config, "--allow-uid", "\(getuid())"], directory: directory)
        let status = try daemon.connect().result("server/status")
        XCTAssertEqual(status["limits"]?["maxBatchLength"], 7, "file value kept where no flag overrides it")
    }

    func testBadConfigurationIsRefusedWithTheKeyNamed() throws {
        let directory = try temporaryDirectory()
        let config = directory + "/config.json"
        try Data(#"{"limits": {"maxBatchLength": "ten"}}"#.utf8).write(to: URL(fileURLWithPath: config))
        let daemon = try DaemonProcess(["--config", config], directory: directory, waitForReady: false)
        XCTAssertEqual(try daemon.waitForExit(), 78, "EX_CONFIG")
        XCTAssertTrue(daemon.log.contains("maxBatchLength"), daemon.log)
        // Unreadable, or not JSON: also the file's fault.
        for (name, contents) in [("absent.json", nil), ("broken.json", "{\"workers\": "), ("list.json", "[1]")] {
            let path = directory + "/" + name
            if let contents { try Data(contents.utf8).write(to: URL(fileURLWithPath: path)) }
            let refused = try DaemonProcess(["--config", path], directory: directory, waitForReady: false)
            XCTAssertEqual(try refused.waitForExit(), 78, "\(name): \(refused.log)")
            XCTAssertTrue(refused.log.contains(path), refused.log)
        }
    }

    /// Command-line mistakes exit 64 (EX_USAGE), as the clients' do, naming the flag.
    func testUsageErrorsExit64NamingTheFlag() throws {
        let directory = try temporaryDirectory()
        for (arguments, named) in [
            (["--frobnicate"], "--frobnicate"), (["--workers"], "--workers"), (["--workers", "many"], "--workers"),
            (["--workers", "0"], "workers"), (["--log-level", "loud"], "logLevel"), (["--config"], "--config"),
        ] {
            let daemon = try DaemonProcess(arguments, directory: directory, waitForReady: false)
            XCTAssertEqual(try daemon.waitForExit(), 64, "\(arguments): \(daemon.log)")
            XCTAssertTrue(daemon.log.contains(named), "\(arguments): \(daemon.log)")
        }
        // A bad flag value is the command line's fault even when a config file is given too.
        let config = directory + "/config.json"
        try Data(#"{"workers": 1}"#.utf8).write(to: URL(fileURLWithPath: config))
        let mixed = try DaemonProcess(["--config", config, "--workers", "0"], directory: directory, waitForReady: false)
        XCTAssertEqual(try mixed.waitForExit(), 64, mixed.log)
    }

    private func permissions(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int) ?? -1
    }
}
