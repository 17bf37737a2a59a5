// Exact search through the socket against the machine's SGEMM rate on the same shapes.
//
//   swift build -c release
//   .build/release/ExactSearchRate [--model DIR] [--documents N] [--rounds R] [--daemon PATH]
//
// Starts the real daemon (`.build/release/hypencoderd`, default settings: every CPU this
// process may use, BLAS one thread per call) with the bert-base-sized random fixture model
// (a 6-layer 768-wide q-net; Scripts/make-test-models), adds N random 768-d vectors, then in
// each round, interleaved:
// - `search` (mode exact, k 10) and `encode/query` of the same query through the socket
//   (medians of 3); scoring time = search − encode/query, so the q-net's rate is
//   N × flopsPerDocument / scoring time;
// - the SGEMMs alone in this process: for every block of 1024 rows (the index's block), the
//   6 products block × 768 · 768 × 768, spread over the same number of threads with the same
//   scheduler and single-threaded BLAS: what the cores can do on exactly those shapes.
// Prints each round and the median ratio (issue 11's target: ≥ 0.85).
import CoreScheduling
import Foundation
import HypencoderModel
import HypencoderRPC

/// The daemon this run started, stopped on every exit path (`exit` skips `defer`).
nonisolated(unsafe) var runningDaemon: Process?

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ExactSearchRate: \(message)\n".utf8))
    runningDaemon?.terminate()
    runningDaemon?.waitUntilExit()
    exit(1)
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
var modelDirectory = repositoryRoot + "/.build/fixtures/models/base6-safetensors"
var daemonPath = repositoryRoot + "/.build/release/hypencoderd"
var documentCount = 30_000
var rounds = 5
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--model": modelDirectory = arguments.next() ?? modelDirectory
    case "--daemon": daemonPath = arguments.next() ?? daemonPath
    case "--documents": documentCount = Int(arguments.next() ?? "") ?? documentCount
    case "--rounds": rounds = Int(arguments.next() ?? "") ?? rounds
    default: fail("usage: ExactSearchRate [--model DIR] [--documents N] [--rounds R] [--daemon PATH]")
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

// The daemon, as a user starts it.
var template = Array("/tmp/hcrate.XXXXXX".utf8CString)
guard let made = mkdtemp(&template) else { fail("mkdtemp failed") }
let directory = String(cString: made)
let socketPath = directory + "/d.sock"
let daemon = Process()
daemon.executableURL = URL(fileURLWithPath: daemonPath)
daemon.arguments = [
    "--model", modelDirectory, "--index", directory + "/index", "--socket", socketPath, "--log-level", "warn",
]
do { try daemon.run() } catch { fail("cannot start \(daemonPath): \(error)") }
runningDaemon = daemon
defer {
    daemon.terminate()
    daemon.waitUntilExit()
    try? FileManager.default.removeItem(atPath: directory)
}
var connected: RPCClient?
for _ in 0..<6_000 where connected == nil {
    connected = try? RPCClient(path: socketPath)
    if connected == nil { usleep(10_000) }
}
guard let client = connected else { fail("the daemon did not start listening") }

// This process's BLAS, single-threaded as in the daemon, for the SGEMM figure.
setenv("OPENBLAS_NUM_THREADS", "1", 1)
do { _ = try BLAS.load() } catch { fail("\(error)") }
let threads = CoreScheduler.availableCores()
let scheduler = CoreScheduler(threads: threads)

do {
    let status = try client.result("server/status")
    let width = Int(status["model"]?["documentDimension"]?.int64Value ?? 768)
    print("ExactSearchRate: model \(modelDirectory), \(documentCount) documents × \(width), \(threads) threads")
    var random = SplitMix64(seed: 11)
    var added = 0
    while added < documentCount {
        let batch: [JSONValue] = (added..<min(documentCount, added + 1000)).map { i in
            let vector = (0..<width).map { _ in random.nextUniform() }
            return ["id": .string("d\(i)"), "vector": .string(Float32Base64.encode(vector))]
        }
        try client.result("index/add", ["documents": .array(batch)])
        added += batch.count
    }
    let query = "how do neural retrievers score documents"
    let flops = Double(try client.result("encode/query", ["text": .string(query)])["flopsPerDocument"]?.int64Value ?? 0)
    guard flops > 0 else { fail("encode/query gave no flopsPerDocument") }
    let layers = 6
    let block = 1024
    var a = [Float](repeating: 0, count: block * width)
    var w = [Float](repeating: 0, count: width * width)
    for i in a.indices { a[i] = random.nextUniform() }
    for i in w.indices { w[i] = random.nextUniform() }
    let blocks = (documentCount + block - 1) / block
    let outputs = UnsafeMutablePointer<Float>.allocate(capacity: blocks * block * width)
    defer { outputs.deallocate() }
    let gemmFlop = Double(2 * layers * width * width) * Double(documentCount)
    var ratios: [Double] = []
    var searchRates: [Double] = []
    var gemmRates: [Double] = []
    print("round  search ms  encode/query ms  q-net GFLOP/s  SGEMM GFLOP/s  ratio")
    for round in 1...rounds {
        let search = median(
            try (0..<3).map { _ in
                try seconds { try client.result("search", ["query": .string(query), "k": 10, "mode": "exact"]) }
            })
        let encode = median(try (0..<3).map { _ in try seconds { try client.result("encode/query", ["text": .string(query)]) } })
        let gemm = median(
            (0..<3).map { _ in
                seconds {
                    a.withUnsafeBufferPointer { a in
                        w.withUnsafeBufferPointer { w in
                            scheduler.forEach(blocks, priority: .interactive) { b in
                                let rows = min(block, documentCount - b * block)
                                for _ in 0..<layers {
                                    BLAS.sgemm(
                                        transposeA: false, transposeB: true, m: rows, n: width, k: width,
                                        a: a.baseAddress!, lda: width, b: w.baseAddress!, ldb: width,
                                        c: outputs + b * block * width, ldc: width)
                                }
                            }
                        }
                    }
                }
            })
        let searchRate = Double(documentCount) * flops / (search - encode) / 1e9
        let gemmRate = gemmFlop / gemm / 1e9
        ratios.append(searchRate / gemmRate)
        searchRates.append(searchRate)
        gemmRates.append(gemmRate)
        print(
            String(
                format: "%5d  %9.1f  %15.1f  %13.1f  %13.1f  %.3f", round, search * 1e3, encode * 1e3, searchRate, gemmRate,
                searchRate / gemmRate))
    }
    print(
        String(
            format: "median: q-net %.1f GFLOP/s, SGEMM %.1f GFLOP/s, ratio %.3f (target ≥ 0.85: %@)", median(searchRates),
            median(gemmRates), median(ratios), median(ratios) >= 0.85 ? "met" : "NOT met"))
} catch {
    fail("\(error)")
}
