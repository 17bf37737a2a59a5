/// Numbers an operator or the daemon's `stats` method reports about an index.
public struct IndexStatistics: Sendable, Equatable {
    /// Live documents.
    public var documents: Int
    /// Rows in the vector store, live or dead; `slots - documents` rows are waiting for `compact()`.
    public var slots: Int
    /// Committed checkpoint generation (see `Manifest.generation`).
    public var checkpointGeneration: Int
    public var dimension: Int
    public var storage: VectorStorageType
    public var modelFingerprint: String
    /// Bytes of vector data in memory mappings (rows × dimension × component width).
    public var vectorBytes: Int
    /// Bytes in the write-ahead log since the last checkpoint rotated it: replay work at the
    /// next start-up, and the natural trigger for calling `checkpoint()`.
    public var logBytes: Int

    /// Fraction of rows that are dead; a compaction trigger for callers (e.g. compact above 0.3).
    public var deadFraction: Double { slots == 0 ? 0 : Double(slots - documents) / Double(slots) }
}

extension DocumentIndex {
    public func statistics() -> IndexStatistics {
        let logBytes = queue.logBytes
        stateLock.lock()
        defer { stateLock.unlock() }
        return IndexStatistics(
            documents: published.count, slots: published.slotCount, checkpointGeneration: generation,
            dimension: dimension, storage: storage, modelFingerprint: fingerprint,
            vectorBytes: published.slotCount * dimension * storage.byteWidth, logBytes: logBytes)
    }
}
