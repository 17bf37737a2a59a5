import CUV
import Foundation

/// Signals through libuv (`uv_signal_t`), so handlers run on the loop thread as ordinary
/// callbacks instead of in async-signal context: SIGTERM and SIGINT drain and stop,
/// SIGHUP reloads. SIGPIPE is ignored so a client that vanishes mid-write is an error
/// code on that write, not the end of the daemon.
final class SignalWatcher {
    private let handle: UnsafeMutablePointer<uv_signal_t>
    private let action: (Int32) -> Void

    private init(_ eventLoop: EventLoop, signal number: Int32, action: @escaping (Int32) -> Void) {
        self.action = action
        handle = .allocate(capacity: 1)
        uv_signal_init(eventLoop.loop, handle)
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        uv_signal_start(
            handle,
            { handle, number in
                guard let data = handle?.pointee.data else { return }
                Unmanaged<SignalWatcher>.fromOpaque(data).takeUnretainedValue().action(number)
            }, number)
        // Signal handles must not keep the loop alive on their own.
        uv_unref(UV.asHandle(handle))
    }

    /// Installs the daemon's handlers; returns the watchers so they can be closed.
    static func install(
        _ eventLoop: EventLoop, stop: @escaping (String) -> Void,
        reload: @escaping () -> Void
    ) -> [SignalWatcher] {
        eventLoop.assertOnLoopThread()
        signal(SIGPIPE, SIG_IGN)
        return [
            SignalWatcher(eventLoop, signal: SIGTERM) { _ in stop("SIGTERM") },
            SignalWatcher(eventLoop, signal: SIGINT) { _ in stop("SIGINT") },
            SignalWatcher(eventLoop, signal: SIGHUP) { _ in reload() },
        ]
    }

    func close() { UV.close(handle) }
}

/// Resident memory of this process, for `server/status` (from `/proc/self/statm`).
enum ProcessMemory {
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
