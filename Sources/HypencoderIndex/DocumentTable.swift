/// Slot → record, append-only, stored in fixed-size chunks so a snapshot is cheap: copying
/// the struct copies the small chunk list; the writer's next append copies at most the one
/// partly filled chunk it shares with a snapshot (copy-on-write), never the whole table.
struct SlotRecords: Sendable {
    static let chunkSize = 4096

    final class Chunk: @unchecked Sendable {
        var records: [SlotRecord]
        init(_ records: [SlotRecord]) { self.records = records }
    }

    private var chunks: [Chunk] = []
    private(set) var count = 0

    subscript(slot: Int) -> SlotRecord {
        chunks[slot / Self.chunkSize].records[slot % Self.chunkSize]
    }

    mutating func append(_ record: SlotRecord) {
        if count % Self.chunkSize == 0 {
            var fresh: [SlotRecord] = []
            fresh.reserveCapacity(Self.chunkSize)
            chunks.append(Chunk(fresh))
        } else {
            makeUnique(chunks.count - 1)
        }
        chunks[chunks.count - 1].records.append(record)
        count += 1
    }

    /// Points `slot`'s payload at a new location holding the same bytes (after a checkpoint).
    mutating func move(_ slot: Int, to payload: PayloadLocation) {
        makeUnique(slot / Self.chunkSize)
        chunks[slot / Self.chunkSize].records[slot % Self.chunkSize].payload = payload
    }

    /// Copies chunk `index` first if a snapshot shares it, so snapshots never see a change.
    private mutating func makeUnique(_ index: Int) {
        if !isKnownUniquelyReferenced(&chunks[index]) { chunks[index] = Chunk(chunks[index].records) }
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

/// The two-way map between caller ids and slots, plus where each slot's metadata and text are.
///
/// `records` and `tombstones` are what searches need and are copied into snapshots;
/// `slotsByID` is only read by point look-ups, which take the index's state lock briefly, so
/// it is never copied (a copy-on-write dictionary of millions of ids per update would be the
/// single largest cost of an update).
struct DocumentTable {
    private(set) var records = SlotRecords()
    private(set) var tombstones = TombstoneBitmap()
    private(set) var slotsByID: [String: Int] = [:]
    /// Payload bytes (metadata and text, on disk) of all records, and of dead ones: what a
    /// compaction would stop keeping (`CompactionPolicy.maxDeadBytes`).
    private(set) var recordBytes = 0
    private(set) var deadRecordBytes = 0

    var liveCount: Int { slotsByID.count }

    func slot(of id: String) -> Int? { slotsByID[id] }

    /// Records `record` at `slot` (which must be the next slot) and retires the id's old slot.
    /// Returns true if the id was new.
    @discardableResult
    mutating func insert(_ record: SlotRecord, at slot: Int) -> Bool {
        precondition(slot == records.count, "vector store and document table disagree on the next slot")
        records.append(record)
        recordBytes += record.payloadBytes
        if let old = slotsByID.updateValue(slot, forKey: record.id) {
            tombstones.kill(old)
            deadRecordBytes += records[old].payloadBytes
            return false
        }
        return true
    }

    /// Deletes `id`; returns false if it was not present.
    mutating func remove(_ id: String) -> Bool {
        guard let slot = slotsByID.removeValue(forKey: id) else { return false }
        tombstones.kill(slot)
        deadRecordBytes += records[slot].payloadBytes
        return true
    }

    /// Moves `slot`'s payload reference (the bytes there are the same; see `SlotRecords.move`).
    mutating func movePayload(of slot: Int, to payload: PayloadLocation) { records.move(slot, to: payload) }

    /// Live slots in slot order (for checkpoints and compaction).
    func liveSlots() -> [Int] {
        (0..<records.count).filter { !tombstones.isDead($0) }
    }
}
