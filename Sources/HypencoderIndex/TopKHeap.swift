/// One search result.
public struct SearchHit: Sendable, Equatable {
    public let id: String
    public let score: Float

    public init(id: String, score: Float) {
        self.id = id
        self.score = score
    }
}

/// A hit and the slot it was scored at. A slot means something only inside the snapshot that
/// was searched (an update moves a document to a new slot, compaction renumbers them all), so
/// slots leave the index only inside a `SearchResult`, next to that snapshot.
struct RankedHit: Sendable {
    let hit: SearchHit
    let slot: Int
}

/// Keeps the best `k` hits seen so far in a binary min-heap whose root is the worst kept hit,
/// so each new score is compared with the root in O(1) and most are rejected there.
///
/// Order (also the result order): higher score first; equal scores by ascending id, so
/// results are deterministic whatever the storage order. NaN scores count as −∞.
struct TopKHeap {
    let k: Int
    private(set) var heap: [RankedHit] = []

    init(k: Int) {
        self.k = max(k, 0)
        heap.reserveCapacity(min(self.k, 1 << 16))
    }

    /// True if `a` ranks below `b`.
    static func ranksBelow(_ a: SearchHit, _ b: SearchHit) -> Bool {
        a.score < b.score || (a.score == b.score && a.id > b.id)
    }

    /// A hit with this score cannot enter the heap (cheap pre-check before fetching its id).
    func rejects(_ score: Float) -> Bool {
        heap.count == k && (k == 0 || score < heap[0].hit.score)
    }

    /// Offers the document at `slot` (-1 when the caller has no slot, as tests' reference
    /// rankings do not). Returns whether it entered the heap.
    @discardableResult
    mutating func offer(id: String, score rawScore: Float, slot: Int = -1) -> Bool {
        guard k > 0 else { return false }
        let ranked = RankedHit(hit: SearchHit(id: id, score: rawScore.isNaN ? -.infinity : rawScore), slot: slot)
        if heap.count < k {
            heap.append(ranked)
            siftUp(heap.count - 1)
        } else if Self.ranksBelow(heap[0].hit, ranked.hit) {
            heap[0] = ranked
            siftDown(0)
        } else {
            return false
        }
        return true
    }

    /// The kept hits with their slots, best first.
    func ranked() -> [RankedHit] {
        heap.sorted { Self.ranksBelow($1.hit, $0.hit) }
    }

    /// The kept hits, best first.
    func sorted() -> [SearchHit] { ranked().map(\.hit) }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.ranksBelow(heap[child].hit, heap[parent].hit) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var worst = parent
            if left < heap.count, Self.ranksBelow(heap[left].hit, heap[worst].hit) { worst = left }
            if right < heap.count, Self.ranksBelow(heap[right].hit, heap[worst].hit) { worst = right }
            guard worst != parent else { return }
            heap.swapAt(parent, worst)
            parent = worst
        }
    }
}
