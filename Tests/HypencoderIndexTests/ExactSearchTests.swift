import CoreScheduling
import SeededRandom
import TensorFiles
import XCTest

@testable import HypencoderIndex

final class ExactSearchTests: XCTestCase {
    private let dimension = 12

    /// The reference: score every live document one at a time, sort by score (descending)
    /// then id (ascending), keep k.
    private func naiveTopK(_ index: DocumentIndex, _ score: ([Float]) -> Float, k: Int) throws -> [SearchHit] {
        var hits: [SearchHit] = []
        try index.forEachDocument { hits.append(SearchHit(id: $0.id, score: score($0.vector))) }
        hits.sort { $0.score != $1.score ? $0.score > $1.score : $0.id < $1.id }
        return Array(hits.prefix(k))
    }

    /// An index whose rows span a checkpoint's mapped file and several scratch blocks, with
    /// replaced and deleted documents in between.
    private func populatedIndex(storage: VectorStorageType = .float32, blockRows: Int = 1024) throws -> DocumentIndex {
        var options = IndexOptions()
        options.storage = storage
        options.searchBlockRows = blockRows
        let index = try DocumentIndex.open(
            directory: makeTemporaryDirectory(self), fingerprint: "m",
            dimension: dimension, options: options)
        var random = SplitMix64(seed: 42)
        try index.upsert((0..<1500).map { DocumentUpsert(id: "doc\($0)", vector: random.vector(dimension)) })
        try index.checkpoint()
        try index.upsert((1000..<2600).map { DocumentUpsert(id: "doc\($0)", vector: random.vector(dimension)) })
        try index.delete(ids: (0..<300).map { "doc\($0 * 7)" })
        return index
    }

    func testExactSearchEqualsNaiveSortForADotProduct() throws {
        let index = try populatedIndex()
        var random = SplitMix64(seed: 7)
        let scorer = DotScorer(query: random.vector(dimension))
        for k in [1, 10, 100] {
            XCTAssertEqual(try index.exactSearch(scorer: scorer, k: k), try naiveTopK(index, scorer.naive, k: k), "k = \(k)")
        }
    }

    func testExactSearchEqualsNaiveSortForAnMLPInBlocks() throws {
        let index = try populatedIndex(blockRows: 256)
        let scorer = MLPScorer(dimension: dimension, hidden: 16, seed: 3)
        XCTAssertEqual(try index.exactSearch(scorer: scorer, k: 25), try naiveTopK(index, scorer.naive, k: 25))
        XCTAssertEqual(scorer.largestBlock, 256, "the scorer is called with whole blocks of rows")
    }

    func testParallelSearchReturnsTheSameHits() throws {
        let index = try populatedIndex(blockRows: 128)
        let scorer = MLPScorer(dimension: dimension, hidden: 8, seed: 11)
        let serial = try index.exactSearch(scorer: scorer, k: 30)
        for threads in [2, 3, 64] {
            let parallelism = Parallelism(scheduler: CoreScheduler(threads: threads))
            defer { parallelism.scheduler.stop() }
            XCTAssertEqual(try index.exactSearch(scorer: scorer, k: 30, parallelism: parallelism), serial, "\(threads)")
        }
    }

    func testHalfWidthStorageSearchesTheStoredValues() throws {
        for storage in [VectorStorageType.float16, .bfloat16] {
            let index = try populatedIndex(storage: storage)
            let scorer = MLPScorer(dimension: dimension, hidden: 8, seed: 5)
            XCTAssertEqual(try index.exactSearch(scorer: scorer, k: 20), try naiveTopK(index, scorer.naive, k: 20), "\(storage)")
        }
    }

    func testABFloat16ReadingScorerGetsStoredRowsAndTheSameResults() throws {
        let index = try populatedIndex(storage: .bfloat16, blockRows: 200)
        var random = SplitMix64(seed: 9)
        let widening = DotScorer(query: random.vector(dimension))
        let reading = StoredRowsScorer(widening)
        XCTAssertEqual(try index.exactSearch(scorer: reading, k: 30), try index.exactSearch(scorer: widening, k: 30))
        XCTAssertEqual(reading.rowsRead, index.snapshot().slotCount, "every row reached the scorer as stored")
        let approximate = try index.approximateSearch(scorer: reading, k: 10)
        XCTAssertEqual(approximate.hits, try index.approximateSearch(scorer: widening, k: 10).hits)
        let ids = ["doc1", "doc7", "doc2599", "missing", "doc1001"]
        XCTAssertEqual(try index.score(ids: ids, scorer: reading), try index.score(ids: ids, scorer: widening))
        // f32 and f16 rows are widened (or passed) as before: the bf16 entry is never called.
        let f16 = try populatedIndex(storage: .float16)
        let other = StoredRowsScorer(widening)
        XCTAssertEqual(try f16.exactSearch(scorer: other, k: 5), try f16.exactSearch(scorer: widening, k: 5))
        XCTAssertEqual(other.rowsRead, 0)
    }

    func testTiesAreBrokenByIdWhateverTheInsertionOrder() throws {
        let index = try DocumentIndex.open(directory: makeTemporaryDirectory(self), fingerprint: "m", dimension: 2)
        let ids = ["m", "b", "z", "a", "k"]
        try index.upsert(ids.map { DocumentUpsert(id: $0, vector: [1, 1]) })
        try index.upsert([DocumentUpsert(id: "top", vector: [2, 2])])
        let hits = try index.exactSearch(scorer: DotScorer(query: [1, 1]), k: 4)
        XCTAssertEqual(hits.map(\.id), ["top", "a", "b", "k"])
    }

    func testKLargerThanTheIndexAndEdgeCases() throws {
        let index = try DocumentIndex.open(directory: makeTemporaryDirectory(self), fingerprint: "m", dimension: 2)
        XCTAssertEqual(try index.exactSearch(scorer: DotScorer(query: [1, 0]), k: 5), [], "empty index")
        try index.upsert([DocumentUpsert(id: "a", vector: [1, 0]), DocumentUpsert(id: "b", vector: [3, 0])])
        XCTAssertEqual(try index.exactSearch(scorer: DotScorer(query: [1, 0]), k: 10).map(\.id), ["b", "a"])
        XCTAssertEqual(try index.exactSearch(scorer: DotScorer(query: [1, 0]), k: 0), [])
        XCTAssertIndexError(try index.exactSearch(scorer: DotScorer(query: [1, 0, 0]), k: 1)) {
            if case .dimensionMismatch(2, 3, "scorer") = $0 { return true }
            return false
        }
    }

    func testScoreGivenIdsMatchesTheScorer() throws {
        let index = try populatedIndex()
        let scorer = MLPScorer(dimension: dimension, hidden: 4, seed: 9)
        let ids = ["doc5", "doc0", "missing", "doc2599", "doc7"]
        let scores = try index.score(ids: ids, scorer: scorer)
        let documents = try index.get(ids: ids)
        XCTAssertEqual(scores.count, ids.count)
        for (score, document) in zip(scores, documents) {
            XCTAssertEqual(score, document.map { scorer.naive($0.vector) })
        }
        XCTAssertNil(scores[1], "doc0 was deleted")
        XCTAssertNil(scores[2])
    }
}

/// A scorer that reads bf16 rows itself (as the q-net's bf16 kernel does), widening them with
/// the index's own conversion and scoring them like the scorer it wraps; counts the rows it
/// was given as stored.
private final class StoredRowsScorer: DocumentScorer, @unchecked Sendable {
    let inner: DotScorer
    private let lock = NSLock()
    private var read = 0
    var dimension: Int { inner.dimension }
    var readsBFloat16Rows: Bool { true }
    var rowsRead: Int {
        lock.lock()
        defer { lock.unlock() }
        return read
    }

    init(_ inner: DotScorer) { self.inner = inner }

    func score(documents: UnsafePointer<Float>, count: Int, into: UnsafeMutablePointer<Float>) {
        inner.score(documents: documents, count: count, into: into)
    }

    func score(bfloat16Documents: UnsafeRawPointer, count: Int, into: UnsafeMutablePointer<Float>) {
        var widened = [Float](repeating: 0, count: count * dimension)
        widened.withUnsafeMutableBufferPointer {
            HalfFloat.bfloat16.widen(bfloat16Documents, count: count * dimension, into: $0.baseAddress!)
        }
        widened.withUnsafeBufferPointer { inner.score(documents: $0.baseAddress!, count: count, into: into) }
        lock.lock()
        read += count
        lock.unlock()
    }
}
