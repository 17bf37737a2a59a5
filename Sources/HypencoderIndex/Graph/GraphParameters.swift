import Foundation

/// How the neighbour graph is built and kept up to date (names from the Vamana/DiskANN and
/// HNSW literature). Part of `IndexOptions`; changing them affects lists built afterwards.
public struct GraphParameters: Sendable, Equatable {
    /// Degree bound R: lists are pruned back to this many neighbours. The paper links 100
    /// neighbours per document; 32 reaches the same recall on our measurements with a third
    /// of the memory and of the documents scored per expanded node.
    public var maxDegree = 32
    /// Extra room before a list must be pruned (DiskANN's slack factor 1.3 ≈ 10 extra at R 32).
    public var slack = 10
    /// Beam width L of the greedy search that finds a new document's neighbours.
    public var efConstruction = 64
    /// Pruning parameter α ≥ 1: a candidate c is dropped when an already kept neighbour r
    /// satisfies α·d(r, c) ≤ d(p, c). α > 1 keeps some longer edges, which keeps the graph
    /// navigable (Vamana); α = 1 is the HNSW heuristic.
    public var alpha: Float = 1.2
    /// Fraction of nodes that are deleted-but-unrepaired above which the writer repairs the
    /// graph (FreshDiskANN-style consolidation). `compact()` and checkpoints always repair.
    public var repairThreshold = 0.1
    /// Centroids for the improved search mode's entry points (fewer for small corpora: one
    /// per 64 documents), fitted on a sample of 16 documents per centroid.
    public var entryClusters = 256
    /// Threads for building and repairing (the writer's batch insertions use them too).
    public var buildThreads = 2

    public init() {}

    var capacity: Int { maxDegree + max(0, slack) }
}

/// Which traversal `approximateSearch` runs.
public enum ApproximateSearchMode: String, Sendable, Equatable, CaseIterable {
    /// The authors' algorithm exactly (DESIGN.md §3): seeded random entry points; each round
    /// scores the unvisited neighbours of the best `ncandidates` of the last frontier.
    case paper
    /// Ours: entry points are the documents nearest to k-means centroids of the corpus
    /// (spread over the whole collection instead of random), then best-first search with a
    /// beam of `ncandidates` (as HNSW's ef), expanding a few documents per round and stopping
    /// when the beam has nothing left to expand. See `GraphSearch`.
    case improved
}

/// Per-request settings of approximate search.
public struct ApproximateSearchParameters: Sendable, Equatable {
    public var mode: ApproximateSearchMode
    /// Entry points scored first (paper: 10,000).
    public var entryPoints: Int
    /// Paper mode: best frontier documents expanded per round (paper "Efficient 1": 64).
    /// Improved mode: the beam width (HNSW's ef): the search ends when the best `ncandidates`
    /// documents scored so far have all been expanded.
    public var ncandidates: Int
    /// Maximum rounds (paper "Efficient 1": 16). A round of improved mode expands 4 documents.
    public var maxIter: Int
    /// Seed of the entry-point sample in paper mode (the authors' code: `random.seed(43)`).
    public var seed: UInt64

    /// Defaults: our mode with the setting that met recall@10 ≥ 0.95 at ≤ 20% scored on
    /// SciFact (5k documents); larger corpora want a wider beam (`ncandidates`), see the benchmark.
    public init(
        mode: ApproximateSearchMode = .improved, entryPoints: Int = 32, ncandidates: Int = 40,
        maxIter: Int = 400, seed: UInt64 = 43
    ) {
        self.mode = mode
        self.entryPoints = entryPoints
        self.ncandidates = ncandidates
        self.maxIter = maxIter
        self.seed = seed
    }

    /// Our mode with a beam sized for a corpus of `documents` (what the daemon uses when a
    /// search gives no `params`). A fixed beam loses recall as the corpus grows: (32, 40, 400)
    /// reached recall@10 0.96 on SciFact (5k) but 0.82 at 100k (BENCHMARKS.md). So the beam
    /// `ncandidates` grows as 160 · (N / 100k)^0.9: 160 at 100k, ≈ 1,270 at 1M, the sizes where
    /// recall@10 0.96 and 0.94 were measured. Below about 78k documents it stays at 128, because
    /// a smaller beam fell under 0.95 (40 gave 0.935 at 10k, 86 gave 0.92 at 50k) while scoring
    /// a small collection costs little anyway. Entry points are a quarter of the beam (32–512)
    /// and `maxIter` 8 beams, which the beam's own stopping rule reaches first in practice. The
    /// beam stops at 10,000 (about 9.9M documents), the most a request may ask for.
    public static func defaults(forDocuments documents: Int) -> ApproximateSearchParameters {
        let scale = pow(Double(max(1, documents)) / 100_000, 0.9)
        let beam = min(10_000, max(128, Int((160 * scale).rounded())))
        return ApproximateSearchParameters(
            mode: .improved, entryPoints: min(512, max(32, beam / 4)), ncandidates: beam, maxIter: 8 * beam)
    }

    /// The paper's "Efficient 1" setting.
    public static let paperEfficient1 = ApproximateSearchParameters(
        mode: .paper, entryPoints: 10_000,
        ncandidates: 64, maxIter: 16)
}

/// Hits of an approximate search and what it cost.
public struct ApproximateSearchResult: Sendable, Equatable {
    public let hits: [SearchHit]
    /// Distinct live documents the scorer was run on.
    public let documentsScored: Int
    /// Rounds of expansion performed.
    public let rounds: Int
}
