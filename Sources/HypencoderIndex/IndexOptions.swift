/// Settings for `DocumentIndex.open`.
public struct IndexOptions: Sendable {
    /// Storage type for a *new* index; an existing index keeps the type in its manifest.
    public var storage: VectorStorageType = .float32
    /// Refuse to open an existing index that stores another type than `storage`
    /// (`IndexError.storageMismatch`) instead of keeping its own. Set when a user asked for a
    /// type explicitly (`hypencoderd --vectors`): scoring a bf16 index they believe is f32 would
    /// change their results without a word. There is no conversion: re-index into a new
    /// directory.
    public var requireStorage = false
    public var limits = IndexLimits()
    /// What to do about a damaged record in the middle of a log (a torn last record is always
    /// cut and reported).
    public var logRecovery: LogRecoveryPolicy = .refuse
    /// Verify the checkpoint vector file's CRC32C on open (reads the whole matrix once).
    public var verifyChecksumsOnOpen = true
    /// Rows per scorer call in exact search.
    public var searchBlockRows = 1024
    /// Neighbour graph for approximate search (see `GraphParameters`).
    public var graph = GraphParameters()
    /// Where the index tells its owner about events an operator should hear of but that are
    /// not errors (today: a neighbour graph rebuilt at open because its file was missing or
    /// unreadable). The index never writes to stderr itself: in the daemon that would bypass
    /// `Log` (its format, its level, one `write(2)` per line), so the daemon forwards these
    /// there. Default: dropped. Called on the thread that opens the index or on its writer
    /// thread, so it must be thread-safe; it must not call back into the index.
    public var log: @Sendable (IndexLogLevel, String) -> Void = { _, _ in }
    /// When the index reclaims dead rows (deleted and replaced documents) by itself, in the
    /// background; nil: only when `compact()` is called.
    public var autoCompaction: CompactionPolicy? = CompactionPolicy()

    public init() {}
}

/// When dead rows are numerous enough, or hold enough text, to be worth a background
/// `compact()`.
///
/// A replaced document leaves its old row, record and text behind until a compaction, so an
/// index whose documents are rewritten (an editor's file saved again and again) grows with
/// every write unless something reclaims them. Compacting copies every live row and writes a
/// checkpoint, so it is worth doing only when the dead rows are both many (`minDeadSlots`: a
/// small index is cheap however it looks) and a large share of all rows (`deadFraction`: the
/// copy then costs no more than the writes that made the waste, so the work stays amortised
/// O(1) per update). Rows are not the only waste: a dead version keeps its text and metadata
/// in memory, so a few large documents rewritten often (an editor saving a big file) are due
/// as soon as their dead text reaches `maxDeadBytes` and the same share of all text.
public struct CompactionPolicy: Sendable, Equatable {
    /// Fewest dead rows that start a compaction.
    public var minDeadSlots: Int = 1000
    /// Smallest share of dead rows among all rows (or of dead text among all text) that
    /// starts one (0 < f ≤ 1).
    public var deadFraction: Double = 0.5
    /// Dead text and metadata, in bytes, that start one (with the same share).
    public var maxDeadBytes: Int = 16 << 20

    public init(minDeadSlots: Int = 1000, deadFraction: Double = 0.5, maxDeadBytes: Int = 16 << 20) {
        self.minDeadSlots = minDeadSlots
        self.deadFraction = deadFraction
        self.maxDeadBytes = maxDeadBytes
    }

    /// Whether an index with `slots` rows, `live` of them live, whose records hold
    /// `recordBytes` of text and metadata, `deadBytes` of it in dead rows, should be compacted.
    public func isDue(slots: Int, live: Int, recordBytes: Int = 0, deadBytes: Int = 0) -> Bool {
        let dead = slots - live
        let rowsDue = dead >= minDeadSlots && Double(dead) >= deadFraction * Double(slots)
        let bytesDue = deadBytes >= maxDeadBytes && Double(deadBytes) >= deadFraction * Double(recordBytes)
        return rowsDue || bytesDue
    }
}

/// How much an `IndexOptions.log` message matters.
public enum IndexLogLevel: Sendable {
    /// Routine but worth knowing (work done at open).
    case info
    /// Something was wrong and the index worked around it (a damaged file rebuilt).
    case warning
}
