import Foundation
import HypencoderRPC
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
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = [UInt8(0)] + Array(name.utf8)  // leading NUL: the abstract namespace
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        XCTAssertEqual(bound, 0)
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
        let listenFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = UnixAddress(path)
        XCTAssertEqual(address.bind(listenFD), 0)
        XCTAssertEqual(listen(listenFD, 16), 0)
        defer { close(listenFD) }

        // LISTEN_PID must be the daemon's own pid: a shell exports its $$ and then execs it.
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, listenFD, 3)
        posix_spawn_file_actions_addopen(&actions, 2, directory + "/daemon.log", O_WRONLY | O_CREAT, 0o644)
        let unusedPath = directory + "/not-used.sock"
        let arguments = [
            "/bin/sh", "-c", "export LISTEN_PID=$$ LISTEN_FDS=1; exec \"$0\" \"$@\"",
            try DaemonProcess.executable(), "--socket", unusedPath,
        ]
        var pid: pid_t = 0
        let status = withCStrings(arguments) { argv in
            withCStrings(ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }) { envp in
                posix_spawn(&pid, "/bin/sh", &actions, nil, argv, envp)
            }
        }
        XCTAssertEqual(status, 0)
        defer {
            if kill(pid, 0) == 0 {
                kill(pid, SIGKILL)
                waitpid(pid, nil, 0)
            }
        }

        let client = try RPCClient(path: path)
        XCTAssertNotNil(try client.result("server/status")["version"], "served on the inherited socket")
        XCTAssertFalse(FileManager.default.fileExists(atPath: unusedPath), "--socket is ignored under activation")

        kill(pid, SIGTERM)
        var exitStatus: Int32 = 0
        let deadline = Date().addingTimeInterval(DaemonProcess.timeout)
        while waitpid(pid, &exitStatus, WNOHANG) == 0 {
            guard Date() < deadline else { return XCTFail("activated daemon did not stop") }
            usleep(5000)
        }
        XCTAssertEqual((exitStatus >> 8) & 0xFF, 0)
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

/// Runs `body` with a NULL-terminated C array of the strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    var pointers = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
