import CoreScheduling
import Foundation

/// A document as returned by `get` and iteration.
public struct StoredDocument: Sendable, Equatable {
    public let id: String
    /// The vector widened to f32 (exact for f32 storage, rounded for f16/bf16).
    public let vector: [Float]
    public let metadata: [UInt8]?
    public let text: String?
}

/// An immutable, consistent view of the index at one moment: every update either fully
/// visible or not at all. Taking one is O(1) amortised (see `DocumentIndex` for why); a
/// search runs entirely on one snapshot while the writer goes on.
///
/// Exact search scans the snapshot's rows; approximate search walks the neighbour graph
/// published with the snapshot (`DocumentIndex.search`) and scores candidate slots here. Both
/// hand rows to the scorer through `BlockScorer`, and both rank `RankedHit`s, so a
/// `SearchResult` can read each hit's text and metadata from this same snapshot.
public struct IndexSnapshot: Sendable {
    let rows: VectorRows
    let records: SlotRecords
    let tombstones: TombstoneBitmap
    /// Live documents.
    public let count: Int
    public var dimension: Int { rows.dimension }
    /// Slots ever assigned (live + dead) — the range graph search addresses.
    public var slotCount: Int { rows.count }
    let blockRows: Int
    /// Bounds for reading payloads back (the same the index enforces on recovery).
    let limits: IndexLimits

    public func isLive(slot: Int) -> Bool { slot >= 0 && slot < rows.count && !tombstones.isDead(slot) }

    /// Slot `slot`'s document, its metadata and text read from the index's files.
    func document(at slot: Int) throws -> StoredDocument {
        let record = try self.record(at: slot)
        return StoredDocument(id: record.id, vector: rows.vector(slot), metadata: record.metadata, text: record.text)
    }

    /// Slot `slot`'s id, metadata and text (read from the index's files; the text only if
    /// `text`, since it may be megabytes).
    func record(at slot: Int, text: Bool = true) throws -> DocumentRecord {
        try records[slot].load(limits: limits, text: text)
    }

    /// Calls `body` for each live document in slot order.
    public func forEachDocument(_ body: (StoredDocument) throws -> Void) throws {
        for slot in 0..<rows.count where !tombstones.isDead(slot) {
            try body(document(at: slot))
        }
    }

    /// Calls `body` with the id, metadata and (if `text`) text of each live document in slot
    /// order, without widening its vector (cheaper than `forEachDocument` when only records matter).
    public func forEachRecord(text: Bool = true, _ body: (DocumentRecord) throws -> Void) throws {
        for slot in 0..<rows.count where !tombstones.isDead(slot) {
            try body(record(at: slot, text: text))
        }
    }

    /// The ids of live documents in slot order (cheaper than `forEachDocument`).
    public func ids() -> [String] {
        (0..<rows.count).compactMap { tombstones.isDead($0) ? nil : records[$0].id }
    }

    private func checkScorer(_ scorer: DocumentScorer) throws {
        guard scorer.dimension == dimension else {
            throw IndexError.dimensionMismatch(expected: dimension, actual: scorer.dimension, context: "scorer")
        }
    }

    /// A block scorer over this snapshot's rows, for one thread.
    func blockScorer(_ scorer: DocumentScorer) -> BlockScorer {
        BlockScorer(rows: rows, scorer: scorer, blockRows: blockRows)
    }

    /// Scores every live document, one scorer call per block of rows, and returns the best
    /// `k` by score (ties by ascending id). Dead rows in a block are scored and dropped:
    /// cheaper than gathering live rows, and `compact()` bounds the waste.
    ///
    /// `parallelism` spreads the blocks over its scheduler's threads, one block per piece
    /// with its own top-k, merged at the end; results are identical to a serial search (the
    /// heaps order ties by id). The scorer should be single-threaded (the daemon sets BLAS to
    /// one thread per call): the cores are shared by splitting the documents, not the GEMMs.
    public func exactSearch(scorer: DocumentScorer, k: Int, parallelism: Parallelism = .serial) throws -> [SearchHit] {
        try rankedExactSearch(scorer: scorer, k: k, parallelism: parallelism).map(\.hit)
    }

    /// `exactSearch` with each hit's slot in this snapshot.
    func rankedExactSearch(scorer: DocumentScorer, k: Int, parallelism: Parallelism) throws -> [RankedHit] {
        try checkScorer(scorer)
        guard k > 0, count > 0 else { return [] }
        let blocks = rows.blocks(maxRows: max(1, blockRows))
        // One piece per block when several threads may help: a block is one q-net pass (a few
        // milliseconds), small enough that a search beside it waits little.
        let pieces = parallelism.width == 1 ? 1 : blocks.count
        let heaps = ShareResults(count: pieces)
        parallelism.forEach(pieces) { piece in
            let range = (blocks.count * piece / pieces)..<(blocks.count * (piece + 1) / pieces)
            heaps.store(piece, searchBlocks(blocks[range], scorer: scorer, k: k))
        }
        var merged = TopKHeap(k: k)
        for heap in heaps.all {
            for ranked in heap.heap { merged.offer(id: ranked.hit.id, score: ranked.hit.score, slot: ranked.slot) }
        }
        return merged.ranked()
    }

    private func searchBlocks(_ blocks: ArraySlice<VectorRows.Block>, scorer: DocumentScorer, k: Int) -> TopKHeap {
        var top = TopKHeap(k: k)
        let blockScorer = blockScorer(scorer)
        for block in blocks {
            blockScorer.score(block) { slot, score in
                if top.rejects(score.isNaN ? -.infinity : score) || tombstones.isDead(slot) { return }
                top.offer(id: records[slot].id, score: score, slot: slot)
            }
        }
        return top
    }

    /// Scores the given slots (dead or out-of-range slots get nil), gathering their rows into
    /// blocks so the scorer still sees up to `blockRows` documents per call.
    public func score(slots: [Int], scorer: DocumentScorer) throws -> [Float?] {
        try checkScorer(scorer)
        var result = [Float?](repeating: nil, count: slots.count)
        let wanted = slots.indices.filter { isLive(slot: slots[$0]) }
        blockScorer(scorer).score(slots: wanted.map { slots[$0] }) { position, score in
            result[wanted[position]] = score
        }
        return result
    }
}

/// One result slot per piece, written by the thread that ran it.
private final class ShareResults: @unchecked Sendable {
    private let lock = NSLock()
    private var heaps: [TopKHeap?]
    init(count: Int) { heaps = Array(repeating: nil, count: count) }
    func store(_ share: Int, _ heap: TopKHeap) {
        lock.lock()
        heaps[share] = heap
        lock.unlock()
    }
    var all: [TopKHeap] {
        lock.lock()
        defer { lock.unlock() }
        return heaps.compactMap { $0 }
    }
}
