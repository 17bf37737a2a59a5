import Foundation
import HypencoderModel
import XCTest

@testable import HypencoderIndex

/// Real sentence-embedding vectors for the graph tests: SciFact's 5183 documents and its
/// train queries embedded with all-MiniLM-L6-v2 by Tools/reference/embed_corpus.py, which
/// Scripts/make-test-models runs once into .build/fixtures/scifact-minilm/.
struct SciFactFixture {
    let corpus: MatrixFile
    let corpusIDs: [String]
    let queries: MatrixFile
    let queryIDs: [String]

    static let directory: String = {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repository.appendingPathComponent(".build/fixtures/scifact-minilm").path
    }()

    /// Loads the fixture once per test process; a missing fixture fails the calling test
    /// with a message saying how to make it.
    static func load() throws -> SciFactFixture {
        if let cached = cache.value { return cached }
        let needed = ["corpus.npy", "corpus_ids.txt", "queries.npy", "query_ids.txt"]
        if let missing = needed.first(where: { !FileManager.default.fileExists(atPath: directory + "/" + $0) }) {
            let message = "SciFact MiniLM embeddings missing (\(directory)/\(missing)): run Scripts/make-test-models"
            XCTFail(message)
            throw IndexError.invalidArgument(message)
        }
        func ids(_ name: String) throws -> [String] {
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            return text.split(separator: "\n").map(String.init)
        }
        let fixture = SciFactFixture(
            corpus: try MatrixFile(path: directory + "/corpus.npy"), corpusIDs: try ids("corpus_ids.txt"),
            queries: try MatrixFile(path: directory + "/queries.npy"), queryIDs: try ids("query_ids.txt"))
        XCTAssertEqual(fixture.corpus.rows, fixture.corpusIDs.count)
        XCTAssertEqual(fixture.queries.rows, fixture.queryIDs.count)
        cache.value = fixture
        return fixture
    }

    private final class Cache: @unchecked Sendable { var value: SciFactFixture? }
    private static let cache = Cache()

    var dimension: Int { corpus.columns }

    /// Mean Euclidean norm of the corpus vectors (the stand-in q-net's bias norm).
    func meanDocumentNorm() throws -> Float {
        var total: Float = 0
        for i in 0..<corpus.rows { total += try corpus.row(i).reduce(0) { $0 + $1 * $1 }.squareRoot() }
        return total / Float(max(1, corpus.rows))
    }

    func documents() throws -> [DocumentUpsert] {
        try (0..<corpus.rows).map { DocumentUpsert(id: corpusIDs[$0], vector: try corpus.row($0)) }
    }
}

/// A stand-in for a trained Hypencoder's q-net, built from a query's MiniLM embedding q
/// (width d = 384), with the exact architecture of DESIGN.md §2 for 2 hidden layers:
///
///     W_0 = I + E_0,  W_1 = I + E_1,  b_0 = b_1 = β·q/‖q‖,  w_2 = q
///     x_1 = LN(ReLU(x_0·W_0ᵀ + b_0)) + x_0;   x_2 = LN(ReLU(x_1·W_1ᵀ + b_1));   score = x_2·q
///
/// E_j are seeded uniform noise (entries ±0.2·√(3/d), so ‖E x‖ ≈ 0.2‖x‖), different per
/// query. β is the corpus's mean document norm, so query and document enter the first sum at
/// the same scale (with the raw query, about twice a document's norm, the q-net degenerates
/// towards a function of the query alone).
///
/// Why it is a fair stand-in for graph-search tests: it is a real non-linear q-net with the same
/// arithmetic as the model module's `QNet.score` (checked against it in a test); its scores depend on the query and
/// correlate with, but are not, cosine similarity (Spearman ≈ 0.62 over SciFact, measured
/// with NumPy on 20 queries; its top 10 fall about 77% inside the cosine top 100). ReLU,
/// LayerNorm and the residual reshape the geometry as a trained q-net does, so a graph
/// built by L2 distance is exercised the way the paper uses it, not on a dot product it
/// was built for.
final class QueryConditionedQNet: DocumentScorer, @unchecked Sendable {
    let dimension: Int
    private let weights: [[Float]]
    private let bias: [Float]
    private let output: [Float]

    init(query: [Float], seed: UInt64, biasNorm: Float) throws {
        let d = query.count
        let norm = max(query.reduce(0) { $0 + $1 * $1 }.squareRoot(), .leastNormalMagnitude)
        bias = query.map { $0 * biasNorm / norm }
        var random = SplitMix64(seed: seed)
        let amplitude = 0.2 * (3 / Float(d)).squareRoot()
        weights = (0..<2).map { _ in
            var weight = [Float](repeating: 0, count: d * d)
            for i in 0..<(d * d) { weight[i] = (Float(random.next() >> 40) / Float(1 << 23) - 1) * amplitude }
            for i in 0..<d { weight[i * d + i] += 1 }
            return weight
        }
        output = query
        dimension = d
        try BLAS.load()
    }

    /// The same network as a `QNet` of the model module (for checking this scorer against it).
    func asQNet() throws -> QNet {
        let d = dimension
        return try QNet(
            layers: [
                try QNet.Layer(inputs: d, outputs: d, weight: weights[0], bias: bias, residual: true),
                try QNet.Layer(inputs: d, outputs: d, weight: weights[1], bias: bias, residual: false),
            ],
            output: output, activation: .relu)
    }

    /// One SGEMM per layer for the whole block, then bias, ReLU, LayerNorm and residual in
    /// plain `while` loops over raw pointers: the model module's generic fused pass is fast in
    /// release but slow in the debug builds tests run in, and tests score millions of rows.
    func score(documents: UnsafePointer<Float>, count: Int, into: UnsafeMutablePointer<Float>) {
        let d = dimension
        let first = UnsafeMutablePointer<Float>.allocate(capacity: count * d)
        let second = UnsafeMutablePointer<Float>.allocate(capacity: count * d)
        defer {
            first.deallocate()
            second.deallocate()
        }
        bias.withUnsafeBufferPointer { b in
            var input = documents
            var outputBuffer = first
            for layer in 0..<2 {
                weights[layer].withUnsafeBufferPointer { w in
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: count, n: d, k: d, a: input, lda: d,
                        b: w.baseAddress!, ldb: d, c: outputBuffer, ldc: d)
                }
                var row = 0
                while row < count {
                    let y = outputBuffer + row * d
                    var j = 0
                    var sum: Float = 0
                    while j < d {
                        let v = max(y[j] + b[j], 0)
                        y[j] = v
                        sum += v
                        j &+= 1
                    }
                    let mean = sum / Float(d)
                    var squares: Float = 0
                    j = 0
                    while j < d {
                        let c = y[j] - mean
                        squares += c * c
                        j &+= 1
                    }
                    let scale = 1 / (squares / Float(d) + QNet.layerNormEps).squareRoot()
                    j = 0
                    let x = input + row * d
                    if layer == 0 {
                        while j < d {
                            y[j] = (y[j] - mean) * scale + x[j]
                            j &+= 1
                        }
                    } else {
                        while j < d {
                            y[j] = (y[j] - mean) * scale
                            j &+= 1
                        }
                    }
                    row &+= 1
                }
                input = UnsafePointer(outputBuffer)
                outputBuffer = second
            }
            output.withUnsafeBufferPointer { w in
                BLAS.sgemv(transposeA: false, m: count, n: d, a: input, lda: d, x: w.baseAddress!, y: into)
            }
        }
    }
}

/// Fraction of `exact`'s ids that `approximate` found (recall@k against exact search).
func recall(_ approximate: [SearchHit], of exact: [SearchHit]) -> Double {
    guard !exact.isEmpty else { return 1 }
    let found = Set(approximate.map(\.id))
    return Double(exact.filter { found.contains($0.id) }.count) / Double(exact.count)
}
