import Foundation
import HypencoderRPC
import XCTest

/// A real `hypencoderd` process for one test: started from the built products directory,
/// with its socket and state in a fresh temporary directory, and its stderr captured so
/// failures can show the daemon's own log.
///
/// Readiness is learned the way systemd learns it: the test passes `NOTIFY_SOCKET` and
/// waits for the `READY=1` datagram, so no test sleeps and hopes.
public final class DaemonProcess {
    public let directory: String
    public let socketPath: String
    public let process = Process()
    /// Seconds `waitForNotification` and `waitForExit` may take before the test fails.
    public let waitLimit: Double
    /// True when this object must remove `directory` at the end.
    private let ownsDirectory: Bool
    private let logPath: String
    private let notifyFD: Int32
    /// Everything the daemon sent to `NOTIFY_SOCKET` so far.
    public private(set) var notifications: [String] = []

    /// Seconds any single wait on the daemon may take before the test fails instead of hanging.
    public static let timeout: Double = 30

    /// The `hypencoderd` built beside the test bundle.
    public static func executable() throws -> String { try TestPaths.product("hypencoderd") }

    /// Starts the daemon with `arguments` (a `--socket` in the temp directory is added
    /// unless `socketPath` is given) and waits for READY=1 when `waitForReady`.
    /// `directory` is removed at the end if this made it, or if `ownsDirectory` says so.
    public init(
        _ arguments: [String] = [], socketPath: String? = nil, directory: String? = nil, ownsDirectory: Bool? = nil,
        waitForReady: Bool = true, environment: [String: String] = [:], waitLimit: Double = DaemonProcess.timeout
    ) throws {
        self.ownsDirectory = ownsDirectory ?? (directory == nil)
        self.directory = try directory ?? makeTemporaryDirectory()
        self.socketPath = socketPath ?? self.directory + "/d.sock"
        self.waitLimit = waitLimit
        logPath = self.directory + "/daemon-\(UUID().uuidString.prefix(8)).log"
        let notifyPath = self.directory + "/notify-\(UUID().uuidString.prefix(8))"
        do { notifyFD = try UnixSocketAddress(path: notifyPath).boundSocket(.datagram) } catch {
            throw TestFailure("cannot bind \(notifyPath): \(error)")
        }

        process.executableURL = URL(fileURLWithPath: try Self.executable())
        process.arguments = ["--socket", self.socketPath] + arguments
        var env = childProcessEnvironment()
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
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to end and returns its exit status.
    public func waitForExit() throws -> Int32 {
        let deadline = Date().addingTimeInterval(waitLimit)
        while process.isRunning {
            guard Date() < deadline else {
                throw TestFailure("hypencoderd did not exit within \(waitLimit) s; log:\n\(log)")
            }
            usleep(5_000)
        }
        return process.terminationStatus
    }

    /// Waits for a datagram on NOTIFY_SOCKET that contains `text`.
    public func waitForNotification(_ text: String) throws {
        let deadline = Date().addingTimeInterval(waitLimit)
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

    /// A test client on this daemon's socket (see `RPCClient.testing`).
    public func connect(framing: Framing = .newlineDelimited) throws -> RPCClient {
        try RPCClient.testing(path: socketPath, framing: framing)
    }
}
