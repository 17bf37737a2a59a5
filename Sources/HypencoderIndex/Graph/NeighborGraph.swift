/// A directed graph over vector slots: each node (slot) lists up to `capacity` out-neighbours
/// by slot number. Node n is slot n of the index; dead slots stay in the graph as nodes (a
/// traversal may pass through them) until a repair empties their lists.
///
/// Storage: fixed-size chunks of `chunkNodes` nodes, each a flat `capacity`-wide array of
/// `Int32` ids plus a count per node. Copying the graph copies only the list of chunk
/// references, so the index can publish a graph with every snapshot; the writer's first
/// change to a chunk that a snapshot still shares copies that one chunk (copy-on-write),
/// never the whole graph. Readers therefore never see a half-written neighbour list.
///
/// `capacity` is `maxDegree` plus slack: a list may grow past the degree bound up to the
/// capacity before it is pruned back to `maxDegree` (DiskANN's "slack"), which makes
/// pruning, the expensive step of an insertion, several times rarer.
struct NeighborGraph: @unchecked Sendable {
    static let chunkNodes = 256

    /// Neighbour lists of `chunkNodes` consecutive nodes in raw memory, so that build threads
    /// can write the lists of *different* nodes in one chunk at the same time.
    final class Chunk: @unchecked Sendable {
        let capacity: Int
        let ids: UnsafeMutablePointer<Int32>
        let counts: UnsafeMutablePointer<UInt16>

        init(capacity: Int) {
            self.capacity = capacity
            ids = .allocate(capacity: NeighborGraph.chunkNodes * capacity)
            counts = .allocate(capacity: NeighborGraph.chunkNodes)
            counts.initialize(repeating: 0, count: NeighborGraph.chunkNodes)
        }

        func copy() -> Chunk {
            let fresh = Chunk(capacity: capacity)
            fresh.ids.update(from: ids, count: NeighborGraph.chunkNodes * capacity)
            fresh.counts.update(from: counts, count: NeighborGraph.chunkNodes)
            return fresh
        }

        deinit {
            ids.deallocate()
            counts.deallocate()
        }
    }

    /// Out-degree every list is pruned back to (the literature's R).
    let maxDegree: Int
    /// Room per list before pruning is forced (≥ `maxDegree`).
    let capacity: Int
    private(set) var nodeCount = 0
    private var chunks: [Chunk] = []
    /// Where insertions start their search; -1 while the graph has no linked node.
    var entryNode = -1
    /// Dead nodes whose lists a repair has already emptied and unlinked.
    var purgedCount = 0

    init(maxDegree: Int, capacity: Int) {
        self.maxDegree = max(1, maxDegree)
        self.capacity = max(self.maxDegree, min(capacity, Int(UInt16.max)))
    }

    /// Bytes held by neighbour lists (for statistics and the benchmark's memory figure).
    var memoryBytes: Int { chunks.count * Self.chunkNodes * (capacity * 4 + 2) }

    /// Adds empty nodes up to `count` (nodes are never removed, only emptied).
    mutating func grow(to count: Int) {
        while chunks.count * Self.chunkNodes < count { chunks.append(Chunk(capacity: capacity)) }
        nodeCount = max(nodeCount, count)
    }

    /// The out-neighbours of `node`; valid while this graph value is alive and unchanged.
    @inline(__always)
    func neighbors(of node: Int) -> UnsafeBufferPointer<Int32> {
        guard node >= 0, node < nodeCount else { return UnsafeBufferPointer(start: nil, count: 0) }
        let chunk = chunks[node / Self.chunkNodes]
        let index = node % Self.chunkNodes
        return UnsafeBufferPointer(start: chunk.ids + index * capacity, count: Int(chunk.counts[index]))
    }

    /// Gives the writer its own copy of every chunk holding one of `nodes` that a snapshot
    /// still shares. Call before `setNeighbors`/`append` (which then never copy), and before
    /// writing from several threads.
    mutating func makeWritable<S: Sequence>(_ nodes: S) where S.Element == Int {
        for node in nodes { makeChunkWritable(node / Self.chunkNodes) }
    }

    /// Copy-on-write for every chunk.
    mutating func makeAllWritable() {
        for c in chunks.indices { makeChunkWritable(c) }
    }

    private mutating func makeChunkWritable(_ c: Int) {
        guard c < chunks.count else { return }
        if !isKnownUniquelyReferenced(&chunks[c]) { chunks[c] = chunks[c].copy() }
    }

    /// Replaces the list of `node` (truncated to `capacity`). The node's chunk must have been
    /// made writable; distinct nodes may be set from different threads.
    func setNeighbors(of node: Int, _ list: UnsafeBufferPointer<Int32>) {
        let chunk = chunks[node / Self.chunkNodes]
        let index = node % Self.chunkNodes
        let n = min(list.count, capacity)
        if n > 0, let base = list.baseAddress { (chunk.ids + index * capacity).update(from: base, count: n) }
        chunk.counts[index] = UInt16(n)
    }

    func setNeighbors(of node: Int, _ list: [Int32]) {
        list.withUnsafeBufferPointer { setNeighbors(of: node, $0) }
    }

    /// Appends `neighbor` to `node`'s list if there is room; returns false when full.
    /// Same writability rule as `setNeighbors`.
    func append(_ neighbor: Int32, to node: Int) -> Bool {
        let chunk = chunks[node / Self.chunkNodes]
        let index = node % Self.chunkNodes
        let n = Int(chunk.counts[index])
        guard n < capacity else { return false }
        chunk.ids[index * capacity + n] = neighbor
        chunk.counts[index] = UInt16(n + 1)
        return true
    }
}
