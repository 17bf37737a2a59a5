import CoreScheduling
import Foundation

/// Searching and scoring: each call takes one snapshot (and, for approximate search, the
/// graph published with it) under the state lock, then runs without locks.
extension DocumentIndex {
    /// The best `k` live documents for `scorer` (a query's q-net), by `method`, on one
    /// consistent snapshot, returned with that snapshot so each hit's text and metadata can
    /// be read as they were scored (`SearchResult.record(ofHit:)`). Deleted documents are never
    /// returned. `parallelism` spreads the scoring over its scheduler's threads: blocks of
    /// documents for exact search (the same blocks as serially, so the same results to the
    /// bit), each round's candidates for approximate search (smaller GEMMs, so scores equal
    /// to the serial ones up to float rounding, and the same traversal short of exact ties).
    /// - Throws: `IndexError.dimensionMismatch` if the scorer expects another dimension;
    ///   `.invalidArgument` for non-positive `entryPoints` or `ncandidates`, or a negative
    ///   `maxIter`.
    public func search(
        scorer: DocumentScorer, k: Int, method: SearchMethod, parallelism: Parallelism = .serial
    ) throws -> SearchResult {
        switch method {
        case .exact:
            let view = snapshot()
            let ranked = try view.rankedExactSearch(scorer: scorer, k: k, parallelism: parallelism)
            return SearchResult(ranked: ranked, documentsScored: view.count, rounds: 0, snapshot: view)
        case .approximate(let parameters):
            guard scorer.dimension == dimension else {
                throw IndexError.dimensionMismatch(expected: dimension, actual: scorer.dimension, context: "scorer")
            }
            guard parameters.entryPoints > 0 else {
                throw IndexError.invalidArgument("entryPoints must be positive, got \(parameters.entryPoints)")
            }
            guard parameters.ncandidates > 0 else {
                throw IndexError.invalidArgument("ncandidates must be positive, got \(parameters.ncandidates)")
            }
            guard parameters.maxIter >= 0 else {
                throw IndexError.invalidArgument("maxIter must not be negative, got \(parameters.maxIter)")
            }
            stateLock.lock()
            let view = published
            let graph = graphState.publishedGraph
            let entries = graphState.publishedEntries
            stateLock.unlock()
            let found = GraphSearch(
                snapshot: view, graph: graph, centroidEntries: entries, scorer: scorer, parallelism: parallelism
            )
            .run(k: k, parameters: parameters)
            return SearchResult(
                ranked: found.hits, documentsScored: found.documentsScored, rounds: found.rounds, snapshot: view)
        }
    }

    /// Exact top-`k` search over all live documents (see `IndexSnapshot.exactSearch`).
    public func exactSearch(scorer: DocumentScorer, k: Int, parallelism: Parallelism = .serial) throws -> [SearchHit] {
        try search(scorer: scorer, k: k, method: .exact, parallelism: parallelism).hits
    }

    /// Approximate top-`k` search over the neighbour graph: hits (best first, ties by id,
    /// like `exactSearch`), documents scored and rounds. Throws as `search` does.
    public func approximateSearch(
        scorer: DocumentScorer, k: Int,
        parameters: ApproximateSearchParameters = ApproximateSearchParameters(), parallelism: Parallelism = .serial
    ) throws -> ApproximateSearchResult {
        let found = try search(scorer: scorer, k: k, method: .approximate(parameters), parallelism: parallelism)
        return ApproximateSearchResult(hits: found.hits, documentsScored: found.documentsScored, rounds: found.rounds)
    }

    /// Scores the listed documents; nil for ids not in the index. One consistent view.
    public func score(ids: [String], scorer: DocumentScorer) throws -> [Float?] {
        stateLock.lock()
        let view = published
        let slots = ids.map { table.slot(of: $0) ?? -1 }
        stateLock.unlock()
        return try view.score(slots: slots, scorer: scorer)
    }
}
