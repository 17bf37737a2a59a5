import CoreScheduling
import Foundation
import HypencoderDaemon
import HypencoderModel
import HypencoderRPC

/// DaemonBenchmarks: the daemon's protocol costs, measured against a real `Server` run in
/// this process on a temporary socket (so the in-process comparison uses the very same
/// model and index objects). Prints figures; the lead records them in BENCHMARKS.md.
///
///     swift run -c release DaemonBenchmarks [--model DIR] [--documents N] [--seconds S]
///
/// 1. `server/status` round trips: median and p99 latency and requests/s, 1 and 16
///    clients, NDJSON and Content-Length framing.
/// 2. `search` through the socket against the same search called in process, split over
///    the cores the same way: the difference is the protocol's overhead (framing, JSON,
///    thread hand-offs).
/// 3. Vectors as JSON arrays against base64 float32, for `encode/documents` and `index/add`.
/// 4. p99 `search` latency while a long `index/add` (with progress) runs, against idle;
///    the target is within 1.5× (issue 11; it was 3× when a request used one core).

var modelDirectory = FileManager.default.currentDirectoryPath + "/.build/fixtures/models/small2-safetensors"
var documentCount = 2_000
var seconds = 2.0
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let flag = arguments.next() {
    switch flag {
    case "--model": modelDirectory = arguments.next() ?? modelDirectory
    case "--documents": documentCount = Int(arguments.next() ?? "") ?? documentCount
    case "--seconds": seconds = Double(arguments.next() ?? "") ?? seconds
    default:
        FileHandle.standardError.write(Data("usage: DaemonBenchmarks [--model DIR] [--documents N] [--seconds S]\n".utf8))
        exit(2)
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("DaemonBenchmarks: \(message)\n".utf8))
    exit(1)
}

// MARK: The daemon, in process

var template = Array("/tmp/hcbench.XXXXXX".utf8CString)
guard let made = mkdtemp(&template) else { fail("mkdtemp failed") }
let directory = String(cString: made)
defer { try? FileManager.default.removeItem(atPath: directory) }
var configuration = DaemonConfiguration()
configuration.modelDirectory = modelDirectory
configuration.indexDirectory = directory + "/index"
configuration.socketPath = directory + "/d.sock"
configuration.logLevel = .warn
configuration.limits.maxInFlightPerConnection = 100_000
Log.shared.level = .warn
let modelAndIndex: ModelAndIndex
do { modelAndIndex = try ModelAndIndex.load(configuration) } catch {
    fail("\(error) (build the test models with Scripts/make-test-models)")
}
guard let model = modelAndIndex.model, let index = modelAndIndex.index else { fail("no model or index") }
// The thread that makes the Server is its loop thread, so both happen on this one.
Thread.detachNewThread {
    do {
        let server = try Server(
            configuration: configuration, modelAndIndex: modelAndIndex, reloadConfiguration: { configuration })
        _ = try server.run()
    } catch { fail("\(error)") }
}
@Sendable func connect(_ framing: Framing = .newlineDelimited) -> RPCClient {
    for _ in 0..<2_000 {
        if let client = try? RPCClient(path: configuration.socketPath, framing: framing) {
            client.onNotification = { _ in }  // the progress of the writer's index/add
            return client
        }
        usleep(5_000)
    }
    fail("the daemon did not start listening on \(configuration.socketPath)")
}
print(
    "DaemonBenchmarks: model \(modelDirectory), "
        + "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(seconds) s per figure")

/// Runs `clients` threads, each calling `body` with its own connection until the time is up.
func load(clients: Int, framing: Framing, _ body: @escaping (RPCClient) throws -> Void) -> (Samples, Double) {
    let all = SampleCollector()
    let group = DispatchGroup()
    let deadline = Date().addingTimeInterval(seconds)
    let start = Date()
    for _ in 0..<clients {
        group.enter()
        Thread.detachNewThread {
            let client = connect(framing)
            var mine = Samples()
            while Date() < deadline {
                do { mine.add(try timed { try body(client) }) } catch { fail("\(error)") }
            }
            all.add(mine)
            group.leave()
        }
    }
    group.wait()
    return (all.samples, Double(all.samples.values.count) / Date().timeIntervalSince(start))
}

// MARK: 1. server/status round trips

print("\n1. server/status round trip")
for framing in [Framing.newlineDelimited, .contentLength] {
    for clients in [1, 16] {
        let (samples, rate) = load(clients: clients, framing: framing) { try $0.result("server/status") }
        print(
            "   \(framing == .newlineDelimited ? "NDJSON        " : "Content-Length"), \(clients) client(s): "
                + "\(samples.summary), \(Int(rate)) requests/s")
    }
}

// MARK: Index for the search figures

let words =
    "cat window rocket orbit bread yeast river spring library book mountain snow train rail garden tomato music piano ocean salt"
    .split(separator: " ")
@Sendable func text(_ i: Int) -> String {
    (0..<24).map { words[($0 * 7 + i * 13 + $0 * i) % words.count] }.joined(separator: " ")
}
let setup = connect()
var added = 0
while added < documentCount {
    let batch = (added..<min(documentCount, added + 256)).map {
        JSONValue.object(["id": .string("d\($0)"), "text": .string(text($0))])
    }
    do { try setup.result("index/add", ["documents": .array(batch)]) } catch { fail("\(error)") }
    added += batch.count
}

// MARK: 2. search: socket against in process

print("\n2. search (k=10, \(documentCount) documents): socket against in process")
let query = "a quiet library by the river in spring"
let (socketSearch, _) = load(clients: 1, framing: .newlineDelimited) {
    try $0.result("search", ["query": .string(query), "k": 10])
}
// The daemon's own way: a scheduler over every CPU, BLAS one thread per call (the Server's
// configuration loaded that policy before the model).
let inProcessScheduler = CoreScheduler(threads: configuration.threads ?? CoreScheduler.availableCores())
let inProcessParallelism = Parallelism(scheduler: inProcessScheduler)
var inProcess = Samples()
let inProcessDeadline = Date().addingTimeInterval(seconds)
while Date() < inProcessDeadline {
    inProcess.add(
        timed {
            guard let qnet = try? model.encodeQueries([query], parallelism: inProcessParallelism).first else {
                fail("encodeQueries failed")
            }
            _ = try? index.exactSearch(scorer: QNetScorer(qnet: qnet), k: 10, parallelism: inProcessParallelism)
        })
}
print("   socket:     \(socketSearch.summary)")
print("   in process: \(inProcess.summary)")
print("   protocol overhead (median): \(micro(socketSearch.median - inProcess.median))")

// MARK: 3. JSON arrays against base64

print("\n3. vector transfer: JSON arrays against base64 float32")
let texts: [JSONValue] = (0..<64).map { .string(text($0)) }
for encoding in ["array", "base64"] {
    var bytes = 0
    let (samples, _) = load(clients: 1, framing: .newlineDelimited) {
        let result = try $0.result("encode/documents", ["texts": .array(texts), "encoding": .string(encoding)])
        bytes = result.serialized().count
    }
    print("   encode/documents, 64 texts, \(encoding): \(samples.summary), reply \(bytes) bytes")
}
let vectors: [[Float]]
do { vectors = try model.encodeDocuments((0..<256).map { text($0) }) } catch { fail("\(error)") }
for encoding in ["array", "base64"] {
    var round = 0
    let (samples, _) = load(clients: 1, framing: .newlineDelimited) { client in
        round += 1
        let documents: [JSONValue] = vectors.enumerated().map { i, vector in
            [
                "id": .string("v\(round)-\(i)"),
                "vector": encoding == "base64" ? .string(Float32Base64.encode(vector)) : .float32Array(vector),
            ]
        }
        try client.result("index/add", ["documents": .array(documents)])
    }
    print("   index/add, 256 vectors, \(encoding): \(samples.summary)")
}

// MARK: 4. search while a long index/add runs

print("\n4. search p99 while a long index/add with progress runs")
let (idle, _) = load(clients: 1, framing: .newlineDelimited) { try $0.result("search", ["query": .string(query), "k": 10]) }
let writer = connect()
let busy = DispatchGroup()
busy.enter()
var writerStop = false
Thread.detachNewThread {
    var round = 0
    while !writerStop {
        round += 1
        let batch: [JSONValue] = (0..<512).map {
            .object(["id": .string("long\(round)-\($0)"), "text": .string(text($0 + round))])
        }
        do { try writer.result("index/add", ["documents": .array(batch), "workDoneToken": "bench"]) } catch { fail("\(error)") }
    }
    busy.leave()
}
let (underLoad, _) = load(clients: 1, framing: .newlineDelimited) { try $0.result("search", ["query": .string(query), "k": 10]) }
writerStop = true
busy.wait()
print("   idle:         \(idle.summary)")
print("   during add:   \(underLoad.summary)")
let ratio = underLoad.p99 / idle.p99
print(String(format: "   p99 ratio %.2f× (target ≤ 1.5×): %@", ratio, ratio <= 1.5 ? "met" : "NOT met"))
exit(0)
