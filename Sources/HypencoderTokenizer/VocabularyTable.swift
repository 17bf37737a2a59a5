/// A read-only map from a token's Unicode scalars to its id.
///
/// WordPiece asks "is this slice of the word in the vocabulary?" up to a few thousand times per
/// document. A `[String: Int32]` would need a new `String` for every question; this table hashes and
/// compares the scalars in place, so a lookup allocates nothing. Open addressing with linear probing,
/// at most half full.
struct VocabularyTable: Sendable {
    private struct Slot: Sendable {
        var start: Int32  // offset of the token's scalars in `scalars`; -1 marks an empty slot
        var count: Int32
        var id: Int32
    }

    private var scalars: [UInt32] = []
    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0
    /// The length of the longest token: no longer slice can match, so WordPiece starts its search there.
    private(set) var longestTokenLength = 0

    init(expectedCount: Int) {
        var capacity = 16
        while capacity < expectedCount * 2 { capacity *= 2 }
        slots = Array(repeating: Slot(start: -1, count: 0, id: 0), count: capacity)
        mask = capacity - 1
    }

    /// Adds or replaces `token`. A later duplicate wins, as in Hugging Face's vocabulary loaders.
    mutating func insert<S: Collection>(_ token: S, id: Int32) where S.Element == UInt32 {
        if count * 2 >= slots.count { grow() }
        let key = Array(token)
        var index = key.withUnsafeBufferPointer { Self.hash($0) } & mask
        while slots[index].start >= 0 {
            if matches(slots[index], key[...]) {
                slots[index].id = id
                return
            }
            index = (index + 1) & mask
        }
        slots[index] = Slot(start: Int32(scalars.count), count: Int32(key.count), id: id)
        scalars.append(contentsOf: key)
        count += 1
        longestTokenLength = max(longestTokenLength, key.count)
    }

    /// The id of the token spelled by `key`, or nil.
    @inline(__always)
    func id(of key: UnsafeBufferPointer<UInt32>) -> Int32? {
        var index = Self.hash(key) & mask
        return scalars.withUnsafeBufferPointer { stored in
            while true {
                let slot = slots[index]
                if slot.start < 0 { return nil }
                if Int(slot.count) == key.count {
                    let base = Int(slot.start)
                    var equal = true
                    for offset in 0..<key.count where stored[base + offset] != key[offset] {
                        equal = false
                        break
                    }
                    if equal { return slot.id }
                }
                index = (index + 1) & mask
            }
        }
    }

    /// Every (token, id) pair, in no particular order.
    var entries: [(token: [UInt32], id: Int32)] {
        slots.filter { $0.start >= 0 }.map { slot in
            (Array(scalars[Int(slot.start)..<Int(slot.start + slot.count)]), slot.id)
        }
    }

    private func matches(_ slot: Slot, _ key: ArraySlice<UInt32>) -> Bool {
        Int(slot.count) == key.count && scalars[Int(slot.start)..<Int(slot.start + slot.count)].elementsEqual(key)
    }

    private mutating func grow() {
        let old = entries
        self = VocabularyTable(expectedCount: slots.count)
        for entry in old { insert(entry.token, id: entry.id) }
    }

    /// FNV-1a over the scalar values.
    @inline(__always)
    private static func hash(_ key: UnsafeBufferPointer<UInt32>) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in key {
            hash = (hash ^ UInt64(value)) &* 0x0000_0100_0000_01B3
        }
        return Int(truncatingIfNeeded: hash ^ (hash >> 29))
    }
}
