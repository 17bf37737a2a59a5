import Foundation
import XCTest

/// A real `hypencoderd` process for one test: started from the built products directory
/// (next to the test bundle), with its socket and state in a fresh temporary directory,
/// and its stderr captured so failures can show the daemon's own log.
///
/// Readiness is learned the way systemd learns it: the test passes `NOTIFY_SOCKET` and
/// waits for the `READY=1` datagram, so no test sleeps and hopes.
final class DaemonProcess {
    let directory: String
    let socketPath: String
    let process = Process()
    /// True when this object made `directory` and must remove it.
    private let ownsDirectory: Bool
    private let logPath: String
    private let notifyFD: Int32
    /// Everything the daemon sent to `NOTIFY_SOCKET` so far.
    private(set) var notifications: [String] = []

    /// Seconds any single wait may take before the test fails instead of hanging.
    static let timeout: Double = 30

    /// The `hypencoderd` built beside this test bundle.
    static func executable() throws -> String {
        var candidates: [URL] = []
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        candidates.append(Bundle.main.bundleURL)
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        for directory in candidates {
            let path = directory.appendingPathComponent("hypencoderd").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw TestFailure(
            "hypencoderd is not in the built products directory (looked in "
                + "\(candidates.map(\.path))); build it with `swift build --build-tests`")
    }

    /// A new temporary directory with a short path (socket paths must stay under 108 bytes).
    static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/hcd.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw TestFailure("mkdtemp failed") }
        return String(cString: made)
    }

    /// Starts the daemon with `arguments` (a `--socket` in the temp directory is added
    /// unless `socketPath` is given) and waits for READY=1 when `waitForReady`.
    init(
        _ arguments: [String] = [], socketPath: String? = nil, directory: String? = nil,
        waitForReady: Bool = true, environment: [String: String] = [:]
    ) throws {
        ownsDirectory = directory == nil
        self.directory = try directory ?? Self.makeTemporaryDirectory()
        self.socketPath = socketPath ?? self.directory + "/d.sock"
        logPath = self.directory + "/daemon-\(UUID().uuidString.prefix(8)).log"
        let notifyPath = self.directory + "/notify-\(UUID().uuidString.prefix(8))"
        notifyFD = try Self.bindDatagramSocket(notifyPath)

        process.executableURL = URL(fileURLWithPath: try Self.executable())
        process.arguments = ["--socket", self.socketPath] + arguments
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = notifyPath
        env["OPENBLAS_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] ?? "1"
        // The daemon looks for a default model in $HYPENCODER_MODEL and under the data
        // home: point both away from the machine's, so a test sees only what it sets up.
        env["HYPENCODER_MODEL"] = nil
        env["HOME"] = self.directory
        env["XDG_DATA_HOME"] = self.directory + "/data"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        if waitForReady { try waitForNotification("READY=1") }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        close(notifyFD)
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// The daemon's stderr so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to end and returns its exit status.
    func waitForExit() throws -> Int32 {
        let deadline = Date().addingTimeInterval(Self.timeout)
        while process.isRunning {
            guard Date() < deadline else {
                throw TestFailure("hypencoderd did not exit within \(Self.timeout) s; log:\n\(log)")
            }
            usleep(5_000)
        }
        return process.terminationStatus
    }

    /// Waits for a datagram on NOTIFY_SOCKET that contains `text`.
    func waitForNotification(_ text: String) throws {
        let deadline = Date().addingTimeInterval(Self.timeout)
        while !notifications.contains(where: { $0.contains(text) }) {
            var probe = pollfd(fd: notifyFD, events: Int16(POLLIN), revents: 0)
            if poll(&probe, 1, 20) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = recv(notifyFD, &buffer, buffer.count, 0)
                if n > 0 { notifications.append(String(decoding: buffer[..<n], as: UTF8.self)) }
                continue
            }
            guard process.isRunning else {
                throw TestFailure("hypencoderd exited (status \(process.terminationStatus)) before \(text); log:\n\(log)")
            }
            guard Date() < deadline else { throw TestFailure("no \(text) from hypencoderd; log:\n\(log)") }
        }
    }

    func connect(framing: ClientFraming = .newlineDelimited) throws -> RPCClient {
        try RPCClient(path: socketPath, framing: framing)
    }

    private static func bindDatagramSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket() failed") }
        var address = UnixAddress(path)
        guard address.bind(fd) == 0 else { throw TestFailure("cannot bind \(path): \(String(cString: strerror(errno)))") }
        return fd
    }
}

/// A `sockaddr_un` for a path.
struct UnixAddress {
    var storage = sockaddr_un()

    init(_ path: String) {
        storage.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(107))
        withUnsafeMutableBytes(of: &storage.sun_path) { $0.copyBytes(from: bytes) }
    }

    mutating func bind(_ fd: Int32) -> Int32 {
        withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    mutating func connect(_ fd: Int32) -> Int32 {
        withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }
}

extension XCTestCase {
    /// A temporary directory removed when the test ends.
    func temporaryDirectory() throws -> String {
        let path = try DaemonProcess.makeTemporaryDirectory()
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

/// Polls `condition` until it holds; fails (instead of hanging) after `DaemonProcess.timeout`.
/// For states the daemon reaches on its own schedule, such as "the request is now queued".
func waitUntil(_ what: String, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(DaemonProcess.timeout)
    while try !condition() {
        guard Date() < deadline else { throw TestFailure("timed out waiting until \(what)") }
        usleep(1000)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
