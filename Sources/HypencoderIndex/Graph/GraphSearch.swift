import CoreScheduling

/// Approximate top-k search with a query's q-net over the neighbour graph (the paper's
/// Section 3.6 traversal, and our variant). Runs on one index snapshot and the graph
/// published with it, without locks; rows reach the scorer through `BlockScorer`, as in
/// exact search.
///
/// Paper mode, as the authors' code runs it (DESIGN.md §3):
///   score a fixed seeded sample of `entryPoints` documents → frontier;
///   each round: take the best `ncandidates` of the frontier, offer them to the top-k heap;
///   stop if none entered it or `maxIter` rounds were done; otherwise the frontier becomes the
///   unvisited neighbours of those candidates, scored.
///
/// Improved mode: centroid entry points (see `EntryPoints`), then best-first search with a
/// beam of the `ncandidates` best documents scored so far (HNSW's ef): each round expands the
/// best 4 beam members not yet expanded, and the search ends when the beam has none left.
/// Measured on SciFact/MiniLM with the tests' q-net stand-in (100 queries, recall@10 against
/// exact): ours (32 entries, beam 40) 0.964 at 788 documents scored (15% of 5183); the paper's
/// traversal needs 1133 (22%) for 0.970 (200 entries, ncandidates 16) and reaches 0.941 at
/// 742 (100 entries, ncandidates 8). Larger corpora: see Benchmarks/IndexBenchmarks.
///
/// Dead (deleted) nodes are never scored or returned; when one is met its live neighbours
/// are taken in its place, so tombstones do not cut paths before a repair.
///
/// Across cores: each round's documents are scored in pieces of at least
/// `minimumPieceRows` (a round is a few hundred documents: 4 × degree, or the entry points),
/// every piece with its own `BlockScorer`; the traversal itself stays on the calling thread.
struct GraphSearch {
    let snapshot: IndexSnapshot
    let graph: NeighborGraph
    let centroidEntries: [Int32]
    let scorer: DocumentScorer
    var parallelism: Parallelism = .serial

    /// Fewer rows than this per piece and the scheduler's hand-off and the smaller GEMMs
    /// cost more than the second core gives back.
    static let minimumPieceRows = 32

    private struct Candidate {
        let score: Float
        let slot: Int
    }

    /// Improved mode: nodes expanded per round, so one scorer call sees a block of about
    /// 4 × degree documents (a small GEMM) rather than one node's neighbours at a time.
    static let expansionsPerRound = 4

    private static func better(_ a: Candidate, _ b: Candidate) -> Bool {
        a.score > b.score || (a.score == b.score && a.slot < b.slot)
    }

    /// The best `k` with their slots in `snapshot`, documents scored and rounds run.
    func run(k: Int, parameters: ApproximateSearchParameters) -> (hits: [RankedHit], documentsScored: Int, rounds: Int) {
        guard k > 0, snapshot.count > 0 else { return ([], 0, 0) }
        var visited = VisitedSet(capacity: snapshot.slotCount)
        visited.reset(capacity: snapshot.slotCount)
        var entries =
            parameters.mode == .paper
            ? []
            : centroidEntries.lazy.map { Int($0) }
                .filter { snapshot.isLive(slot: $0) }.prefix(parameters.entryPoints).map { $0 }
        if entries.count < parameters.entryPoints {
            // Paper mode, or too few centroid entries: the seeded random sample (fills up).
            let sample = EntryPoints.seededSample(
                count: parameters.entryPoints, slotCount: snapshot.slotCount,
                seed: parameters.seed, isLive: snapshot.isLive(slot:))
            let already = Set(entries)
            for slot in sample where entries.count < parameters.entryPoints && !already.contains(slot) { entries.append(slot) }
        }
        for slot in entries { visited.insert(slot) }
        let blocks = (0..<max(1, parallelism.width)).map { _ in snapshot.blockScorer(scorer) }
        var top = TopKHeap(k: k)
        let width = max(1, parameters.ncandidates)
        var rounds = 0
        var frontier = score(entries, with: blocks)

        switch parameters.mode {
        case .paper:
            while true {
                frontier.sort(by: Self.better)
                let best = frontier.prefix(width)
                var entered = false
                for candidate in best { entered = offer(candidate, to: &top) || entered }
                if !entered || rounds >= parameters.maxIter { break }
                let next = unvisitedNeighbors(of: best.map(\.slot), visited: &visited)
                if next.isEmpty { break }
                frontier = score(next, with: blocks)
                rounds += 1
            }
        case .improved:
            // Best-first with a beam of `ncandidates` (HNSW's ef): each round expands the
            // best `expansionsPerRound` not-yet-expanded documents among the `ncandidates`
            // best scored so far; the search ends when every one of those has been expanded.
            for candidate in frontier { _ = offer(candidate, to: &top) }
            var beam = frontier.sorted(by: Self.better)
            if beam.count > width { beam.removeLast(beam.count - width) }
            var expanded = Set<Int>()
            while rounds < parameters.maxIter {
                let chosen = Array(beam.lazy.filter { !expanded.contains($0.slot) }.prefix(Self.expansionsPerRound).map(\.slot))
                if chosen.isEmpty { break }
                expanded.formUnion(chosen)
                rounds += 1
                let scored = score(unvisitedNeighbors(of: chosen, visited: &visited), with: blocks)
                for candidate in scored { _ = offer(candidate, to: &top) }
                beam.append(contentsOf: scored)
                beam.sort(by: Self.better)
                if beam.count > width { beam.removeLast(beam.count - width) }
            }
        }
        return (top.ranked(), blocks.reduce(0) { $0 + $1.documentsScored }, rounds)
    }

    /// Offers a candidate to the heap; true if it entered.
    private func offer(_ candidate: Candidate, to top: inout TopKHeap) -> Bool {
        let score = candidate.score.isNaN ? -Float.infinity : candidate.score
        if top.rejects(score) { return false }
        return top.offer(id: snapshot.records[candidate.slot].id, score: score, slot: candidate.slot)
    }

    /// Live, unvisited out-neighbours of `nodes`, in order; a dead neighbour is replaced by
    /// its own live unvisited neighbours (one hop).
    private func unvisitedNeighbors(of nodes: [Int], visited: inout VisitedSet) -> [Int] {
        var result: [Int] = []
        for node in nodes {
            for neighbor in graph.neighbors(of: node) where visited.insert(Int(neighbor)) {
                if snapshot.isLive(slot: Int(neighbor)) {
                    result.append(Int(neighbor))
                    continue
                }
                for second in graph.neighbors(of: Int(neighbor))
                where snapshot.isLive(slot: Int(second)) && visited.insert(Int(second)) {
                    result.append(Int(second))
                }
            }
        }
        return result
    }

    /// Scores `slots` through the search's `BlockScorer`s (one per piece, the helper exact
    /// search uses too, whose buffers serve every round), in slot order.
    private func score(_ slots: [Int], with blocks: [BlockScorer]) -> [Candidate] {
        let pieces = max(1, min(blocks.count, slots.count / Self.minimumPieceRows))
        let scores = UnsafeMutableBufferPointer<Float>.allocate(capacity: slots.count)
        defer { scores.deallocate() }
        parallelism.forEach(pieces) { piece in
            let range = (slots.count * piece / pieces)..<(slots.count * (piece + 1) / pieces)
            blocks[piece].score(slots: Array(slots[range])) { position, score in scores[range.lowerBound + position] = score }
        }
        return slots.indices.map { Candidate(score: scores[$0], slot: slots[$0]) }
    }
}
