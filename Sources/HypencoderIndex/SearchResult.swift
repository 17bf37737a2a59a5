import CoreScheduling

/// How `DocumentIndex.search` finds the best `k`.
public enum SearchMethod: Sendable {
    /// Score every live document (`IndexSnapshot.exactSearch`).
    case exact
    /// Walk the neighbour graph published with the snapshot (`GraphSearch`).
    case approximate(ApproximateSearchParameters)
}

/// The answer to one search, bound to the snapshot it was scored on.
///
/// Why the snapshot travels with the hits: a caller that shows text or metadata next to a
/// score must read them from the state that was scored. Looking the ids up again afterwards
/// (`DocumentIndex.get`) reads the latest state instead, so an update landing in between
/// would pair version k's score with version k+1's text, or lose a hit deleted meanwhile.
/// `record(ofHit:)` reads the scored slot of the scored snapshot, which no update changes.
public struct SearchResult: Sendable {
    /// Best first; equal scores by ascending id.
    public let hits: [SearchHit]
    /// Documents scored: every live one for exact search, those the graph walk reached for
    /// approximate search.
    public let documentsScored: Int
    /// Graph expansion rounds (0 for exact search).
    public let rounds: Int
    /// The snapshot that was searched.
    public let snapshot: IndexSnapshot
    /// `slots[i]` is the slot `hits[i]` was scored at in `snapshot`.
    let slots: [Int]

    init(ranked: [RankedHit], documentsScored: Int, rounds: Int, snapshot: IndexSnapshot) {
        hits = ranked.map(\.hit)
        slots = ranked.map(\.slot)
        self.documentsScored = documentsScored
        self.rounds = rounds
        self.snapshot = snapshot
    }

    /// Id, metadata and text of `hits[position]` exactly as they were when it was scored
    /// (read from the index's files; throws if that read fails). Without `text` the text is
    /// not read (nil).
    public func record(ofHit position: Int, text: Bool = true) throws -> DocumentRecord {
        try snapshot.record(at: slots[position], text: text)
    }

    /// The whole stored document of `hits[position]` (its vector widened to f32), as scored.
    public func document(ofHit position: Int) throws -> StoredDocument { try snapshot.document(at: slots[position]) }
}
