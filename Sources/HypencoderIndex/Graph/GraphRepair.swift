/// Repairing the graph after deletes (FreshDiskANN's delete consolidation) and renumbering it
/// when the index drops dead slots (checkpoint files and `compact()`).
///
/// A deleted document stays a node until a repair: searches never return it but may walk
/// through it, so a few deletes cost nothing. Left alone, though, many dead nodes both waste
/// expansions and, once emptied, would cut paths. The repair gives every live node p that
/// links to a dead node d the live neighbours of d as candidates, prunes p's list back to
/// the degree bound, and then empties the dead nodes' lists, so no path through them is lost.
extension GraphBuilder {
    /// Repairs `graph` in place for every dead node not yet repaired.
    func repair(_ graph: inout NeighborGraph, rows: VectorRows, tombstones: TombstoneBitmap) {
        let nodes = graph.nodeCount
        var dead: [Int] = []
        for node in 0..<nodes where tombstones.isDead(node) && graph.neighbors(of: node).count > 0 { dead.append(node) }
        guard !dead.isEmpty else { return }
        prepareWorkers(rows: rows)
        graph.makeAllWritable()
        let writable = graph
        // Live nodes only write their own lists and only read dead nodes' lists (unchanged
        // until the end), so threads can share the chunks.
        parallel(nodes) { worker, node in
            guard !tombstones.isDead(node) else { return }
            let list = writable.neighbors(of: node)
            guard list.contains(where: { tombstones.isDead(Int($0)) }) else { return }
            var candidates = Set<Int32>()
            for neighbor in list {
                if !tombstones.isDead(Int(neighbor)) {
                    candidates.insert(neighbor)
                    continue
                }
                for second in writable.neighbors(of: Int(neighbor)) where !tombstones.isDead(Int(second)) {
                    candidates.insert(second)
                }
            }
            candidates.remove(Int32(node))
            var kept = Array(candidates)
            if kept.count > self.parameters.maxDegree {
                let scored = kept.map { (worker.reader.distance(node, Int($0)), $0) }.sorted { $0 < $1 }
                kept = self.prune(node, scored, worker: worker)
            }
            writable.setNeighbors(of: node, kept)
        }
        if graph.entryNode >= 0, tombstones.isDead(graph.entryNode) {
            graph.entryNode = Self.liveEntry(near: graph.entryNode, in: graph, tombstones: tombstones)
        }
        for node in dead { graph.setNeighbors(of: node, []) }
        graph.purgedCount = (0..<nodes).reduce(0) { $0 + (tombstones.isDead($1) ? 1 : 0) }
    }

    /// A live node to start insertions from: a live neighbour of `old`, else the first live node.
    static func liveEntry(near old: Int, in graph: NeighborGraph, tombstones: TombstoneBitmap) -> Int {
        if let neighbor = graph.neighbors(of: old).first(where: { !tombstones.isDead(Int($0)) }) { return Int(neighbor) }
        return (0..<graph.nodeCount).first { !tombstones.isDead($0) && graph.neighbors(of: $0).count > 0 }
            ?? (0..<graph.nodeCount).first { !tombstones.isDead($0) } ?? -1
    }

    /// The graph over `liveSlots` only, renumbered so that `liveSlots[i]` becomes node i (the
    /// numbering of checkpoint files and of a compacted store). Repairs first, on a copy.
    func renumbered(
        _ graph: NeighborGraph, liveSlots: [Int], rows: VectorRows,
        tombstones: TombstoneBitmap
    ) -> NeighborGraph {
        var repaired = graph
        repair(&repaired, rows: rows, tombstones: tombstones)
        var newNumber = [Int32](repeating: -1, count: max(repaired.nodeCount, rows.count))
        for (i, slot) in liveSlots.enumerated() where slot < newNumber.count { newNumber[slot] = Int32(i) }
        var result = NeighborGraph(maxDegree: graph.maxDegree, capacity: graph.capacity)
        result.grow(to: liveSlots.count)
        var mapped: [Int32] = []
        for (i, slot) in liveSlots.enumerated() {
            mapped.removeAll(keepingCapacity: true)
            for neighbor in repaired.neighbors(of: slot) where newNumber[Int(neighbor)] >= 0 {
                mapped.append(newNumber[Int(neighbor)])
            }
            result.setNeighbors(of: i, mapped)
        }
        if repaired.entryNode >= 0, repaired.entryNode < newNumber.count, newNumber[repaired.entryNode] >= 0 {
            result.entryNode = Int(newNumber[repaired.entryNode])
        } else {
            result.entryNode = liveSlots.isEmpty ? -1 : 0
        }
        return result
    }
}
