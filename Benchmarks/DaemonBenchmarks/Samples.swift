import Foundation

/// Latency samples in seconds, summarised as the benchmark prints them.
struct Samples {
    private(set) var values: [Double] = []

    mutating func add(_ seconds: Double) { values.append(seconds) }
    mutating func add(contentsOf other: Samples) { values += other.values }

    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    var median: Double { percentile(0.5) }
    var p99: Double { percentile(0.99) }

    /// "median 12.3 µs, p99 45.6 µs".
    var summary: String { "median \(micro(median)), p99 \(micro(p99))" }
}

/// Samples from several client threads, gathered under a lock.
final class SampleCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var gathered = Samples()

    func add(_ samples: Samples) {
        lock.lock()
        gathered.add(contentsOf: samples)
        lock.unlock()
    }

    var samples: Samples {
        lock.lock()
        defer { lock.unlock() }
        return gathered
    }
}

func micro(_ seconds: Double) -> String {
    seconds >= 1e-3 ? String(format: "%.2f ms", seconds * 1e3) : String(format: "%.1f µs", seconds * 1e6)
}

/// Times `body` once.
func timed(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
