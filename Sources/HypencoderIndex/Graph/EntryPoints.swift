import SeededRandom

/// Where a graph search starts.
///
/// Paper mode: a fixed seeded random sample of slots (the authors' code draws 10,000 with
/// `random.seed(43)`; Python's Mersenne Twister sequence is not reproduced, but the sample is
/// fixed by the seed and the snapshot, so runs are exactly repeatable).
///
/// Improved mode: documents nearest to k-means centroids of a seeded sample of the corpus,
/// largest cluster first. Random entry points bunch up in dense regions and leave sparse
/// ones without a start nearby; centroids cover the collection with far fewer points, so
/// fewer documents are spent before the traversal starts climbing.
enum EntryPoints {
    /// Up to `count` distinct live slots drawn without replacement from `0..<slotCount`
    /// (partial Fisher–Yates on a sparse permutation, SplitMix64 seeded with `seed`).
    /// Dead slots drawn are skipped, so the sample is `count` live slots when there are enough.
    static func seededSample(count: Int, slotCount: Int, seed: UInt64, isLive: (Int) -> Bool) -> [Int] {
        var random = SplitMix64(seed: seed)
        var swapped: [Int: Int] = [:]
        var result: [Int] = []
        result.reserveCapacity(min(count, slotCount))
        var drawn = 0
        while result.count < count, drawn < slotCount {
            let j = drawn + Int(random.next() % UInt64(slotCount - drawn))
            let picked = swapped[j] ?? j
            swapped[j] = swapped[drawn] ?? drawn
            drawn += 1
            if isLive(picked) { result.append(picked) }
        }
        return result
    }

    /// Slots nearest to the centroids of `clusters`-means over a seeded sample of up to
    /// `sampleSize` live slots (Lloyd's algorithm, `iterations` rounds, L2), ordered by
    /// cluster size, largest first, so any prefix is a sensible smaller set.
    static func centroidEntries(
        rows: VectorRows, isLive: (Int) -> Bool, clusters: Int, sampleSize: Int,
        iterations: Int = 6, seed: UInt64 = 43
    ) -> [Int32] {
        let sample = seededSample(count: sampleSize, slotCount: rows.count, seed: seed, isLive: isLive)
        let k = min(clusters, sample.count)
        guard k > 0 else { return [] }
        let d = rows.dimension
        let points = UnsafeMutablePointer<Float>.allocate(capacity: sample.count * d)
        let centroids = UnsafeMutablePointer<Float>.allocate(capacity: k * d)
        defer {
            points.deallocate()
            centroids.deallocate()
        }
        for (i, slot) in sample.enumerated() { rows.copyRow(slot, into: points + i * d) }
        // The sample is already random: its first k points are the initial centroids.
        centroids.update(from: points, count: k * d)
        var assignment = [Int](repeating: 0, count: sample.count)
        var sizes = [Int](repeating: 0, count: k)
        for round in 0...iterations {
            for i in 0..<sample.count {
                var best = 0
                var bestDistance = Float.infinity
                for c in 0..<k {
                    let distance = squaredL2(points + i * d, centroids + c * d, dimension: d)
                    if distance < bestDistance {
                        bestDistance = distance
                        best = c
                    }
                }
                assignment[i] = best
            }
            if round == iterations { break }
            centroids.update(repeating: 0, count: k * d)
            for c in 0..<k { sizes[c] = 0 }
            for i in 0..<sample.count {
                let c = assignment[i]
                sizes[c] += 1
                let target = centroids + c * d
                let source = points + i * d
                for j in 0..<d { target[j] += source[j] }
            }
            for c in 0..<k {
                if sizes[c] == 0 {
                    // An empty cluster restarts at a sample point (deterministic choice).
                    (centroids + c * d).update(from: points + (c * 7919 % sample.count) * d, count: d)
                } else {
                    let scale = 1 / Float(sizes[c])
                    for j in 0..<d { centroids[c * d + j] *= scale }
                }
            }
        }
        // Each centroid's nearest sample point stands for it.
        var nearest = [(distance: Float, slot: Int)](repeating: (.infinity, -1), count: k)
        for c in 0..<k { sizes[c] = 0 }
        for i in 0..<sample.count {
            let c = assignment[i]
            sizes[c] += 1
            let distance = squaredL2(points + i * d, centroids + c * d, dimension: d)
            if distance < nearest[c].distance { nearest[c] = (distance, sample[i]) }
        }
        let order = (0..<k).filter { nearest[$0].slot >= 0 }.sorted {
            sizes[$0] > sizes[$1] || (sizes[$0] == sizes[$1] && $0 < $1)
        }
        return order.map { Int32(nearest[$0].slot) }
    }
}
