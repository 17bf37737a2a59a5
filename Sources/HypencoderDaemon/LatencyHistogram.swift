import Foundation
import HypencoderRPC

/// Request latencies in a fixed number of buckets, so `server/status` can report
/// percentiles for a daemon that has served millions of requests in constant memory.
///
/// Bucket `i` holds latencies up to `2^(i/4)` microseconds: four buckets per doubling, so a
/// reported percentile is at most about 19% above the true value, from 1 µs up to about
/// 68 minutes (`bucketCount` = 128). Larger values land in the last bucket.
struct LatencyHistogram {
    static let bucketCount = 128
    private var buckets = [UInt64](repeating: 0, count: bucketCount)
    private(set) var count: UInt64 = 0
    private(set) var totalMicroseconds: Double = 0

    mutating func record(microseconds: Double) {
        let value = max(1, microseconds)
        let index = min(Self.bucketCount - 1, max(0, Int((4 * log2(value)).rounded(.up))))
        buckets[index] += 1
        count += 1
        totalMicroseconds += microseconds
    }

    /// The upper bound of the bucket holding the `fraction` quantile (e.g. 0.99), in µs.
    func percentile(_ fraction: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = UInt64((fraction * Double(count)).rounded(.up))
        var seen: UInt64 = 0
        for (index, n) in buckets.enumerated() {
            seen += n
            if seen >= max(1, rank) { return Self.upperBound(index) }
        }
        return Self.upperBound(Self.bucketCount - 1)
    }

    static func upperBound(_ index: Int) -> Double { pow(2, Double(index) / 4) }

    /// `{count, meanMs, p50Ms, p90Ms, p99Ms}`.
    var json: JSONValue {
        func ms(_ us: Double?) -> JSONValue { us.map { .double(($0 / 1000 * 1000).rounded() / 1000) } ?? .null }
        return [
            "count": .integer(Int64(count)),
            "meanMs": ms(count > 0 ? totalMicroseconds / Double(count) : nil),
            "p50Ms": ms(percentile(0.50)),
            "p90Ms": ms(percentile(0.90)),
            "p99Ms": ms(percentile(0.99)),
        ]
    }
}

/// Per-method counters for `server/status`. Loop thread only (replies are recorded when
/// they reach the loop).
struct MethodStatistics {
    struct Entry {
        var succeeded: UInt64 = 0
        var failed: UInt64 = 0
        var latency = LatencyHistogram()
    }

    private(set) var entries: [String: Entry] = [:]

    /// Methods outside the known set are counted under one key so that a client sending
    /// random method names cannot grow this table.
    mutating func record(method: String, known: Bool, succeeded: Bool, microseconds: Double) {
        let key = known ? method : "(unknown)"
        var entry = entries[key] ?? Entry()
        if succeeded { entry.succeeded += 1 } else { entry.failed += 1 }
        entry.latency.record(microseconds: microseconds)
        entries[key] = entry
    }

    var json: JSONValue {
        var object = JSONObject()
        for key in entries.keys.sorted() {
            guard let entry = entries[key] else { continue }
            var item: JSONObject = [
                "succeeded": .integer(Int64(entry.succeeded)),
                "failed": .integer(Int64(entry.failed)),
            ]
            item["latency"] = entry.latency.json
            object[key] = .object(item)
        }
        return .object(object)
    }
}
