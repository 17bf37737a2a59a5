import Foundation

/// The `sd_notify` protocol without libsystemd: newline-separated `KEY=value` assignments
/// sent as one datagram to the Unix socket named by `$NOTIFY_SOCKET` (a path, or an
/// abstract name written with a leading '@').
///
/// Used for `READY=1` once the socket listens, `STATUS=...` for `systemctl status`,
/// `STOPPING=1` when draining, and `WATCHDOG=1` at half the `WATCHDOG_USEC` interval when
/// the unit sets `WatchdogSec=`. Without `$NOTIFY_SOCKET` (not under systemd) every call is
/// a no-op. Sending never blocks the loop: the socket is non-blocking and a lost datagram
/// is only logged.
final class SystemdNotifier {
    private let fd: Int32
    private var address = sockaddr_un()
    private var addressLength: socklen_t = 0
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
        var bytes = Array(target.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }  // abstract namespace
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            log.warn("NOTIFY_SOCKET is too long; systemd notifications disabled")
            return nil
        }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        addressLength = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else {
            log.warn("cannot create the systemd notification socket: \(String(cString: strerror(errno)))")
            return nil
        }
        // systemd wants to know which process is speaking; the daemon is that process.
        unsetenv("NOTIFY_SOCKET")
    }

    deinit { close(fd) }

    func notify(_ assignments: String) {
        var message = Array(assignments.utf8)
        let sent = message.withUnsafeMutableBytes { bytes in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), $0, addressLength)
                }
            }
        }
        if sent < 0 {
            log.warn("systemd notification failed: \(String(cString: strerror(errno)))")
        }
    }

    func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    func status(_ text: String) { notify("STATUS=\(text)") }
    func stopping(status: String) { notify("STOPPING=1\nSTATUS=\(status)") }
    func watchdog() { notify("WATCHDOG=1") }
}
