import Foundation
import SeededRandom
import XCTest

@testable import HypencoderIndex

/// A fresh directory under the system temporary directory, removed by `tearDown`.
func makeTemporaryDirectory(_ test: XCTestCase) -> String {
    let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("hypencoder-index-tests-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Deterministic test data from the engine's SplitMix64.
extension SplitMix64 {
    /// Uniform in [-1, 1).
    mutating func unit() -> Float { nextUniform() }
    mutating func vector(_ dimension: Int) -> [Float] { (0..<dimension).map { _ in unit() } }
}

/// Scores a document by its dot product with a fixed query vector.
struct DotScorer: DocumentScorer {
    let query: [Float]
    var dimension: Int { query.count }

    func naive(_ vector: [Float]) -> Float { zip(query, vector).reduce(0) { $0 + $1.0 * $1.1 } }

    func score(documents: UnsafePointer<Float>, count: Int, into: UnsafeMutablePointer<Float>) {
        for row in 0..<count {
            into[row] = naive(Array(UnsafeBufferPointer(start: documents + row * dimension, count: dimension)))
        }
    }
}

/// A tiny q-net-shaped scorer: ReLU(W1·x + b1)·w2, hidden width h. Also records the largest
/// block it was given, so tests can check the index batches rows.
final class MLPScorer: DocumentScorer, @unchecked Sendable {
    let dimension: Int
    let hidden: Int
    let w1: [Float], b1: [Float], w2: [Float]
    private let lock = NSLock()
    private var largest = 0
    var largestBlock: Int {
        lock.lock()
        defer { lock.unlock() }
        return largest
    }

    init(dimension: Int, hidden: Int, seed: UInt64) {
        var random = SplitMix64(seed: seed)
        self.dimension = dimension
        self.hidden = hidden
        w1 = random.vector(dimension * hidden)
        b1 = random.vector(hidden)
        w2 = random.vector(hidden)
    }

    func naive(_ x: [Float]) -> Float {
        var total: Float = 0
        for j in 0..<hidden {
            var a = b1[j]
            for i in 0..<dimension { a += w1[j * dimension + i] * x[i] }
            total += max(a, 0) * w2[j]
        }
        return total
    }

    func score(documents: UnsafePointer<Float>, count: Int, into: UnsafeMutablePointer<Float>) {
        lock.lock()
        largest = max(largest, count)
        lock.unlock()
        for row in 0..<count {
            into[row] = naive(Array(UnsafeBufferPointer(start: documents + row * dimension, count: dimension)))
        }
    }
}

/// Asserts that `body` throws an `IndexError` matching `matches`, reporting what it got otherwise.
func XCTAssertIndexError<T>(
    _ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line,
    _ matches: (IndexError) -> Bool
) {
    do {
        _ = try body()
        XCTFail("expected an IndexError, got a result", file: file, line: line)
    } catch let error as IndexError {
        XCTAssertTrue(matches(error), "unexpected error: \(error)", file: file, line: line)
    } catch {
        XCTFail("expected an IndexError, got \(error)", file: file, line: line)
    }
}

/// Problems found by background threads, and a stop flag, behind one lock.
final class SharedFlags: @unchecked Sendable {
    private let lock = NSLock()
    private var found: [String] = []
    private var stopped = false

    var problems: [String] {
        lock.lock()
        defer { lock.unlock() }
        return found
    }
    var finished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }
    func report(_ problem: String) {
        lock.lock()
        found.append(problem)
        lock.unlock()
    }
    func finish() {
        lock.lock()
        stopped = true
        lock.unlock()
    }
}
