import Foundation
import HypencoderRPC

/// The `sd_notify` protocol without libsystemd: newline-separated `KEY=value` assignments
/// sent as one datagram to the Unix socket named by `$NOTIFY_SOCKET` (a path, or an
/// abstract name written with a leading '@').
///
/// Used for `READY=1` once the socket listens, `STATUS=...` for `systemctl status`,
/// `STOPPING=1` when draining, and `WATCHDOG=1` at half the `WATCHDOG_USEC` interval when
/// the unit sets `WatchdogSec=`. Without `$NOTIFY_SOCKET` (not under systemd) every call is
/// a no-op. Sending never blocks the loop: the socket is non-blocking and a lost datagram
/// is only logged, once per run of failures (a notifier that stops reading would otherwise
/// get a warning every status update, 720 an hour).
///
/// Threading: the server's loop thread only (its timers, start and drain).
final class SystemdNotifier {
    private let fd: Int32
    private let address: UnixSocketAddress
    /// The watchdog interval systemd expects pings within, if it asked for them.
    let watchdogInterval: Double?

    init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let usecText = environment["WATCHDOG_USEC"], let usec = Double(usecText), usec > 0,
            environment["WATCHDOG_PID"].map({ Int32($0) == getpid() }) ?? true
        {
            watchdogInterval = usec / 1_000_000
        } else {
            watchdogInterval = nil
        }
        guard let target = environment["NOTIFY_SOCKET"], !target.isEmpty else { return nil }
        do {
            // A leading '@' names Linux's abstract namespace, as in systemd's own sd_notify.
            address =
                target.hasPrefix("@")
                ? try UnixSocketAddress(abstractName: String(target.dropFirst()))
                : try UnixSocketAddress(path: target)
        } catch {
            log.warn("NOTIFY_SOCKET \(error); systemd notifications disabled")
            return nil
        }
        do {
            fd = try UnixSocketAddress.makeSocket(.datagram, flags: Int32(SOCK_NONBLOCK.rawValue))
        } catch {
            log.warn("cannot create the systemd notification socket: \((error as? UnixSocketError)?.reason ?? "\(error)")")
            return nil
        }
        // systemd wants to know which process is speaking; the daemon is that process.
        unsetenv("NOTIFY_SOCKET")
    }

    deinit { close(fd) }

    /// Failed sends since the last one that went through.
    private var failures = 0

    func notify(_ assignments: String) {
        let sent = address.send(Array(assignments.utf8), from: fd)
        if sent < 0 {
            if failures == 0 {
                log.warn(
                    "systemd notification failed: \(String(cString: strerror(errno))) (further failures are not logged until one succeeds)"
                )
            }
            failures += 1
        } else if failures > 0 {
            log.info("systemd notifications delivered again after \(failures) failed")
            failures = 0
        }
    }

    func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    func status(_ text: String) { notify("STATUS=\(text)") }
    func stopping(status: String) { notify("STOPPING=1\nSTATUS=\(status)") }
    func watchdog() { notify("WATCHDOG=1") }
}
