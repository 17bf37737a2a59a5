// Exact search through the socket against the machine's SGEMM rate on the same shapes.
//
//   swift build -c release
//   .build/release/ExactSearchRate [--model DIR] [--documents N] [--rounds R] [--daemon PATH]
//                                  [--compare-vectors f16|bf16]
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
//
// With --compare-vectors TYPE a second daemon holds the same vectors stored as TYPE
// (`hypencoderd --vectors TYPE`), searched in the same rounds: its q-net rate against the f32
// index's is issue 12's figure (bf16 ≥ 1.6× where the CPU has AVX512_BF16). The second daemon's
// log line on its bf16 path (kernel or fp32 path) is printed with it.
import CoreScheduling
import Foundation
import HypencoderModel
import HypencoderRPC

/// The daemons this run started, stopped on every exit path (`exit` skips `defer`).
nonisolated(unsafe) var runningDaemon: Process?
nonisolated(unsafe) var secondDaemon: Process?

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ExactSearchRate: \(message)\n".utf8))
    for process in [runningDaemon, secondDaemon] {
        process?.terminate()
        process?.waitUntilExit()
    }
    exit(1)
}

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
var modelDirectory = repositoryRoot + "/.build/fixtures/models/base6-safetensors"
var daemonPath = repositoryRoot + "/.build/release/hypencoderd"
var documentCount = 30_000
var rounds = 5
var compareVectors: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--model": modelDirectory = arguments.next() ?? modelDirectory
    case "--daemon": daemonPath = arguments.next() ?? daemonPath
    case "--documents": documentCount = Int(arguments.next() ?? "") ?? documentCount
    case "--rounds": rounds = Int(arguments.next() ?? "") ?? rounds
    case "--compare-vectors":
        compareVectors = arguments.next()
        guard compareVectors == "f16" || compareVectors == "bf16" else { fail("--compare-vectors takes f16 or bf16") }
    default:
        fail("usage: ExactSearchRate [--model DIR] [--documents N] [--rounds R] [--daemon PATH] [--compare-vectors TYPE]")
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

// The daemon, as a user starts it (and a second one on another vector type, if asked).
var template = Array("/tmp/hcrate.XXXXXX".utf8CString)
guard let made = mkdtemp(&template) else { fail("mkdtemp failed") }
let directory = String(cString: made)
func startDaemon(_ name: String, _ extra: [String]) -> (Process, RPCClient) {
    let socketPath = directory + "/\(name).sock"
    let daemon = Process()
    daemon.executableURL = URL(fileURLWithPath: daemonPath)
    daemon.arguments =
        ["--model", modelDirectory, "--index", directory + "/" + name, "--socket", socketPath, "--log-level", "info"] + extra
    _ = FileManager.default.createFile(atPath: directory + "/\(name).log", contents: nil)
    daemon.standardError = FileHandle(forWritingAtPath: directory + "/\(name).log")
    do { try daemon.run() } catch { fail("cannot start \(daemonPath): \(error)") }
    var connected: RPCClient?
    for _ in 0..<6_000 where connected == nil {
        connected = try? RPCClient(path: socketPath)
        if connected == nil { usleep(10_000) }
    }
    guard let client = connected else { fail("the daemon did not start listening") }
    return (daemon, client)
}

let (daemon, client) = startDaemon("f32", [])
runningDaemon = daemon
let compared = compareVectors.map { startDaemon($0, ["--vectors", $0]) }
secondDaemon = compared?.0
defer {
    daemon.terminate()
    daemon.waitUntilExit()
    secondDaemon?.terminate()
    secondDaemon?.waitUntilExit()
    try? FileManager.default.removeItem(atPath: directory)
}

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
        try compared?.1.result("index/add", ["documents": .array(batch)])
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
    if let compareVectors,
        let line = try? String(contentsOfFile: directory + "/\(compareVectors).log", encoding: .utf8)
            .split(separator: "\n").first(where: { $0.contains("vectors are") })
    {
        let message = line.split(separator: " ", maxSplits: 2).last.map { $0.trimmingCharacters(in: .whitespaces) }
        print("ExactSearchRate: \(compareVectors) daemon: \(message ?? "")")
    }
    for (name, daemonClient) in [("f32", client)] + (compared.map { [(compareVectors ?? "", $0.1)] } ?? []) {
        let stats = try daemonClient.result("index/stats")
        let bytes = Double((stats["vectorBytes"]?.int64Value ?? 0) + (stats["graphBytes"]?.int64Value ?? 0))
        print(
            String(
                format: "ExactSearchRate: %@ index: %.0f bytes per document in memory (vectors + graph, index/stats)", name,
                bytes / Double(documentCount)))
    }
    var typedRatios: [Double] = []
    print(
        "round  search ms  encode/query ms  q-net GFLOP/s  SGEMM GFLOP/s  ratio"
            + (compareVectors.map { "  \($0) search ms  \($0)/f32 rate" } ?? ""))
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
        var typed = ""
        if let other = compared?.1 {
            let typedSearch = median(
                try (0..<3).map { _ in
                    try seconds { try other.result("search", ["query": .string(query), "k": 10, "mode": "exact"]) }
                })
            // The same query encoding on both daemons: the scoring time is search − encode/query.
            let typedRatio = (search - encode) / (typedSearch - encode)
            typedRatios.append(typedRatio)
            typed = String(format: "  %12.1f  %13.3f", typedSearch * 1e3, typedRatio)
        }
        print(
            String(
                format: "%5d  %9.1f  %15.1f  %13.1f  %13.1f  %.3f", round, search * 1e3, encode * 1e3, searchRate, gemmRate,
                searchRate / gemmRate) + typed)
    }
    print(
        String(
            format: "median: q-net %.1f GFLOP/s, SGEMM %.1f GFLOP/s, ratio %.3f (target ≥ 0.85: %@)", median(searchRates),
            median(gemmRates), median(ratios), median(ratios) >= 0.85 ? "met" : "NOT met"))
    if let compareVectors, !typedRatios.isEmpty {
        print(
            String(
                format: "median: %@ index scores at %.3f× the f32 index's rate (issue 12's bf16 target ≥ 1.6)",
                compareVectors, median(typedRatios)))
    }
} catch {
    fail("\(error)")
}
