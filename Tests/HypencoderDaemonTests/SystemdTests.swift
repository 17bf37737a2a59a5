import Foundation
import HypencoderRPC
import HypencoderTestSupport
import XCTest

/// The systemd integration, without systemd: the notify protocol (READY=1 is what every
/// other test waits for; here WATCHDOG=1 and STOPPING=1), socket activation through
/// LISTEN_FDS/LISTEN_PID with the socket on fd 3, and SIGHUP reloading the config file.
final class SystemdTests: XCTestCase {
    func testWatchdogPingsAtHalfTheInterval() throws {
        let daemon = try DaemonProcess(environment: ["WATCHDOG_USEC": "100000"])
        XCTAssertTrue(daemon.notifications.contains { $0.contains("READY=1") && $0.contains("STATUS=") })
        try daemon.waitForNotification("WATCHDOG=1")
        daemon.signal(SIGTERM)
        try daemon.waitForNotification("STOPPING=1")
        XCTAssertEqual(try daemon.waitForExit(), 0)
    }

    func testAbstractNotifySocket() throws {
        let name = "hcd-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        // A leading NUL, no file: the abstract namespace.
        let fd = try UnixSocketAddress(abstractName: name).boundSocket(.datagram)
        defer { close(fd) }
        let daemon = try DaemonProcess(waitForReady: false, environment: ["NOTIFY_SOCKET": "@" + name])
        var probe = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        XCTAssertGreaterThan(poll(&probe, 1, Int32(DaemonProcess.timeout * 1000)), 0, "no datagram; log:\n\(daemon.log)")
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        XCTAssertTrue(String(decoding: buffer[..<max(0, n)], as: UTF8.self).contains("READY=1"))
    }

    func testSocketActivationServesFd3AndLeavesTheSocketToSystemd() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/activated.sock"
        let listenFD = try UnixSocketAddress(path: path).boundSocket(.stream)
        XCTAssertEqual(listen(listenFD, 16), 0)
        defer { close(listenFD) }

        // LISTEN_PID must be the daemon's own pid: a shell exports its $$ and then execs it.
        let unusedPath = directory + "/not-used.sock"
        let activated = try SpawnedProcess(
            "/bin/sh",
            [
                "-c", "export LISTEN_PID=$$ LISTEN_FDS=1; exec \"$0\" \"$@\"",
                try DaemonProcess.executable(), "--socket", unusedPath,
            ],
            environment: ProcessInfo.processInfo.environment, logPath: directory + "/daemon.log",
            inheriting: [3: listenFD])

        let client = try RPCClient.testing(path: path)
        XCTAssertNotNil(try client.result("server/status")["version"], "served on the inherited socket")
        XCTAssertFalse(FileManager.default.fileExists(atPath: unusedPath), "--socket is ignored under activation")

        kill(activated.pid, SIGTERM)
        XCTAssertEqual(activated.waitForExit(timeout: DaemonProcess.timeout), 0, "the activated daemon stops cleanly")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "the socket belongs to the .socket unit")
    }

    func testSIGHUPReloadsLimitsFromTheConfigFile() throws {
        let directory = try temporaryDirectory()
        let config = URL(fileURLWithPath: directory + "/config.json")
        try Data(#"{"limits": {"maxBatchLength": 5}}"#.utf8).write(to: config)
        let daemon = try DaemonProcess(["--config", config.path], directory: directory)
        let client = try daemon.connect()
        XCTAssertEqual(try client.result("server/status")["limits"]?["maxBatchLength"], 5)

        try Data(#"{"limits": {"maxBatchLength": 9}, "logLevel": "debug"}"#.utf8).write(to: config)
        daemon.signal(SIGHUP)
        try waitUntil("SIGHUP applied the new limit") {
            try client.result("server/status")["limits"]?["maxBatchLength"] == 9
        }
        // A broken file on reload keeps the running configuration.
        try Data("{not json".utf8).write(to: config)
        daemon.signal(SIGHUP)
        try waitUntil("the failed reload is logged") { daemon.log.contains("reload failed") }
        XCTAssertEqual(try client.result("server/status")["limits"]?["maxBatchLength"], 9)
    }
}
