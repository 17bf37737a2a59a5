/// What an upsert or delete changed.
public struct UpdateCounts: Sendable, Equatable {
    /// Ids that were not in the index before.
    public var added = 0
    /// Ids that existed and were replaced.
    public var updated = 0
    /// Ids that existed and were deleted.
    public var deleted = 0
    /// Ids of a delete that were not in the index.
    public var notFound = 0

    public init(added: Int = 0, updated: Int = 0, deleted: Int = 0, notFound: Int = 0) {
        self.added = added
        self.updated = updated
        self.deleted = deleted
        self.notFound = notFound
    }
}
