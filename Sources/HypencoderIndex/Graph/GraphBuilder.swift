import Foundation

/// Builds the neighbour graph incrementally: a new node's neighbours are found by a greedy
/// beam search over the graph by L2 distance, pruned to the degree bound, and linked both
/// ways (FreshDiskANN's insert). Only the index's writer thread calls it.
///
/// Batches are inserted in parallel the way ParlayANN builds Vamana: every node of a batch
/// searches the graph *as it was before the batch* (read-only, so `buildThreads` threads
/// share it without locks), then the back-links are added grouped by target node, each
/// target written by exactly one thread. Nodes of one batch do not see each other, so a
/// batch is kept to a tenth of the nodes already linked (prefix doubling) — early nodes go
/// one at a time, later ones 1024 at a time.
final class GraphBuilder {
    let parameters: GraphParameters
    private var workers: [BuildWorker] = []

    init(parameters: GraphParameters) { self.parameters = parameters }

    /// Inserts `slots` (new, ascending) into `graph`; `rows` must contain them.
    /// `tombstones` marks dead slots: they may be passed through but are never linked to.
    func insert(_ slots: [Int], into graph: inout NeighborGraph, rows: VectorRows, tombstones: TombstoneBitmap) {
        guard let last = slots.max() else { return }
        graph.grow(to: max(last + 1, rows.count))
        prepareWorkers(rows: rows)
        var next = 0
        var linked = graph.nodeCount - slots.count - graph.purgedCount
        if graph.entryNode < 0 {
            graph.makeWritable([slots[0]])
            graph.entryNode = slots[0]
            next = 1
            linked = 1
        }
        while next < slots.count {
            let size = min(slots.count - next, max(1, min(1024, linked / 10)))
            insertBatch(Array(slots[next..<(next + size)]), into: &graph, tombstones: tombstones)
            next += size
            linked += size
        }
    }

    func prepareWorkers(rows: VectorRows) {
        let threads = max(1, parameters.buildThreads)
        while workers.count < threads { workers.append(BuildWorker(rows: rows)) }
        for worker in workers { worker.reader.rows = rows }
    }

    private func insertBatch(_ batch: [Int], into graph: inout NeighborGraph, tombstones: TombstoneBitmap) {
        // 1. Out-neighbours of each new node, against the frozen graph (parallel, read-only).
        let found = BatchResults(count: batch.count)
        let frozen = graph
        parallel(batch.count) { worker, i in
            let node = batch[i]
            let candidates = self.search(from: frozen, toward: node, worker: worker, tombstones: tombstones)
            found.lists[i] = self.prune(node, candidates, worker: worker)
        }
        // 2. Write them and group the back-links by target.
        var incoming: [Int: [Int32]] = [:]
        for (i, node) in batch.enumerated() {
            for target in found.lists[i] { incoming[Int(target), default: []].append(Int32(node)) }
        }
        graph.makeWritable(batch)
        graph.makeWritable(incoming.keys)
        for (i, node) in batch.enumerated() { graph.setNeighbors(of: node, found.lists[i]) }
        // 3. Back-links: append while there is room, prune when a list overflows. Each target
        //    is written by one thread only.
        let targets = Array(incoming)
        let writable = graph
        parallel(targets.count) { worker, i in
            let (target, sources) = targets[i]
            var pending = sources[...]
            while let source = pending.first, writable.append(source, to: target) { pending.removeFirst() }
            guard !pending.isEmpty else { return }
            var candidates = Array(writable.neighbors(of: target)) + pending
            candidates = Array(Set(candidates)).filter { Int($0) != target }
            let scored = candidates.map { (worker.reader.distance(target, Int($0)), $0) }.sorted { $0 < $1 }
            writable.setNeighbors(of: target, self.prune(target, scored, worker: worker))
        }
    }

    /// Greedy beam search by L2 from the entry node toward the vector of `node`; returns the
    /// best `efConstruction` live nodes found, nearest first.
    func search(
        from graph: NeighborGraph, toward node: Int, worker: BuildWorker,
        tombstones: TombstoneBitmap
    ) -> [(Float, Int32)] {
        let reader = worker.reader
        let query = worker.query
        query.update(from: reader.row(node), count: reader.dimension)
        let width = max(parameters.efConstruction, parameters.maxDegree)
        worker.visited.reset(capacity: graph.nodeCount)
        var beam: [(distance: Float, node: Int32, expanded: Bool)] = []
        beam.reserveCapacity(width + 1)
        let start = graph.entryNode
        worker.visited.insert(node)
        if start >= 0, start != node, worker.visited.insert(start) {
            beam.append((reader.distance(UnsafePointer(query), start), Int32(start), false))
        }
        while let current = beam.firstIndex(where: { !$0.expanded }) {
            beam[current].expanded = true
            for neighbor in graph.neighbors(of: Int(beam[current].node)) where worker.visited.insert(Int(neighbor)) {
                let d = reader.distance(UnsafePointer(query), Int(neighbor))
                if beam.count >= width, d >= beam[beam.count - 1].distance { continue }
                var low = 0
                var high = beam.count
                while low < high {
                    let mid = (low + high) / 2
                    if beam[mid].distance <= d { low = mid + 1 } else { high = mid }
                }
                beam.insert((d, neighbor, false), at: low)
                if beam.count > width { beam.removeLast() }
            }
        }
        return beam.compactMap { tombstones.isDead(Int($0.node)) ? nil : ($0.distance, $0.node) }
    }

    /// Robust pruning (Vamana): walk the candidates nearest first and keep one unless an
    /// already kept neighbour r is α-closer to it (α·d(r, c) ≤ d(p, c)), up to `maxDegree`.
    /// Dropping candidates that a kept neighbour already "covers" leaves room for edges in
    /// other directions, which is what keeps greedy search from getting stuck.
    func prune(_ node: Int, _ candidates: [(Float, Int32)], worker: BuildWorker) -> [Int32] {
        var kept: [Int32] = []
        kept.reserveCapacity(parameters.maxDegree)
        let alpha = parameters.alpha
        for (distance, candidate) in candidates where Int(candidate) != node {
            if kept.count == parameters.maxDegree { break }
            var covered = false
            for neighbor in kept where alpha * worker.reader.distance(Int(neighbor), Int(candidate)) <= distance {
                covered = true
                break
            }
            if !covered && !kept.contains(candidate) { kept.append(candidate) }
        }
        return kept
    }

    /// Runs `body(worker, i)` for i in 0..<count on up to `buildThreads` threads, each with its
    /// own worker (scratch buffers and visited set).
    func parallel(_ count: Int, _ body: (BuildWorker, Int) -> Void) {
        let threads = min(workers.count, count)
        if threads <= 1 {
            for i in 0..<count { body(workers[0], i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = UnsafeSendable(body)
            let workers = UnsafeSendable(self.workers)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                var i = t
                while i < count {
                    work.value(workers.value[t], i)
                    i += threads
                }
            }
        }
    }
}

/// Scratch space of one build thread.
final class BuildWorker {
    let reader: RowReader
    let query: UnsafeMutablePointer<Float>
    var visited = VisitedSet(capacity: 0)

    init(rows: VectorRows) {
        reader = RowReader(rows: rows)
        query = .allocate(capacity: rows.dimension)
    }

    deinit { query.deallocate() }
}

/// Per-item results written by parallel workers, each item by one worker only.
final class BatchResults: @unchecked Sendable {
    let lists: UnsafeMutableBufferPointer<[Int32]>
    init(count: Int) {
        lists = .allocate(capacity: count)
        lists.initialize(repeating: [])
    }
    deinit {
        lists.baseAddress?.deinitialize(count: lists.count)
        lists.deallocate()
    }
}

/// Hands a non-Sendable value to `concurrentPerform` whose users guarantee disjoint access.
struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
