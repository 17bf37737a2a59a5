/// Settings for `DocumentIndex.open`.
public struct IndexOptions: Sendable {
    /// Storage type for a *new* index; an existing index keeps the type in its manifest.
    public var storage: VectorStorageType = .float32
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

    public init() {}
}

/// How much an `IndexOptions.log` message matters.
public enum IndexLogLevel: Sendable {
    /// Routine but worth knowing (work done at open).
    case info
    /// Something was wrong and the index worked around it (a damaged file rebuilt).
    case warning
}
