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

    public init() {}
}
