/// Feeds one snapshot's rows to a `DocumentScorer` a block at a time: the one place where
/// stored rows become scorer input, for exact search, graph search and scoring by slot.
///
/// A scorer is fastest on many rows at once (a q-net layer is then one GEMM per block), so
/// rows are handed over in blocks of up to `blockRows`:
/// - a run of consecutive rows (exact search) is passed in place when stored as f32, or
///   widened into the buffer when stored as f16/bf16;
/// - listed slots (graph search's candidates, `IndexSnapshot.score(slots:scorer:)`) are
///   gathered, copied and widened, into the buffer;
/// - bf16 rows go to a scorer that reads them itself (`DocumentScorer.readsBFloat16Rows`:
///   the q-net's bf16 kernel) as stored, in place or gathered, never widened.
///
/// The buffers grow to the largest block asked for (at most `blockRows` rows) and are reused
/// for every later block, so a search allocates them once rather than once per block or per
/// graph round.
///
/// Threading: not thread-safe. A `BlockScorer` belongs to the one thread that scores with it
/// (exact search's parallel shares each make their own); the scorer it wraps may be shared,
/// as the `DocumentScorer` contract allows.
final class BlockScorer {
    let rows: VectorRows
    let scorer: DocumentScorer
    let blockRows: Int
    /// The scorer takes this store's rows as stored (bf16 rows and a bf16-reading scorer).
    let passesStoredRows: Bool
    /// Rows handed to the scorer so far (dead rows of a contiguous block included).
    private(set) var documentsScored = 0
    private var rowCapacity = 0
    private var scoreCapacity = 0
    private var buffer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var scores = UnsafeMutablePointer<Float>.allocate(capacity: 1)

    init(rows: VectorRows, scorer: DocumentScorer, blockRows: Int) {
        self.rows = rows
        self.scorer = scorer
        self.blockRows = max(1, blockRows)
        passesStoredRows = rows.storage == .bfloat16 && scorer.readsBFloat16Rows
    }

    deinit {
        buffer.deallocate()
        scores.deallocate()
    }

    /// Room for `count` scores (at most `blockRows`).
    private func reserveScores(_ count: Int) {
        guard count > scoreCapacity else { return }
        scoreCapacity = min(blockRows, max(count, 2 * scoreCapacity))
        scores.deallocate()
        scores = .allocate(capacity: scoreCapacity)
    }

    /// Room for `count` widened rows (at most `blockRows`); never needed for f32 blocks of
    /// consecutive rows, which the scorer reads in place.
    private func reserveRows(_ count: Int) {
        guard count > rowCapacity else { return }
        rowCapacity = min(blockRows, max(count, 2 * rowCapacity))
        buffer.deallocate()
        buffer = .allocate(capacity: rowCapacity * rows.dimension)
    }

    /// Scores one block of consecutive rows (from `rows.blocks(maxRows: blockRows)`) and
    /// calls `body(slot, score)` for each row in slot order.
    func score(_ block: VectorRows.Block, _ body: (_ slot: Int, _ score: Float) -> Void) {
        reserveScores(block.rowCount)
        if passesStoredRows {
            scorer.score(bfloat16Documents: block.source, count: block.rowCount, into: scores)
        } else {
            if rows.storage != .float32 { reserveRows(block.rowCount) }
            scorer.score(documents: rows.floats(of: block, scratch: buffer), count: block.rowCount, into: scores)
        }
        documentsScored += block.rowCount
        for i in 0..<block.rowCount { body(block.firstSlot + i, scores[i]) }
    }

    /// Scores the rows at `slots` (each in `0..<rows.count`), gathered into blocks of up to
    /// `blockRows`, and calls `body(position, score)` for each, `position` indexing `slots`,
    /// in order.
    func score(slots: [Int], _ body: (_ position: Int, _ score: Float) -> Void) {
        guard !slots.isEmpty else { return }
        let block = min(blockRows, slots.count)
        reserveScores(block)
        reserveRows(block)
        let dimension = rows.dimension
        var start = 0
        while start < slots.count {
            let n = min(block, slots.count - start)
            if passesStoredRows {
                // A widened row's room holds two bf16 rows; rows are packed at their stored width.
                let stored = UnsafeMutableRawPointer(buffer)
                for i in 0..<n { rows.copyStoredRow(slots[start + i], into: stored + i * rows.rowBytes) }
                scorer.score(bfloat16Documents: stored, count: n, into: scores)
            } else {
                for i in 0..<n { rows.copyRow(slots[start + i], into: buffer + i * dimension) }
                scorer.score(documents: buffer, count: n, into: scores)
            }
            for i in 0..<n { body(start + i, scores[i]) }
            start += n
        }
        documentsScored += slots.count
    }
}
