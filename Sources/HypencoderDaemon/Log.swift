import Foundation

/// How much the daemon says. Ordered: a logger at `.info` prints errors, warnings and info.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case error = 0
    case warn, info, debug

    public init?(name: String) {
        switch name.lowercased() {
        case "error": self = .error
        case "warn", "warning": self = .warn
        case "info": self = .info
        case "debug": self = .debug
        default: return nil
        }
    }

    public var name: String { ["error", "warn", "info", "debug"][rawValue] }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The daemon's log: one line per event on stderr, written with a single unbuffered
/// `write(2)` so that lines from different threads never interleave and nothing sits in a
/// stdio buffer when systemd's journal reads the pipe (DESIGN.md §5: `print()` to a pipe is
/// block-buffered).
///
/// Lines look like `2026-11-25T12:00:00.123Z info  listening on /run/...`. Privacy rule:
/// the text of user documents and queries is never logged at `info` or above; handlers log
/// sizes and counts, and only `debug` may include content.
///
/// The level can change at run time (SIGHUP reload), so it is read under a lock.
public final class Log: @unchecked Sendable {
    public static let shared = Log()

    private let lock = NSLock()
    private var currentLevel: LogLevel = .info

    public var level: LogLevel {
        get {
            lock.lock()
            defer { lock.unlock() }
            return currentLevel
        }
        set {
            lock.lock()
            currentLevel = newValue
            lock.unlock()
        }
    }

    public func isEnabled(_ level: LogLevel) -> Bool { level <= self.level }

    public func error(_ message: @autoclosure () -> String) { write(.error, message) }
    public func warn(_ message: @autoclosure () -> String) { write(.warn, message) }
    public func info(_ message: @autoclosure () -> String) { write(.info, message) }
    public func debug(_ message: @autoclosure () -> String) { write(.debug, message) }

    private func write(_ level: LogLevel, _ message: () -> String) {
        guard isEnabled(level) else { return }
        // Embedded newlines would break "one line per event"; show them escaped.
        let text = message().replacingOccurrences(of: "\n", with: "\\n")
        let padded = level.name.padding(toLength: 5, withPad: " ", startingAt: 0)
        var line = Array("\(Self.timestamp()) \(padded) \(text)\n".utf8)
        line.withUnsafeMutableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Foundation.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    return  // stderr gone: nothing sensible left to do
                }
                offset += n
            }
        }
    }

    /// UTC, millisecond precision, ISO 8601.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec),
            Int(now.tv_nsec / 1_000_000))
    }
}

/// Shorthand used throughout the daemon.
let log = Log.shared
