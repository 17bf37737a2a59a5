import Foundation
import HypencoderModel

/// Straightforward double-precision implementations of the equations in DESIGN.md §2,
/// written for clarity, to check the float32 kernels against.
enum Naive {
    typealias Matrix = [[Double]]

    static func matrix(_ values: [Float], rows: Int, columns: Int) -> Matrix {
        (0..<rows).map { r in (0..<columns).map { Double(values[r * columns + $0]) } }
    }

    /// x·Wᵀ + b with W stored out×in.
    static func linear(_ x: Matrix, _ weight: [Float], _ bias: [Float]?, outputs: Int) -> Matrix {
        var result: Matrix = []
        for row in x {
            var out = [Double](repeating: 0, count: outputs)
            for o in 0..<outputs {
                var total = bias.map { Double($0[o]) } ?? 0
                for i in row.indices { total += row[i] * Double(weight[o * row.count + i]) }
                out[o] = total
            }
            result.append(out)
        }
        return result
    }

    static func layerNorm(_ row: [Double], eps: Double, weight: [Float]? = nil, bias: [Float]? = nil) -> [Double] {
        let mean = row.reduce(0, +) / Double(row.count)
        var variance = 0.0
        for x in row { variance += (x - mean) * (x - mean) }
        variance /= Double(row.count)
        var out = [Double](repeating: 0, count: row.count)
        for i in row.indices {
            let normalized = (row[i] - mean) / (variance + eps).squareRoot()
            out[i] = normalized * (weight.map { Double($0[i]) } ?? 1) + (bias.map { Double($0[i]) } ?? 0)
        }
        return out
    }

    static func add(_ a: Matrix, _ b: Matrix) -> Matrix {
        zip(a, b).map { x, y in zip(x, y).map { $0 + $1 } }
    }

    static func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }

    static func activation(_ name: String, _ x: Double) -> Double {
        switch name {
        case "relu": return max(0, x)
        case "tanh": return tanh(x)
        case "sigmoid": return 1 / (1 + exp(-x))
        case "gelu": return gelu(x)
        case "leaky_relu": return x > 0 ? x : 0.01 * x
        default: fatalError("unknown activation \(name)")
        }
    }

    /// Softmax over the entries where `keep` is true.
    static func maskedSoftmax(_ row: [Double], keep: [Bool]) -> [Double] {
        var maximum = -Double.infinity
        for (x, k) in zip(row, keep) where k { maximum = max(maximum, x) }
        var exps = [Double](repeating: 0, count: row.count)
        for i in row.indices where keep[i] { exps[i] = exp(row[i] - maximum) }
        let total = exps.reduce(0, +)
        return exps.map { $0 / total }
    }

    /// softmax(Q·Kᵀ·scale)·V over all keys.
    static func attention(_ q: Matrix, _ k: Matrix, _ v: Matrix, scale: Double) -> Matrix {
        var result: Matrix = []
        for qRow in q {
            var scores = [Double](repeating: 0, count: k.count)
            for j in k.indices {
                var dot = 0.0
                for c in qRow.indices { dot += qRow[c] * k[j][c] }
                scores[j] = dot * scale
            }
            let p = maskedSoftmax(scores, keep: scores.map { _ in true })
            var row = [Double](repeating: 0, count: v.first?.count ?? 0)
            for c in row.indices {
                for j in k.indices { row[c] += p[j] * v[j][c] }
            }
            result.append(row)
        }
        return result
    }

    static func columns(_ m: Matrix, _ range: Range<Int>) -> Matrix { m.map { Array($0[range]) } }

    /// BertModel's last hidden state for ONE sequence (no padding at all).
    static func bert(_ ids: [Int32], config: BertConfig, weights: [String: Tensor]) -> Matrix {
        let d = config.hiddenSize
        let eps = Double(config.layerNormEps)
        func w(_ name: String) -> [Float] { weights[name]!.values }
        let word = w("embeddings.word_embeddings.weight")
        let type = w("embeddings.token_type_embeddings.weight")
        let position = w("embeddings.position_embeddings.weight")
        var h: Matrix = []
        for (t, id) in ids.enumerated() {
            var row = [Double](repeating: 0, count: d)
            for i in 0..<d { row[i] = Double(word[Int(id) * d + i]) + Double(type[i]) + Double(position[t * d + i]) }
            h.append(layerNorm(row, eps: eps, weight: w("embeddings.LayerNorm.weight"), bias: w("embeddings.LayerNorm.bias")))
        }
        let hs = d / config.heads
        for l in 0..<config.layers {
            let p = "encoder.layer.\(l)."
            let q = linear(h, w(p + "attention.self.query.weight"), w(p + "attention.self.query.bias"), outputs: d)
            let k = linear(h, w(p + "attention.self.key.weight"), w(p + "attention.self.key.bias"), outputs: d)
            let v = linear(h, w(p + "attention.self.value.weight"), w(p + "attention.self.value.bias"), outputs: d)
            var context = Matrix(repeating: [], count: h.count)
            for head in 0..<config.heads {
                let range = (head * hs)..<((head + 1) * hs)
                let part = attention(columns(q, range), columns(k, range), columns(v, range), scale: 1 / Double(hs).squareRoot())
                for i in h.indices { context[i] += part[i] }
            }
            let dense = linear(context, w(p + "attention.output.dense.weight"), w(p + "attention.output.dense.bias"), outputs: d)
            let attended = add(dense, h).map {
                layerNorm(
                    $0, eps: eps, weight: w(p + "attention.output.LayerNorm.weight"),
                    bias: w(p + "attention.output.LayerNorm.bias"))
            }
            let inner = linear(
                attended, w(p + "intermediate.dense.weight"), w(p + "intermediate.dense.bias"),
                outputs: config.intermediateSize
            ).map { $0.map(gelu) }
            let out = linear(inner, w(p + "output.dense.weight"), w(p + "output.dense.bias"), outputs: d)
            h = add(out, attended).map {
                layerNorm($0, eps: eps, weight: w(p + "output.LayerNorm.weight"), bias: w(p + "output.LayerNorm.bias"))
            }
        }
        return h
    }

    /// One generated parameter: LN(ReLU(softmax(Q·Kᵀ/√rows)·V))·Wpᵀ + bp + Base (no LN(ReLU(·)) when `linear`).
    static func generated(
        _ h: Matrix, rows: Int, width: Int, query: String, projection: Int, hyper: String, base: String,
        linear isLinear: Bool = false, weights t: [String: Tensor]
    ) -> Matrix {
        let keys = linear(
            h, t["key_projections.\(projection).weight"]!.values, t["key_projections.\(projection).bias"]!.values, outputs: width)
        let values = linear(
            h, t["value_projections.\(projection).weight"]!.values, t["value_projections.\(projection).bias"]!.values,
            outputs: width)
        let q = matrix(t[query]!.values, rows: rows, columns: width)
        let context = attention(q, keys, values, scale: 1 / Double(rows).squareRoot())
        let normalized = isLinear ? context : context.map { layerNorm($0.map { max(0, $0) }, eps: 1e-5) }
        let projected = linear(normalized, t[hyper + ".weight"]!.values, t[hyper + ".bias"]!.values, outputs: width)
        return add(projected, matrix(t[base]!.values, rows: rows, columns: width))
    }

    /// The hyperhead for ONE query's states (no padding): weights W_0…W_n (r×w) and biases b_0…b_{n−1}.
    static func hyperhead(_ h: Matrix, dimensions: [Int], linearLastWeight: Bool = false, weights t: [String: Tensor])
        -> (weights: [Matrix], biases: [[Double]])
    {
        let n = dimensions.count - 2
        let weights = (0...n).map { i in
            generated(
                h, rows: dimensions[i + 1], width: dimensions[i], query: "weight_query_embeddings.\(i)", projection: i,
                hyper: "weight_hyper_projection.\(i)", base: "hyper_base_matrices.\(i)",
                linear: linearLastWeight && i == n, weights: t)
        }
        let biases = (0..<n).map { i in
            generated(
                h, rows: 1, width: dimensions[i + 1], query: "bias_query_embeddings.\(i)", projection: n + 1 + i,
                hyper: "bias_hyper_projection.\(i)", base: "hyper_base_vectors.\(i)", weights: t)[0]
        }
        return (weights, biases)
    }

    /// The q-net score of one document vector.
    static func score(_ x0: [Double], weights: [Matrix], biases: [[Double]], activation name: String, residualOnLast: Bool)
        -> Double
    {
        let n = biases.count
        var x = x0
        for j in 0..<n {
            var pre = [Double](repeating: 0, count: weights[j].count)
            for o in weights[j].indices {
                var total = biases[j][o]
                for i in x.indices { total += weights[j][o][i] * x[i] }
                pre[o] = activation(name, total)
            }
            let y = layerNorm(pre, eps: 1e-5)
            x = (j < n - 1 || residualOnLast) ? zip(y, x).map { $0 + $1 } : y
        }
        var total = 0.0
        for i in x.indices { total += weights[n][0][i] * x[i] }
        return total
    }
}
