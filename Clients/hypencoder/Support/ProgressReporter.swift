import Foundation

/// Progress of a long upload on stderr. On a terminal (isatty) it redraws one bar in place;
/// otherwise (a pipe, a log, systemd) it writes a plain line at every tenth of the work and
/// at the end, so logs stay short and readable. `--quiet` turns it off.
final class ProgressReporter {
    private let title: String
    private let total: Int64
    private let isTerminal: Bool
    private let enabled: Bool
    private var lastTenth = -1
    private let start = Date()

    init(title: String, total: Int64, enabled: Bool = true) {
        self.title = title
        self.total = total
        self.enabled = enabled
        isTerminal = isatty(STDERR_FILENO) == 1
    }

    /// `done` is in the same unit as `total` (bytes of input); `count` is what to show
    /// people (documents).
    func update(done: Int64, count: Int, unit: String) {
        guard enabled else { return }
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let rate = Double(count) / max(Date().timeIntervalSince(start), 0.001)
        let summary = "\(count) \(unit), \(Int(rate)) \(unit)/s"
        if isTerminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            write("\r\(title) [\(bar)] \(Int(fraction * 100))% \(summary)\u{1B}[K")
        } else {
            let tenth = Int(fraction * 10)
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            write("\(title): \(total > 0 ? "\(Int(fraction * 100))%, " : "")\(summary)\n")
        }
    }

    /// Ends the bar's line on a terminal.
    func finish() {
        if enabled, isTerminal { write("\n") }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
