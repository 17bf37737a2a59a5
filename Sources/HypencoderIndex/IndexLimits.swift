/// Upper bounds on everything a caller (or a damaged file) can make the index allocate.
/// Each bound is checked on write and again when a log record is decoded, and every error
/// names the property, so "limitExceeded(maxTextBytes…)" tells the operator which knob to turn.
public struct IndexLimits: Sendable, Equatable {
    /// Bytes of one document id in UTF-8.
    public var maxIDBytes: Int = 1024
    /// Components of one vector.
    public var maxDimension: Int = 16384
    /// Bytes of one document's metadata (a JSON object).
    public var maxMetadataBytes: Int = 1 << 20
    /// Bytes of one document's text in UTF-8.
    public var maxTextBytes: Int = 4 << 20
    /// Bytes of one write-ahead log record, i.e. of one encoded upsert or delete batch.
    public var maxRecordBytes: Int = 256 << 20
    /// Documents in one upsert or ids in one delete call.
    public var maxBatchCount: Int = 1 << 20

    public init() {}
}
