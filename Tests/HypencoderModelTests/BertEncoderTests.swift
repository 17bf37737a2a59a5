import XCTest

@testable import HypencoderModel

/// The BERT encoder against a naive double-precision BertModel on a tiny random config.
final class BertEncoderTests: XCTestCase {
    private func makeEncoder() throws -> (BertEncoder, [String: Tensor]) {
        try BLAS.load()
        var random = RandomWeights(seed: 7)
        let weights = random.bert(tinyBert)
        return (try BertEncoder(config: tinyBert, weights: weights), weights)
    }

    private let sequences: [[Int32]] = [[1, 5, 9, 2], [1, 33, 2], [1, 4, 4, 17, 22, 39, 8, 2], [1, 2]]

    func testSingleSequenceMatchesNaiveBert() throws {
        let (encoder, weights) = try makeEncoder()
        for ids in sequences {
            let states = try encoder.encode(TokenBatch(sequences: [ids]))
            let expected = Naive.bert(ids, config: tinyBert, weights: weights)
            for t in ids.indices {
                for i in 0..<tinyBert.hiddenSize {
                    XCTAssertEqual(Double(states[t * tinyBert.hiddenSize + i]), expected[t][i], accuracy: 1e-4)
                }
            }
        }
    }

    /// The daemon's split paths against the naive model, sequence by sequence: a few rows
    /// split by weight columns (a query's shape) and many rows cut into row slices (a batch
    /// of documents), each with attention by (sequence, head) groups.
    func testSplitAcrossThreadsMatchesNaiveBert() throws {
        let (encoder, weights) = try makeEncoder()
        // 14 sequences of 8-12 tokens: 140 rows, enough for row slices on two threads.
        var many: [[Int32]] = []
        for s in 0..<14 {
            let inner: [Int32] = (0..<(6 + s % 5)).map { Int32(3 + (s * 7 + $0 * 5) % 36) }
            many.append([1] + inner + [2])
        }
        let cases: [(sequences: [[Int32]], threads: Int, columns: Bool)] = [(sequences, 3, true), (many, 2, false)]
        for (sequences, threads, columns) in cases {
            let scheduler = CoreScheduler(threads: threads)
            defer { scheduler.stop() }
            let batch = try TokenBatch(sequences: sequences)
            XCTAssertEqual(RowSlices(rows: batch.totalTokens, width: threads).tooFewRows, columns, "the path under test")
            let states = try encoder.encode(batch, parallelism: Parallelism(scheduler: scheduler, priority: .bulk))
            let d = tinyBert.hiddenSize
            for (b, ids) in sequences.enumerated() {
                let expected = Naive.bert(ids, config: tinyBert, weights: weights)
                for t in ids.indices {
                    for i in 0..<d {
                        XCTAssertEqual(
                            Double(states[(batch.starts[b] + t) * d + i]), expected[t][i], accuracy: 1e-4, "columns \(columns)")
                    }
                }
            }
        }
    }

    func testBatchEqualsOneByOne() throws {
        let (encoder, _) = try makeEncoder()
        let batch = try TokenBatch(sequences: sequences)
        let batched = try encoder.encode(batch)
        let d = tinyBert.hiddenSize
        for (b, ids) in sequences.enumerated() {
            let alone = try encoder.encode(TokenBatch(sequences: [ids]))
            for t in ids.indices {
                for i in 0..<d {
                    XCTAssertEqual(batched[(batch.starts[b] + t) * d + i], alone[t * d + i], accuracy: 1e-5)
                }
            }
        }
        for pooling in [Pooling.cls, .mean] {
            let pooled = pooling.pool(batched, batch: batch, width: d)
            for (b, ids) in sequences.enumerated() {
                let single = try TokenBatch(sequences: [ids])
                let alone = pooling.pool(try encoder.encode(single), batch: single, width: d)[0]
                for i in 0..<d { XCTAssertEqual(pooled[b][i], alone[i], accuracy: 1e-5, "\(pooling)") }
            }
        }
    }

    /// `[CLS]` pooling computes the last layer for the first rows only: the same vectors as
    /// the first rows of the whole pass (and as the naive model), on every path the daemon
    /// takes (serial, weights split by columns, rows cut into slices) and with no layers.
    func testFirstTokensOnlyMatchTheWholePass() throws {
        let (encoder, weights) = try makeEncoder()
        let d = tinyBert.hiddenSize
        var many: [[Int32]] = []
        for s in 0..<14 {
            many.append([1] + (0..<(6 + s % 5)).map { Int32(3 + (s * 11 + $0 * 7) % 36) } + [2])
        }
        for (sequences, threads) in [(sequences, 1), (sequences, 3), (many, 2)] {
            let scheduler = CoreScheduler(threads: threads)
            defer { scheduler.stop() }
            let parallelism = threads == 1 ? Parallelism.serial : Parallelism(scheduler: scheduler, priority: .bulk)
            let batch = try TokenBatch(sequences: sequences)
            let whole = try encoder.encode(batch, parallelism: parallelism)
            let first = try encoder.encodeFirstTokens(batch, parallelism: parallelism)
            XCTAssertEqual(first.count, sequences.count * d)
            for (b, ids) in sequences.enumerated() {
                let expected = Naive.bert(ids, config: tinyBert, weights: weights)[0]
                for i in 0..<d {
                    XCTAssertEqual(first[b * d + i], whole[batch.starts[b] * d + i], accuracy: 1e-5, "\(threads) threads")
                    XCTAssertEqual(Double(first[b * d + i]), expected[i], accuracy: 1e-4)
                }
            }
            for pooling in [Pooling.cls, .mean] {
                let pooled = try encoder.pooledVectors(batch, pooling: pooling, parallelism: parallelism)
                let reference = pooling.pool(whole, batch: batch, width: d)
                XCTAssertEqual(pooled.count, reference.count)
                for (got, want) in zip(pooled, reference) {
                    for i in 0..<d { XCTAssertEqual(got[i], want[i], accuracy: 1e-5, "\(pooling)") }
                }
            }
        }
        var flat = tinyBert
        flat.layers = 0
        let embeddingsOnly = try BertEncoder(config: flat, weights: weights)
        let batch = try TokenBatch(sequences: sequences)
        let whole = try embeddingsOnly.encode(batch)
        let first = try embeddingsOnly.encodeFirstTokens(batch)
        for b in sequences.indices {
            XCTAssertEqual(
                Array(first[(b * d)..<((b + 1) * d)]), Array(whole[(batch.starts[b] * d)..<((batch.starts[b] + 1) * d)]))
        }
    }

    /// Row slices cover every row once, in order; on several threads their count is a multiple
    /// of the threads (each gets as many) and they are about 512 rows; serially one slice.
    func testRowSlicesShareRowsEvenlyBetweenThreads() {
        for (rows, width) in [(6400, 2), (6400, 8), (300, 2), (129, 2), (5000, 1), (70_000, 64)] {
            let slices = RowSlices(rows: rows, width: width)
            XCTAssertEqual((0..<slices.count).flatMap { Array(slices[$0]) }, Array(0..<rows), "\(rows) rows, \(width)")
            if width == 1 {
                XCTAssertEqual(slices.count, 1)
            } else {
                XCTAssertEqual(slices.count % width, 0, "\(rows) rows, \(width) threads: \(slices.count) slices")
                XCTAssertLessThanOrEqual((0..<slices.count).map { slices[$0].count }.max()!, 512)
            }
        }
        XCTAssertEqual(RowSlices(rows: 6400, width: 2).count, 14)
    }

    func testRightPaddedInputPacksToTheRealTokens() throws {
        let batch = try TokenBatch(paddedIds: [1, 5, 2, 0, 1, 2, 0, 0], mask: [1, 1, 1, 0, 1, 1, 0, 0], batchSize: 2, length: 4)
        XCTAssertEqual(batch, try TokenBatch(sequences: [[1, 5, 2], [1, 2]]))
    }

    func testMeanPoolingAveragesRealTokensOnly() throws {
        let (encoder, weights) = try makeEncoder()
        let batch = try TokenBatch(sequences: [[1, 5, 2], [1, 6, 7, 8, 9, 2]])
        let pooled = Pooling.mean.pool(try encoder.encode(batch), batch: batch, width: tinyBert.hiddenSize)
        let expected = Naive.bert([1, 5, 2], config: tinyBert, weights: weights)
        for i in 0..<tinyBert.hiddenSize {
            XCTAssertEqual(Double(pooled[0][i]), expected.reduce(0) { $0 + $1[i] } / 3, accuracy: 1e-4)
        }
    }

    func testBadInputIsAnErrorNotACrash() throws {
        let (encoder, weights) = try makeEncoder()
        XCTAssertThrowsError(try encoder.encode(TokenBatch(sequences: [[1, 40, 2]])))  // id == vocab size
        XCTAssertThrowsError(try encoder.encode(TokenBatch(sequences: [[Int32](repeating: 1, count: 13)])))  // > positions
        XCTAssertThrowsError(try TokenBatch(sequences: [[1, 2], []]))
        XCTAssertThrowsError(try TokenBatch(sequences: []))
        XCTAssertThrowsError(try TokenBatch(paddedIds: [1, 2, 0, 1, 0, 2], mask: [1, 1, 0, 1, 0, 1], batchSize: 2, length: 3))
        var missing = weights
        missing["encoder.layer.1.output.dense.weight"] = nil
        XCTAssertThrowsError(try BertEncoder(config: tinyBert, weights: missing, namePrefix: "query_encoder.transformer.")) {
            XCTAssertEqual(
                $0 as? ModelError,
                .missingTensor(key: "query_encoder.transformer.encoder.layer.1.output.dense.weight", expectedShape: [16, 24]))
        }
        var wrong = weights
        wrong["embeddings.LayerNorm.bias"] = Tensor(zeros: [15])
        XCTAssertThrowsError(try BertEncoder(config: tinyBert, weights: wrong)) {
            XCTAssertEqual(
                $0 as? ModelError, .shapeMismatch(key: "embeddings.LayerNorm.bias", expectedShape: [16], foundShape: [15]))
        }
    }
}
