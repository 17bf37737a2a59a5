import Foundation
import HypencoderRPC

/// A blocking JSON-RPC client on a Unix socket, one request at a time: what a simple
/// program does, and what round-trip latency means. Uses the RPC module's framing.
final class BenchmarkClient {
    enum Failure: Error, CustomStringConvertible {
        case io(String)
        case reply(String)
        var description: String {
            switch self {
            case .io(let s), .reply(let s): return s
            }
        }
    }

    private let fd: Int32
    private let framing: Framing
    private var framer = MessageFramer(limits: FramingLimits(maxMessageBytes: 1 << 30))
    private var nextID: Int64 = 1
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    init(path: String, framing: Framing) throws {
        self.framing = framing
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8.prefix(107))) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure.io("cannot connect to \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(fd) }

    /// Sends `method` and waits for its result; notifications (progress) are skipped.
    @discardableResult
    func call(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        let id = nextID
        nextID += 1
        var message: JSONObject = ["jsonrpc": "2.0", "id": .integer(id), "method": .string(method)]
        if let params { message["params"] = params }
        let bytes = framing.frame(JSONValue.object(message).serialized())
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure.io("send: \(String(cString: strerror(errno)))") }
            offset += n
        }
        while true {
            if let body = try framer.nextMessage() {
                let reply = try JSONValue.parse(body)
                if reply["method"] != nil { continue }
                guard let result = reply["result"] else { throw Failure.reply("\(method): \(reply)") }
                return result
            }
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { throw Failure.io("the daemon closed the connection during \(method)") }
            framer.append(buffer[..<n])
        }
    }
}

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
