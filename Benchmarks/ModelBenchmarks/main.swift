// Model speed: q-net scoring against the machine's SGEMM peak, query and document encoding.
//
//   swift run -c release ModelBenchmarks [--quick] [--qnet-only] [--daemon-threads] [--model DIR]
//
// (a) scores 100,000 random 768-d documents with a random 6-layer 768-wide q-net at several
//     block sizes, and measures SGEMM on the same shapes (block×768 · 768×768) in the same run:
//     the ratio says how much the fused element-wise pass and the GEMV cost on top of the GEMMs.
// (b) with the bert-base sized random model (.build/fixtures/models/base6-safetensors): query
//     encoding latency (16 tokens, 6-layer hyperhead) and document encoding (32 × 200 tokens).
// Set OPENBLAS_CORETYPE / HYPENCODER_BLAS_SELECT=off to compare kernels. Medians of repeated runs.
// --daemon-threads: encode as the daemon does (BLAS one thread per call, the work split over
// every CPU by a CoreScheduler) and skip (a), which ExactSearchRate measures through the daemon.
import Foundation
import HypencoderModel

let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path
let modelDirectory =
    arguments.firstIndex(of: "--model").flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
    ?? repositoryRoot + "/.build/fixtures/models/base6-safetensors"

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()  // warm-up: page in weights, spin up BLAS threads
    var times = try (0..<repeats).map { _ in try seconds(body) }
    times.sort()
    return times[times.count / 2]
}

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

let daemonThreads = arguments.contains("--daemon-threads")
if daemonThreads { setenv("OPENBLAS_NUM_THREADS", "1", 1) }
let parallelism =
    daemonThreads ? Parallelism(scheduler: CoreScheduler(threads: CoreScheduler.availableCores())) : .serial
let selection = try BLAS.load()
print("BLAS: \(selection.summary)")
print("      \(selection.config)")

// (a) q-net scoring.
if daemonThreads { print("(a) skipped (--daemon-threads): see ExactSearchRate") }
let width = 768
let hiddenLayers = 6
let documentCount = daemonThreads ? 0 : (quick ? 20_000 : 100_000)
let repeats = quick ? 3 : 7
var generator = SplitMix64(seed: 1)
let layers = try (0..<hiddenLayers).map { j in
    try QNet.Layer(
        inputs: width, outputs: width,
        weight: (0..<(width * width)).map { _ in generator.nextUniform() / Float(width).squareRoot() },
        bias: (0..<width).map { _ in generator.nextUniform() }, residual: j < hiddenLayers - 1)
}
let qnet = try QNet(layers: layers, output: (0..<width).map { _ in generator.nextUniform() }, activation: .relu)
let documents = (0..<(documentCount * width)).map { _ in generator.nextUniform() }
var scores = [Float](repeating: 0, count: documentCount)
let flop = Double(qnet.flopsPerDocument) * Double(documentCount)
print(
    "\n(a) q-net scoring: \(documentCount) documents × \(hiddenLayers)-layer \(width)-wide q-net, \(format(Double(qnet.flopsPerDocument) / 1e6, 2)) MFLOP/document"
)
for block in daemonThreads ? [] : [256, 512, 1024, 2048] {
    let workspace = QNetWorkspace(blockSize: block)
    var output = [Float](repeating: 0, count: block * width)
    let blocks = documentCount / block
    func score() throws {
        try documents.withUnsafeBufferPointer { d in
            try scores.withUnsafeMutableBufferPointer { s in
                try qnet.score(
                    documents: d.baseAddress!, count: documentCount, dimension: width, into: s.baseAddress!, workspace: workspace)
            }
        }
    }
    // SGEMM alone on the same shapes: one block × 768 · 768×768 product per layer per block.
    func gemmOnly() {
        documents.withUnsafeBufferPointer { d in
            layers[0].weight.withUnsafeBufferPointer { w in
                output.withUnsafeMutableBufferPointer { c in
                    for b in 0..<blocks {
                        for _ in 0..<hiddenLayers {
                            BLAS.sgemm(
                                transposeA: false, transposeB: true, m: block, n: width, k: width,
                                a: d.baseAddress! + b * block * width, lda: width, b: w.baseAddress!, ldb: width,
                                c: c.baseAddress!, ldc: width)
                        }
                    }
                }
            }
        }
    }
    // Alternate the two so that both see the same machine load.
    try score()
    gemmOnly()
    var scoring: [Double] = []
    var gemm: [Double] = []
    for _ in 0..<repeats {
        scoring.append(try seconds(score))
        gemm.append(seconds(gemmOnly))
    }
    let scoringTime = scoring.sorted()[repeats / 2]
    let gemmTime = gemm.sorted()[repeats / 2]
    let achieved = flop / scoringTime / 1e9
    let peak = Double(2 * blocks * block * width * width * hiddenLayers) / gemmTime / 1e9
    print(
        "  block \(block): median \(format(scoringTime * 1000)) ms, \(format(achieved)) GFLOP/s, "
            + "\(format(Double(documentCount) / scoringTime / 1e3, 1)) k docs/s; SGEMM peak \(format(peak)) GFLOP/s; "
            + "fraction \(format(achieved / peak, 2))")
}

// (b) encoding with a bert-base sized model.
if arguments.contains("--qnet-only") { exit(0) }
print("\n(b) encoding with \(modelDirectory)\(daemonThreads ? ", \(parallelism.width) threads as in the daemon" : "")")
guard FileManager.default.fileExists(atPath: modelDirectory + "/config.json") else {
    print("  model not found: run Scripts/make-test-models (or pass --model DIR)")
    exit(1)
}
let model = try HypencoderModel(directory: modelDirectory)
let vocabulary = Int32(model.config.bert.vocabSize)
func randomIds(_ count: Int) -> [Int32] {
    [101] + (0..<(count - 2)).map { _ in Int32(1000 + Int(generator.next() % UInt64(vocabulary - 1000))) } + [102]
}
let query = randomIds(16)
let queryLatency = try median(repeats: quick ? 5 : 21) {
    _ = try model.encodeQueries(tokenIds: [query], parallelism: parallelism)
}
print("  query (16 tokens, \(model.config.hiddenLayers)-layer hyperhead): median \(format(queryLatency * 1000)) ms")
if arguments.contains("--query-only") { exit(0) }  // for profiling the query path alone
let batch = (0..<32).map { _ in randomIds(200) }
let documentLatency = try median(repeats: quick ? 2 : 5) {
    _ = try model.encodeDocuments(tokenIds: batch, parallelism: parallelism)
}
print(
    "  documents (32 × 200 tokens): median \(format(documentLatency * 1000)) ms, "
        + "\(format(32 / documentLatency)) docs/s, \(format(32 * 200 / documentLatency, 0)) tokens/s")
