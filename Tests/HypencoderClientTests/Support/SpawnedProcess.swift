import Foundation

/// A child started with `posix_spawn` and reaped with `waitpid`, for programs that close
/// every inherited file descriptor before exec'ing another (systemd-socket-activate does).
/// Foundation's `Process` watches a descriptor it passes to the child; when that closes it
/// assumes the child exited and blocks in `wait4` for it, which hangs every later `Process`.
final class SpawnedProcess {
    let pid: pid_t
    private(set) var exitStatus: Int32?

    init(_ executable: String, _ arguments: [String], environment: [String: String], logPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, nil, argv, envp)
        guard result == 0 else { throw ClientTestFailure("posix_spawn \(executable): \(String(cString: strerror(result)))") }
        pid = child
    }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = waitForExit()
        }
    }

    var isRunning: Bool {
        guard exitStatus == nil else { return false }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return true }
        exitStatus = Self.decode(status)
        return false
    }

    /// Waits (bounded by `ClientTestPaths.timeout`, then SIGKILL) and returns the exit status
    /// (128 + signal for a killed child, as shells report it).
    @discardableResult
    func waitForExit() -> Int32 {
        let deadline = Date().addingTimeInterval(ClientTestPaths.timeout)
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
