import Foundation
import HypencoderRPC

/// `debug/sleep {milliseconds}`: waits, polling its cancellation flag every millisecond,
/// then returns `{"slept": ms}`; cancelled, it stops early with -32800. Progress reports go
/// out every tenth of the wait when the client sent a `workDoneToken`.
///
/// Only registered with `--debug-methods`. It exists so that cancellation, draining,
/// in-flight limits and client timeouts can be exercised deterministically (by tests and
/// by client authors) without a model or a large index.
enum DebugHandlers {
    static func register(into table: inout [String: MethodHandler]) {
        table["debug/sleep"] = { params, context in
            try params.object(allowedKeys: ["milliseconds", "workDoneToken"])
            let total = try params["milliseconds"].int(in: 0...600_000)
            let started = Date()
            var nextReport = 1
            while true {
                try context.checkCancelled()
                let elapsed = Int(Date().timeIntervalSince(started) * 1000)
                if elapsed >= total { break }
                if total > 0 && elapsed * 10 >= nextReport * total {
                    context.report("slept \(elapsed) of \(total) ms", percentage: elapsed * 100 / total)
                    nextReport += 1
                }
                usleep(1000)
            }
            return ["slept": .integer(Int64(total))]
        }
    }
}
