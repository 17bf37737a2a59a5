import Foundation

/// The outcome of one run of an executable.
public struct ProcessOutcome {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs an executable to completion, killing it after `timeout` seconds; output goes
/// through temporary files so a chatty child can never block on a full pipe.
/// `$HYPENCODER_SOCKET` is removed from the child's environment, so a client under test
/// never reaches a daemon the developer happens to run.
public func runProcess(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:],
    stdin: String? = nil, currentDirectory: String? = nil, timeout: Double = SpawnedProcess.timeout
) throws -> ProcessOutcome {
    let directory = try makeTemporaryDirectory()
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
    var env = childProcessEnvironment()
    env.removeValue(forKey: "HYPENCODER_SOCKET")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardOutput = FileHandle(forWritingAtPath: outPath)
    process.standardError = FileHandle(forWritingAtPath: errPath)
    process.standardInput = FileHandle(forReadingAtPath: inPath)
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
        if Date() > deadline {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw TestFailure("\(executable) \(arguments) did not finish within \(timeout) s")
        }
        usleep(2_000)
    }
    let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
    return ProcessOutcome(status: process.terminationStatus, stdout: read(outPath), stderr: read(errPath))
}

/// A child started with `posix_spawn` and reaped with `waitpid`, for programs that close
/// every inherited file descriptor before exec'ing another (systemd-socket-activate does),
/// and for children that must inherit a descriptor at a fixed number (socket activation's
/// fd 3). Foundation's `Process` watches a descriptor it passes to the child; when that
/// closes it assumes the child exited and blocks in `wait4` for it, which hangs every
/// later `Process`.
public final class SpawnedProcess {
    /// Seconds `waitForExit` waits by default before SIGKILL.
    public static let timeout: Double = 60

    public let pid: pid_t
    public private(set) var exitStatus: Int32?

    /// Starts `executable` (also its `argv[0]`) with stdin and stdout on /dev/null, stderr
    /// appended to `logPath`, and each `inheriting` entry's parent descriptor (the value)
    /// duplicated to the child's number (the key).
    public init(
        _ executable: String, _ arguments: [String], environment: [String: String], logPath: String,
        inheriting: [Int32: Int32] = [:]
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        for (child, parent) in inheriting {
            // dup2 onto itself is a no-op that would leave close-on-exec set: clear it here.
            if child == parent { _ = fcntl(parent, F_SETFD, 0) }
            posix_spawn_file_actions_adddup2(&actions, parent, child)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = childProcessEnvironment(environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw TestFailure("posix_spawn \(executable): \(String(cString: strerror(result)))") }
        pid = child
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = waitForExit()
        }
    }

    public var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return true }
        exitStatus = Self.decode(status)
        return false
    }

    /// Waits (at most `timeout` seconds, then SIGKILL) and returns the exit status (128 +
    /// signal for a killed child, as shells report it).
    @discardableResult
    public func waitForExit(timeout: Double = SpawnedProcess.timeout) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning {
            if Date() > deadline { kill(pid, SIGKILL) }
            usleep(2_000)
        }
        return exitStatus ?? -1
    }

    private static func decode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// The environment for a process a test starts: `base` with `$HYPENCODER_CHILD_ASAN_OPTIONS`,
/// if set, as the child's `ASAN_OPTIONS`. `Scripts/test-sanitizers` uses it to leak-check
/// every daemon and client the tests start (at their normal exit) while the test process
/// itself runs without LeakSanitizer, whose reports there are all inside XCTest and
/// Foundation (see that script).
public func childProcessEnvironment(
    _ base: [String: String] = ProcessInfo.processInfo.environment
) -> [String: String] {
    var environment = base
    if let options = environment["HYPENCODER_CHILD_ASAN_OPTIONS"] { environment["ASAN_OPTIONS"] = options }
    return environment
}
