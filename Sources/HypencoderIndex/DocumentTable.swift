/// What the index keeps for one slot besides its vector.
public struct DocumentRecord: Sendable, Equatable {
    public let id: String
    public let metadata: [UInt8]?
    public let text: String?

    /// Bytes of text and metadata this record keeps in memory.
    var heldBytes: Int { (text?.utf8.count ?? 0) + (metadata?.count ?? 0) }
}

/// Slot → record, append-only, stored in fixed-size chunks so a snapshot is cheap: copying
/// the struct copies the small chunk list; the writer's next append copies at most the one
/// partly filled chunk it shares with a snapshot (copy-on-write), never the whole table.
struct SlotRecords: Sendable {
    static let chunkSize = 4096

    final class Chunk: @unchecked Sendable {
        var records: [DocumentRecord]
        init(_ records: [DocumentRecord]) { self.records = records }
    }

    private var chunks: [Chunk] = []
    private(set) var count = 0

    subscript(slot: Int) -> DocumentRecord {
        chunks[slot / Self.chunkSize].records[slot % Self.chunkSize]
    }

    mutating func append(_ record: DocumentRecord) {
        if count % Self.chunkSize == 0 {
            var fresh: [DocumentRecord] = []
            fresh.reserveCapacity(Self.chunkSize)
            chunks.append(Chunk(fresh))
        } else if !isKnownUniquelyReferenced(&chunks[chunks.count - 1]) {
            chunks[chunks.count - 1] = Chunk(chunks[chunks.count - 1].records)
        }
        chunks[chunks.count - 1].records.append(record)
        count += 1
    }
}

/// One bit per slot, set when the slot's document was deleted or replaced. A value type: the
/// writer's first change after a snapshot copies the words (N/8 bytes), so readers never see
/// a bit flip under them.
struct TombstoneBitmap: Sendable {
    private var words: [UInt64] = []
    /// Slots marked dead, kept so callers need not scan the bitmap.
    private(set) var count = 0

    func isDead(_ slot: Int) -> Bool {
        let word = slot >> 6
        return word < words.count && words[word] & (1 << UInt64(slot & 63)) != 0
    }

    mutating func kill(_ slot: Int) {
        let word = slot >> 6
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word - words.count + 1)) }
        let bit: UInt64 = 1 << UInt64(slot & 63)
        if words[word] & bit == 0 { count += 1 }
        words[word] |= bit
    }
}

/// The two-way map between caller ids and slots, plus each slot's metadata and text.
///
/// `records` and `tombstones` are what searches need and are copied into snapshots;
/// `slotsByID` is only read by point look-ups, which take the index's state lock briefly, so
/// it is never copied (a copy-on-write dictionary of millions of ids per update would be the
/// single largest cost of an update).
struct DocumentTable {
    private(set) var records = SlotRecords()
    private(set) var tombstones = TombstoneBitmap()
    private(set) var slotsByID: [String: Int] = [:]
    /// Bytes of text and metadata held by all records, and by dead ones: what a compaction
    /// would free (`CompactionPolicy.maxDeadBytes`).
    private(set) var recordBytes = 0
    private(set) var deadRecordBytes = 0

    var liveCount: Int { slotsByID.count }

    func slot(of id: String) -> Int? { slotsByID[id] }

    /// Records `record` at `slot` (which must be the next slot) and retires the id's old slot.
    /// Returns true if the id was new.
    @discardableResult
    mutating func insert(_ record: DocumentRecord, at slot: Int) -> Bool {
        precondition(slot == records.count, "vector store and document table disagree on the next slot")
        records.append(record)
        recordBytes += record.heldBytes
        if let old = slotsByID.updateValue(slot, forKey: record.id) {
            tombstones.kill(old)
            deadRecordBytes += records[old].heldBytes
            return false
        }
        return true
    }

    /// Deletes `id`; returns false if it was not present.
    mutating func remove(_ id: String) -> Bool {
        guard let slot = slotsByID.removeValue(forKey: id) else { return false }
        tombstones.kill(slot)
        deadRecordBytes += records[slot].heldBytes
        return true
    }

    /// Live slots in slot order (for checkpoints and compaction).
    func liveSlots() -> [Int] {
        (0..<records.count).filter { !tombstones.isDead($0) }
    }
}
