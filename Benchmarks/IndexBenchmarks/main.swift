// Index benchmarks: neighbour-graph build and insert throughput, memory per document, exact
// search time, and approximate search (recall@10 against exact, documents scored, latency)
// for the paper's settings and ours.
//
//   swift build -c release --product IndexBenchmarks
//   OPENBLAS_CORETYPE=SkylakeX .build/release/IndexBenchmarks --documents 100000 [--queries 20]
//       [--fixture .build/fixtures/scifact-minilm] [--directory /tmp/index-bench] [--vectors f32|f16|bf16]
//
// --vectors sets the index's storage (default f32); a bf16 index is scored as the daemon scores
// it (`QNetScorer`, the daemon's adapter: the bf16 kernel where the CPU has AVX512_BF16, else
// widened rows; the path is logged), so f32 and bf16 runs over the same documents make issue 12's table.
//
// Corpus: N documents of dimension 768 made from the real SciFact MiniLM vectors (384-d,
// Tools/reference/embed_corpus.py via Scripts/make-test-models). Document i takes SciFact
// vector a = i mod 5183 and a seeded random partner b, forms x = a + 0.3·(b − a), pads it with
// 384 zeros, rotates it with a fixed random orthogonal 768×768 map Q (Gram–Schmidt of a seeded
// Gaussian matrix, so L2 geometry is preserved) and adds Gaussian noise (σ = 0.03 per
// component, ≈ 0.8 in norm against ≈ 2 for the vectors).
// Queries: SciFact train query vectors through the same Q, each turned into a q-net with the
// same recipe as the tests' `QueryConditionedQNet` (2 hidden layers of width 768).
// Searches run as the daemon runs them: BLAS one thread per call, each search split over every
// CPU by a `CoreScheduler` (blocks for exact search, each round's candidates for graph search).
import Foundation
import HypencoderDaemon
import HypencoderIndex
import HypencoderModel

extension SplitMix64 {
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    /// Box–Muller.
    mutating func gaussian() -> Float {
        let u = max(uniform(), 1e-7)
        let v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

func argument(_ name: String, _ fallback: String) -> String {
    let arguments = CommandLine.arguments
    if let i = arguments.firstIndex(of: name), i + 1 < arguments.count { return arguments[i + 1] }
    return fallback
}

func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// The nearest-rank percentile (`fraction` in 0...1) of `values`.
func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))]
}

/// `--scifact`: the real 5183 SciFact vectors as they are (384-d), for tuning search settings.
let scifactOnly = CommandLine.arguments.contains("--scifact")
var documents = Int(argument("--documents", "100000")) ?? 100_000
let queryCount = Int(argument("--queries", "20")) ?? 20
let fixture = argument("--fixture", ".build/fixtures/scifact-minilm")
let directory = argument("--directory", NSTemporaryDirectory() + "hypencoder-index-bench-\(getpid())")
guard let storage = VectorStorageType(rawValue: argument("--vectors", "f32")) else {
    log("--vectors takes f32, f16 or bf16")
    exit(64)
}

if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { setenv("OPENBLAS_NUM_THREADS", "1", 1) }
let parallelism = Parallelism(scheduler: CoreScheduler(threads: CoreScheduler.availableCores()))
try BLAS.load()
log("BLAS: \(BLAS.selection?.summary ?? "?")")
let corpus = try MatrixFile(path: fixture + "/corpus.npy")
let queryMatrix = try MatrixFile(path: fixture + "/queries.npy")
let source = corpus.columns
let dimension = scifactOnly ? source : 768
if scifactOnly { documents = corpus.rows }

// Q: fixed random orthogonal map (modified Gram–Schmidt on seeded Gaussian rows).
var random = SplitMix64(seed: 2024)
var q = [Float](repeating: 0, count: dimension * dimension)
for i in q.indices { q[i] = random.gaussian() }
for row in 0..<dimension {
    for previous in 0..<row {
        var dot: Float = 0
        for j in 0..<dimension { dot += q[row * dimension + j] * q[previous * dimension + j] }
        for j in 0..<dimension { q[row * dimension + j] -= dot * q[previous * dimension + j] }
    }
    var norm: Float = 0
    for j in 0..<dimension { norm += q[row * dimension + j] * q[row * dimension + j] }
    let scale = 1 / norm.squareRoot()
    for j in 0..<dimension { q[row * dimension + j] *= scale }
}

/// Rotates `count` padded rows (source-d each, zero-padded to 768) with Q into `out`.
func rotate(_ rows: [Float], count: Int) -> [Float] {
    if scifactOnly { return rows }
    var padded = [Float](repeating: 0, count: count * dimension)
    for r in 0..<count { for j in 0..<source { padded[r * dimension + j] = rows[r * source + j] } }
    var out = [Float](repeating: 0, count: count * dimension)
    padded.withUnsafeBufferPointer { a in
        q.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { c in
                BLAS.sgemm(
                    transposeA: false, transposeB: true, m: count, n: dimension, k: dimension,
                    a: a.baseAddress!, lda: dimension, b: b.baseAddress!, ldb: dimension, c: c.baseAddress!, ldc: dimension)
            }
        }
    }
    return out
}

let corpusRows = try (0..<corpus.rows).map { try corpus.row($0) }
func makeBatch(_ range: Range<Int>, random: inout SplitMix64) -> [DocumentUpsert] {
    var mixed = [Float](repeating: 0, count: range.count * source)
    for (r, i) in range.enumerated() {
        let a = corpusRows[i % corpusRows.count]
        let b = corpusRows[Int(random.next() % UInt64(corpusRows.count))]
        for j in 0..<source { mixed[r * source + j] = scifactOnly ? a[j] : a[j] + 0.3 * (b[j] - a[j]) }
    }
    let rotated = rotate(mixed, count: range.count)
    return range.enumerated().map { r, i in
        DocumentUpsert(
            id: "doc\(i)",
            vector: (0..<dimension).map {
                rotated[r * dimension + $0] + (scifactOnly ? 0 : 0.03 * random.gaussian())
            })
    }
}

func qnet(for query: [Float], seed: UInt64, biasNorm: Float) throws -> QNet {
    var random = SplitMix64(seed: seed)
    let norm = max(query.reduce(0) { $0 + $1 * $1 }.squareRoot(), .leastNormalMagnitude)
    let bias = query.map { $0 * biasNorm / norm }
    let amplitude = 0.2 * (3 / Float(dimension)).squareRoot()
    func layer(_ residual: Bool) throws -> QNet.Layer {
        var weight = [Float](repeating: 0, count: dimension * dimension)
        for i in weight.indices { weight[i] = (random.uniform() * 2 - 1) * amplitude }
        for i in 0..<dimension { weight[i * dimension + i] += 1 }
        return try QNet.Layer(inputs: dimension, outputs: dimension, weight: weight, bias: bias, residual: residual)
    }
    return try QNet(layers: [try layer(true), try layer(false)], output: query, activation: .relu)
}

// Build.
var options = IndexOptions()
options.verifyChecksumsOnOpen = false
options.storage = storage
options.requireStorage = true
if storage == .bfloat16 { log(QNetScorer.bfloat16Kernel.summary) }
if let graph = ProcessInfo.processInfo.environment["GRAPH"]?.split(separator: ":"), graph.count == 3 {
    // GRAPH="maxDegree:efConstruction:alpha" (tuning).
    options.graph.maxDegree = Int(graph[0]) ?? options.graph.maxDegree
    options.graph.efConstruction = Int(graph[1]) ?? options.graph.efConstruction
    options.graph.alpha = Float(graph[2]) ?? options.graph.alpha
}
log(
    "graph parameters: maxDegree \(options.graph.maxDegree), efConstruction \(options.graph.efConstruction), alpha \(options.graph.alpha)"
)
let index = try DocumentIndex.open(directory: directory, fingerprint: "bench", dimension: dimension, options: options)
// An explicit --directory is kept (and reused by the next run: the build is then skipped).
let keep = CommandLine.arguments.contains("--directory")
defer { if !keep { try? FileManager.default.removeItem(atPath: directory) } }
let reuse = index.count >= documents
if reuse { log("reusing the \(index.count) documents already in \(directory)") }
var dataRandom = SplitMix64(seed: 99)
let bulk = reuse ? 0 : max(0, documents - 1000)
var generate = 0.0
var build = 0.0
var start = 0
while start < bulk {
    let end = min(bulk, start + 4096)
    var batch: [DocumentUpsert] = []
    generate += seconds { batch = makeBatch(start..<end, random: &dataRandom) }
    build += try seconds { try index.upsert(batch) }
    start = end
    if (start / 4096) % 25 == 0 { log("  \(start) documents, \(String(format: "%.0f", Double(start) / build)) docs/s") }
}
if !reuse {
    log(
        "bulk build: \(bulk) documents in \(String(format: "%.1f", build)) s = \(String(format: "%.0f", Double(bulk) / build)) docs/s (generation \(String(format: "%.1f", generate)) s)"
    )
}
// Incremental inserts in small batches (each one fsync'ed).
let tail = reuse ? [] : makeBatch(bulk..<documents, random: &dataRandom)
let incremental = try seconds {
    for i in stride(from: 0, to: tail.count, by: 10) { try index.upsert(Array(tail[i..<min(tail.count, i + 10)])) }
}
if !reuse {
    log(
        "incremental: \(tail.count) documents in batches of 10: \(String(format: "%.0f", Double(tail.count) / incremental)) docs/s"
    )
}
let stats = index.graphStatistics
log(
    "graph: \(stats.nodes) nodes, \(String(format: "%.1f", Double(stats.edges) / Double(stats.nodes))) edges/node, \(stats.bytes / max(1, stats.nodes)) bytes/doc graph + \(dimension * storage.byteWidth) bytes/doc vectors (\(storage.rawValue))"
)

// Queries.
// The q-nets' bias norm: the mean document norm (as in the tests' stand-in), over a sample.
var biasNorm: Float = 0
do {
    var sampleRandom = SplitMix64(seed: 5)
    let sample = makeBatch(0..<min(2000, documents), random: &sampleRandom)
    biasNorm = sample.reduce(0) { $0 + $1.vector.reduce(0) { $0 + $1 * $1 }.squareRoot() } / Float(sample.count)
}
// The daemon's own adapter: its workspace pool and, for bf16, its kernel choice.
let scorers = try (0..<min(queryCount, queryMatrix.rows)).map { i -> QNetScorer in
    let rotated = rotate(try queryMatrix.row(i), count: 1)
    return QNetScorer(qnet: try qnet(for: rotated, seed: 1000 + UInt64(i), biasNorm: biasNorm), storage: storage)
}
var exactHits: [[SearchHit]] = []
let exactTime = try seconds {
    for scorer in scorers { exactHits.append(try index.exactSearch(scorer: scorer, k: 10, parallelism: parallelism)) }
}
log("exact search: \(String(format: "%.1f", 1000 * exactTime / Double(scorers.count))) ms/query over \(index.count) documents")

let sized = ApproximateSearchParameters.defaults(forDocuments: index.count)
var settings: [(String, ApproximateSearchParameters)] = [
    ("daemon default for \(index.count) (\(sized.entryPoints), \(sized.ncandidates), \(sized.maxIter))", sized),
    ("paper Efficient 1 (10000, 64, 16)", .paperEfficient1),
    ("paper (1000, 64, 16)", ApproximateSearchParameters(mode: .paper, entryPoints: 1000, ncandidates: 64, maxIter: 16)),
    ("ours (64, 128, 2000)", ApproximateSearchParameters(mode: .improved, entryPoints: 64, ncandidates: 128, maxIter: 2000)),
    ("ours (128, 256, 2000)", ApproximateSearchParameters(mode: .improved, entryPoints: 128, ncandidates: 256, maxIter: 2000)),
]
if let grid = ProcessInfo.processInfo.environment["GRID"] {
    // GRID="mode:entry:ncand:iter mode:entry:ncand:iter ..." replaces the settings (tuning);
    // the word "default" stands for the daemon's default for this size.
    settings = grid.split(separator: " ").compactMap { item in
        if item == "default" { return settings[0] }
        let f = item.split(separator: ":")
        guard f.count == 4, let mode = ApproximateSearchMode(rawValue: String(f[0])),
            let e = Int(f[1]), let c = Int(f[2]), let i = Int(f[3])
        else { return nil }
        return (String(item), ApproximateSearchParameters(mode: mode, entryPoints: e, ncandidates: c, maxIter: i))
    }
}
for (name, parameters) in settings {
    var recallSum = 0.0
    var scored = 0
    var perQuery: [Double] = []
    var latencies: [Double] = []
    for (i, scorer) in scorers.enumerated() {
        let started = DispatchTime.now().uptimeNanoseconds
        let result = try index.approximateSearch(scorer: scorer, k: 10, parameters: parameters, parallelism: parallelism)
        latencies.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
        let found = Set(result.hits.map(\.id))
        let r = Double(exactHits[i].filter { found.contains($0.id) }.count) / Double(max(1, exactHits[i].count))
        recallSum += r
        if ProcessInfo.processInfo.environment["PER_QUERY"] != nil { perQuery.append(r) }
        scored += result.documentsScored
    }
    if !perQuery.isEmpty {
        log(
            "  per-query recall histogram: "
                + [0.5, 0.7, 0.8, 0.9, 1.0].map { t in "<\(t): \(perQuery.filter { $0 < t }.count)" }.joined(separator: ", "))
    }
    let meanScored = Double(scored) / Double(scorers.count)
    log(
        "\(name): recall@10 \(String(format: "%.3f", recallSum / Double(scorers.count))), scored \(String(format: "%.0f", meanScored)) (\(String(format: "%.2f", 100 * meanScored / Double(index.count)))%), \(String(format: "%.1f", 1000 * latencies.reduce(0, +) / Double(scorers.count))) ms/query, p50 \(String(format: "%.1f", 1000 * percentile(latencies, 0.5))) ms, p99 \(String(format: "%.1f", 1000 * percentile(latencies, 0.99))) ms"
    )
}
if !reuse {
    // Saves the graph beside the checkpoint, so a rerun with the same --directory loads it.
    let checkpointTime = try seconds { try index.checkpoint() }
    log("checkpoint (vectors, documents, graph): \(String(format: "%.1f", checkpointTime)) s")
}
index.close()
