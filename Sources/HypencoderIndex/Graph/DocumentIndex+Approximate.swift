import Foundation

/// The neighbour graph's state inside a `DocumentIndex`.
///
/// The writer thread owns `graph` and `entries` and changes them as documents come and go;
/// `publish()` (called with the index's state lock held, together with the snapshot) hands
/// readers a copy. A copy costs one reference per 256 nodes, and the writer's next change to
/// a chunk a reader still holds copies that chunk first (see `NeighborGraph`), so a search
/// always sees the graph exactly as it was when its snapshot was published — never half an
/// insertion or repair. This was chosen over a versioned read lock because a search may run
/// for a long time and must never hold up the writer, and vice versa.
final class GraphState: @unchecked Sendable {
    let parameters: GraphParameters
    let builder: GraphBuilder
    var graph: NeighborGraph
    /// Centroid entry points (improved mode) and the node count they were computed for.
    var entries: [Int32] = []
    var entriesComputedAt = 0
    /// Read by searches; written only in `publish()` under the index's state lock.
    private(set) var publishedGraph: NeighborGraph
    private(set) var publishedEntries: [Int32] = []

    init(parameters: GraphParameters) {
        self.parameters = parameters
        builder = GraphBuilder(parameters: parameters)
        graph = NeighborGraph(maxDegree: parameters.maxDegree, capacity: parameters.capacity)
        publishedGraph = graph
    }

    func publish() {
        publishedGraph = graph
        publishedEntries = entries
    }

    /// Recomputes the centroid entry points when the graph has doubled since the last time
    /// (so their cost stays proportional to the insertions).
    func refreshEntriesIfGrown(rows: VectorRows, tombstones: TombstoneBitmap, force: Bool = false) {
        // Every dead slot is a graph node (slots die only after they are linked in).
        let live = graph.nodeCount - tombstones.count
        guard force || live >= 2 * entriesComputedAt || (entries.isEmpty && live > 0) else { return }
        let clusters = min(parameters.entryClusters, max(1, live / 64))
        entries = EntryPoints.centroidEntries(
            rows: rows, isLive: { !tombstones.isDead($0) }, clusters: clusters,
            sampleSize: min(live, 16 * clusters))
        entriesComputedAt = max(1, live)
    }
}

extension DocumentIndex {
    /// Nodes, edges and bytes of the published graph (for benchmarks and tests; counting the
    /// edges walks every node, so `index/stats` uses `graphBytes`).
    public var graphStatistics: (nodes: Int, edges: Int, bytes: Int) {
        let graph = publishedGraph
        let edges = (0..<graph.nodeCount).reduce(0) { $0 + graph.neighbors(of: $1).count }
        return (graph.nodeCount, edges, graph.memoryBytes)
    }

    /// Bytes the published graph holds in memory, in constant time.
    public var graphBytes: Int { publishedGraph.memoryBytes }

    private var publishedGraph: NeighborGraph {
        stateLock.lock()
        defer { stateLock.unlock() }
        return graphState.publishedGraph
    }

    // MARK: Hooks called by apply, compact, checkpoint and open

    /// Links freshly appended slots into the writer's graph (not yet published).
    func insertIntoGraph(_ slots: [Int]) {
        let rows = store.rows
        graphState.builder.insert(slots, into: &graphState.graph, rows: rows, tombstones: table.tombstones)
        graphState.refreshEntriesIfGrown(rows: rows, tombstones: table.tombstones)
    }

    /// Repairs the graph once deleted-but-unrepaired nodes pass `repairThreshold` of the
    /// nodes, then publishes. Writer thread.
    func repairGraphIfNeeded() {
        let state = graphState
        let dead = table.records.count - table.liveCount - state.graph.purgedCount
        guard state.graph.nodeCount > 0,
            Double(dead) > state.parameters.repairThreshold * Double(state.graph.nodeCount)
        else { return }
        let rows = store.rows
        state.builder.repair(&state.graph, rows: rows, tombstones: table.tombstones)
        state.refreshEntriesIfGrown(rows: rows, tombstones: table.tombstones, force: true)
        stateLock.lock()
        publishLocked()
        stateLock.unlock()
    }

    /// The writer's graph renumbered for a compacted store holding `liveSlots` of `view`.
    func compactGraph(liveSlots: [Int], view: IndexSnapshot) {
        let state = graphState
        state.graph = GraphBuilder(parameters: state.parameters)
            .renumbered(state.graph, liveSlots: liveSlots, rows: view.rows, tombstones: view.tombstones)
        state.entries = Self.renumber(state.entries, liveSlots: liveSlots)
    }

    /// The file bytes of the published graph renumbered for a checkpoint of `liveSlots`.
    /// Runs beside the writer on its own builder (the writer's keeps its scratch).
    func checkpointGraphFile(view: IndexSnapshot, graph: NeighborGraph, entries: [Int32], liveSlots: [Int]) -> [UInt8] {
        let renumbered = GraphBuilder(parameters: graphState.parameters)
            .renumbered(graph, liveSlots: liveSlots, rows: view.rows, tombstones: view.tombstones)
        return GraphFile.encode(renumbered, entries: Self.renumber(entries, liveSlots: liveSlots))
    }

    private static func renumber(_ entries: [Int32], liveSlots: [Int]) -> [Int32] {
        var position: [Int: Int32] = [:]
        for (i, slot) in liveSlots.enumerated() { position[slot] = Int32(i) }
        return entries.compactMap { position[Int($0)] }
    }

    /// At open, before log replay: loads `graph-<generation>.bin`, or rebuilds the graph from
    /// the checkpoint's vectors if it is missing or damaged, and says so through `IndexOptions.log`.
    func loadGraph(generation: Int) {
        let path = directory + "/" + GraphFile.name(generation)
        let rows = store.rows
        let state = graphState
        var damage: String?  // nil: the file is missing
        if Directory.exists(path) {
            do {
                let bytes = try PosixFile.openForReading(path).readAll()
                let (graph, entries) = try GraphFile.decode(bytes, path: path, nodes: rows.count, parameters: state.parameters)
                state.graph = graph
                state.entries = entries
                state.entriesComputedAt = rows.count
                stateLock.lock()
                publishLocked()
                stateLock.unlock()
                return
            } catch {
                damage = "\(error)"
            }
        }
        state.graph = NeighborGraph(maxDegree: state.parameters.maxDegree, capacity: state.parameters.capacity)
        if rows.count > 0 {
            let started = Date()
            state.builder.insert(Array(0..<rows.count), into: &state.graph, rows: rows, tombstones: table.tombstones)
            state.refreshEntriesIfGrown(rows: rows, tombstones: table.tombstones, force: true)
            let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
            options.log(
                damage == nil ? .info : .warning,
                "graph file \(path) \(damage.map { "unreadable (\($0))" } ?? "missing"); rebuilt the neighbour graph for \(rows.count) documents in \(seconds) s"
            )
        }
        stateLock.lock()
        publishLocked()
        stateLock.unlock()
    }
}
