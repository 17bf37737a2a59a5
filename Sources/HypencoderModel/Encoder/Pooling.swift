extension Pooling {
    /// One vector per sequence from packed last hidden states (`totalTokens × width`).
    ///
    /// `cls`: the raw state of token 0. `mean`: the mean over the sequence's real tokens.
    /// (The official `TextEncoder.mean_pool` sums padding too and divides by the real count;
    /// we follow the mask, which is what the paper describes and what makes a batch agree
    /// with one-by-one encoding.)
    @_optimize(speed)
    public func pool(_ states: [Float], batch: TokenBatch, width: Int) -> [[Float]] {
        (0..<batch.count).map { b in
            let rows = batch.rows(of: b)
            switch self {
            case .cls:
                return Array(states[(rows.lowerBound * width)..<((rows.lowerBound + 1) * width)])
            case .mean:
                var total = [Float](repeating: 0, count: width)
                for row in rows {
                    for i in 0..<width { total[i] += states[row * width + i] }
                }
                let count = Float(rows.count)
                return total.map { $0 / count }
            }
        }
    }
}
