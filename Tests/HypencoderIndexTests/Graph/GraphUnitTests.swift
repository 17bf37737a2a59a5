import Foundation
import SeededRandom
import XCTest

@testable import HypencoderIndex

/// Small checks of the graph's parts on synthetic data (no fixtures needed).
final class GraphUnitTests: XCTestCase {
    func testSquaredL2MatchesDoubleLoop() {
        var random = SplitMix64(seed: 3)
        for dimension in [1, 3, 4, 7, 384] {
            let a = random.vector(dimension)
            let b = random.vector(dimension)
            let expected = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
            let actual = a.withUnsafeBufferPointer { x in
                b.withUnsafeBufferPointer { y in
                    squaredL2(x.baseAddress!, y.baseAddress!, dimension: dimension)
                }
            }
            XCTAssertEqual(Double(actual), expected, accuracy: 1e-4 * max(1, expected))
        }
    }

    func testSeededSampleIsDistinctLiveAndRepeatable() {
        let live: (Int) -> Bool = { $0 % 3 != 0 }
        let a = EntryPoints.seededSample(count: 50, slotCount: 1000, seed: 43, isLive: live)
        XCTAssertEqual(a, EntryPoints.seededSample(count: 50, slotCount: 1000, seed: 43, isLive: live))
        XCTAssertNotEqual(a, EntryPoints.seededSample(count: 50, slotCount: 1000, seed: 44, isLive: live))
        XCTAssertEqual(Set(a).count, 50)
        XCTAssertTrue(a.allSatisfy(live))
        // Asking for more than exist gives every live slot once.
        XCTAssertEqual(Set(EntryPoints.seededSample(count: 5000, slotCount: 30, seed: 43, isLive: live)).count, 20)
    }

    func testGraphFileRoundTripsAndRejectsDamage() throws {
        var graph = NeighborGraph(maxDegree: 4, capacity: 6)
        graph.grow(to: 300)
        for node in 0..<300 { graph.setNeighbors(of: node, (0..<(node % 5)).map { Int32((node + 1 + $0) % 300) }) }
        graph.entryNode = 17
        let bytes = GraphFile.encode(graph, entries: [3, 9])
        let (decoded, entries) = try GraphFile.decode(bytes, path: "g", nodes: 300, parameters: GraphParameters())
        XCTAssertEqual(entries, [3, 9])
        XCTAssertEqual(decoded.entryNode, 17)
        for node in 0..<300 { XCTAssertEqual(Array(decoded.neighbors(of: node)), Array(graph.neighbors(of: node))) }

        XCTAssertThrowsError(try GraphFile.decode(bytes, path: "g", nodes: 299, parameters: GraphParameters()))
        var flipped = bytes
        flipped[40] ^= 1
        XCTAssertThrowsError(try GraphFile.decode(flipped, path: "g", nodes: 300, parameters: GraphParameters())) {
            XCTAssertTrue("\($0)".contains("checksum"), "\($0)")
        }
        for length in [0, 5, 47, bytes.count - 1] {
            XCTAssertThrowsError(
                try GraphFile.decode(Array(bytes.prefix(length)), path: "g", nodes: 300, parameters: GraphParameters()))
        }
    }

    func testSnapshotKeepsItsGraphWhileTheWriterChangesIt() throws {
        let index = try DocumentIndex.open(directory: makeTemporaryDirectory(self), fingerprint: "t", dimension: 8)
        var random = SplitMix64(seed: 11)
        try index.upsert((0..<600).map { DocumentUpsert(id: "d\($0)", vector: random.vector(8)) })
        let scorer = DotScorer(query: random.vector(8))
        let parameters = ApproximateSearchParameters(mode: .paper, entryPoints: 20, ncandidates: 8, maxIter: 8)
        let before = try index.approximateSearch(scorer: scorer, k: 5, parameters: parameters)
        XCTAssertEqual(before.hits.count, 5)
        // Delete what it found: a new search must not return them; hits stay unique and live.
        try index.delete(ids: before.hits.map(\.id))
        let after = try index.approximateSearch(scorer: scorer, k: 5, parameters: parameters)
        XCTAssertTrue(Set(after.hits.map(\.id)).isDisjoint(with: before.hits.map(\.id)))
        XCTAssertEqual(Set(after.hits.map(\.id)).count, after.hits.count)
        XCTAssertThrowsError(
            try index.approximateSearch(
                scorer: scorer, k: 5,
                parameters: ApproximateSearchParameters(entryPoints: 0)))
        XCTAssertThrowsError(try index.approximateSearch(scorer: DotScorer(query: [1, 2]), k: 5))
    }

    func testDamagedGraphFileIsRebuiltNotACrash() throws {
        let directory = makeTemporaryDirectory(self)
        var random = SplitMix64(seed: 5)
        let documents = (0..<1500).map { DocumentUpsert(id: "d\($0)", vector: random.vector(16)) }
        var index = try DocumentIndex.open(directory: directory, fingerprint: "t", dimension: 16)
        try index.upsert(documents)
        try index.checkpoint()
        let edges = index.graphStatistics.edges
        index.close()
        let path = directory + "/graph-1.bin"
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count / 2] ^= 0x5A
        for damaged in [bytes, Array(bytes.prefix(30)), []] {
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            index = try DocumentIndex.open(directory: directory, fingerprint: "t", dimension: 16)
            XCTAssertEqual(index.count, documents.count)
            XCTAssertGreaterThan(index.graphStatistics.edges, edges / 2, "graph not rebuilt")
            let scorer = DotScorer(query: random.vector(16))
            let exact = try index.exactSearch(scorer: scorer, k: 10)
            let approximate = try index.approximateSearch(scorer: scorer, k: 10)
            XCTAssertGreaterThanOrEqual(recall(approximate.hits, of: exact), 0.8)
            index.close()
        }
        // A missing file is rebuilt the same way.
        try FileManager.default.removeItem(atPath: path)
        index = try DocumentIndex.open(directory: directory, fingerprint: "t", dimension: 16)
        XCTAssertGreaterThan(index.graphStatistics.edges, edges / 2)
    }

    /// The index reports a rebuilt graph through `IndexOptions.log` (the daemon's log), never
    /// on stderr itself: info when the file was missing, a warning when it was damaged.
    func testARebuiltGraphIsReportedThroughTheLogOption() throws {
        let directory = makeTemporaryDirectory(self)
        var random = SplitMix64(seed: 9)
        var index = try DocumentIndex.open(directory: directory, fingerprint: "t", dimension: 8)
        try index.upsert((0..<200).map { DocumentUpsert(id: "d\($0)", vector: random.vector(8)) })
        try index.checkpoint()
        index.close()
        let messages = LogMessages()
        var options = IndexOptions()
        options.log = { level, message in messages.append(level, message) }

        let path = directory + "/graph-1.bin"
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
        index = try DocumentIndex.open(directory: directory, fingerprint: "t", dimension: 8, options: options)
        index.close()
        try FileManager.default.removeItem(atPath: path)
        index = try DocumentIndex.open(directory: directory, fingerprint: "t", dimension: 8, options: options)
        index.close()

        let seen = messages.all
        XCTAssertEqual(seen.map(\.0), [.warning, .info])
        XCTAssertTrue(seen[0].1.contains("graph-1.bin unreadable"), seen[0].1)
        XCTAssertTrue(seen[1].1.contains("graph-1.bin missing; rebuilt the neighbour graph for 200 documents"), seen[1].1)
    }
}

private final class LogMessages: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [(IndexLogLevel, String)] = []
    var all: [(IndexLogLevel, String)] {
        lock.lock()
        defer { lock.unlock() }
        return messages
    }
    func append(_ level: IndexLogLevel, _ message: String) {
        lock.lock()
        messages.append((level, message))
        lock.unlock()
    }
}
