/// The set of graph nodes a traversal has already reached, reusable across traversals.
///
/// A generation-stamped array: `contains`/`insert` are one load and compare, and `reset()`
/// is O(1) (bump the generation) instead of clearing N entries. Build workers keep one each
/// for thousands of insertions; a search makes one per query.
struct VisitedSet {
    private var stamps: [UInt32]
    private var generation: UInt32 = 1

    init(capacity: Int) { stamps = [UInt32](repeating: 0, count: max(capacity, 0)) }

    /// Forgets every member and makes room for nodes `0..<capacity`.
    mutating func reset(capacity: Int) {
        if stamps.count < capacity { stamps.append(contentsOf: repeatElement(0, count: capacity - stamps.count)) }
        if generation == UInt32.max {
            for i in stamps.indices { stamps[i] = 0 }
            generation = 1
        } else {
            generation += 1
        }
    }

    func contains(_ node: Int) -> Bool { node < stamps.count && stamps[node] == generation }

    /// Adds `node`; returns false if it was already a member (or out of range).
    @discardableResult
    mutating func insert(_ node: Int) -> Bool {
        guard node >= 0, node < stamps.count, stamps[node] != generation else { return false }
        stamps[node] = generation
        return true
    }
}
