import Foundation
import HypencoderRPC
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
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = UnixAddress(path)
        XCTAssertEqual(address.bind(fd), 0)
        close(fd)
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
        XCTAssertEqual(try daemon.waitForExit(), 2)
        XCTAssertTrue(daemon.log.contains("maxBatchLength"), daemon.log)
    }

    private func permissions(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int) ?? -1
    }
}
