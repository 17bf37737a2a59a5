import SeededRandom
import TensorFiles
import XCTest

@testable import HypencoderIndex

final class DocumentIndexTests: XCTestCase {
    private let fingerprint = "test-model-v1"

    private func open(_ directory: String, dimension: Int = 3, options: IndexOptions = IndexOptions()) throws -> DocumentIndex {
        try DocumentIndex.open(directory: directory, fingerprint: fingerprint, dimension: dimension, options: options)
    }

    func testUpsertGetReplaceDelete() throws {
        let index = try open(makeTemporaryDirectory(self))
        let added = try index.upsert([
            DocumentUpsert(id: "a", vector: [1, 2, 3], metadata: Array("{\"lang\":\"en\"}".utf8), text: "alpha"),
            DocumentUpsert(id: "b", vector: [4, 5, 6]),
        ])
        XCTAssertEqual(added, UpdateCounts(added: 2))
        XCTAssertEqual(index.count, 2)

        let replaced = try index.upsert([
            DocumentUpsert(id: "a", vector: [7, 8, 9], text: "alpha 2"),
            DocumentUpsert(id: "c", vector: [0, 0, 1]),
        ])
        XCTAssertEqual(replaced, UpdateCounts(added: 1, updated: 1))
        let got = try index.get(ids: ["a", "missing", "b"])
        XCTAssertEqual(
            got[0], StoredDocument(id: "a", vector: [7, 8, 9], metadata: nil, text: "alpha 2"),
            "replacing a document replaces metadata and text too")
        XCTAssertNil(got[1])
        XCTAssertEqual(got[2]?.vector, [4, 5, 6])

        let deleted = try index.delete(ids: ["b", "nope", "b"])
        XCTAssertEqual(deleted, UpdateCounts(deleted: 1, notFound: 2))
        XCTAssertEqual(index.count, 2)
        XCTAssertNil(try index.get(ids: ["b"])[0])
        XCTAssertEqual(Set(index.snapshot().ids()), ["a", "c"])
    }

    func testRepeatedIdInOneBatchKeepsTheLastVersion() throws {
        let index = try open(makeTemporaryDirectory(self))
        let counts = try index.upsert([DocumentUpsert(id: "x", vector: [1, 1, 1]), DocumentUpsert(id: "x", vector: [2, 2, 2])])
        XCTAssertEqual(counts, UpdateCounts(added: 1, updated: 1))
        XCTAssertEqual(try index.get(ids: ["x"])[0]?.vector, [2, 2, 2])
        XCTAssertEqual(index.count, 1)
    }

    func testInvalidDocumentsAreRejectedBeforeAnythingIsWritten() throws {
        var options = IndexOptions()
        options.limits.maxIDBytes = 8
        options.limits.maxTextBytes = 10
        options.limits.maxMetadataBytes = 20
        let index = try open(makeTemporaryDirectory(self), options: options)
        let good = DocumentUpsert(id: "ok", vector: [1, 2, 3])
        func rejects(_ bad: DocumentUpsert, _ matches: (IndexError) -> Bool) {
            XCTAssertIndexError(try index.upsert([good, bad]), matches)
        }
        rejects(DocumentUpsert(id: "", vector: [1, 2, 3])) {
            if case .invalidArgument = $0 { return true }
            return false
        }
        rejects(DocumentUpsert(id: "much-too-long", vector: [1, 2, 3])) {
            if case .limitExceeded(let limit, 13, 8) = $0 { return limit.hasPrefix("maxIDBytes") }
            return false
        }
        rejects(DocumentUpsert(id: "d", vector: [1, 2])) {
            if case .dimensionMismatch(3, 2, _) = $0 { return true }
            return false
        }
        rejects(DocumentUpsert(id: "n", vector: [1, .nan, 3])) {
            if case .invalidArgument(let message) = $0 { return message.contains("position 1") }
            return false
        }
        rejects(DocumentUpsert(id: "t", vector: [1, 2, 3], text: String(repeating: "x", count: 11))) {
            if case .limitExceeded(let limit, 11, 10) = $0 { return limit.hasPrefix("maxTextBytes") }
            return false
        }
        rejects(DocumentUpsert(id: "m", vector: [1, 2, 3], metadata: Array("[1,2]".utf8))) {
            if case .invalidArgument(let message) = $0 { return message.contains("JSON object") }
            return false
        }
        rejects(DocumentUpsert(id: "m", vector: [1, 2, 3], metadata: Array("{\"a\":\"0123456789abcdef\"}".utf8))) {
            if case .limitExceeded(let limit, _, 20) = $0 { return limit.hasPrefix("maxMetadataBytes") }
            return false
        }
        XCTAssertEqual(index.count, 0, "a rejected batch writes nothing")
    }

    func testReopenReplaysTheLogWithoutACheckpoint() throws {
        let directory = makeTemporaryDirectory(self)
        do {
            let index = try open(directory)
            try index.upsert([
                DocumentUpsert(id: "a", vector: [1, 2, 3], text: "t"), DocumentUpsert(id: "b", vector: [4, 5, 6]),
            ])
            try index.delete(ids: ["a"])
            try index.upsert([DocumentUpsert(id: "c", vector: [7, 8, 9], metadata: Array("{}".utf8))])
            index.close()
        }
        let reopened = try open(directory)
        XCTAssertEqual(reopened.recoveryReports.map(\.records), [3])
        XCTAssertEqual(Set(reopened.snapshot().ids()), ["b", "c"])
        XCTAssertEqual(
            try reopened.get(ids: ["c"])[0], StoredDocument(id: "c", vector: [7, 8, 9], metadata: Array("{}".utf8), text: nil))
    }

    func testCheckpointThenReopenAndKeepWriting() throws {
        let directory = makeTemporaryDirectory(self)
        var random = SplitMix64(seed: 1)
        var expected: [String: [Float]] = [:]
        do {
            let index = try open(directory, dimension: 8)
            for round in 0..<3 {
                let batch = (0..<20).map { _ in
                    DocumentUpsert(id: "d\(random.below(30))", vector: random.vector(8), text: "round \(round)")
                }
                try index.upsert(batch)
                for document in batch { expected[document.id] = document.vector }
                let victims = (0..<3).map { _ in "d\(random.below(30))" }
                try index.delete(ids: victims)
                for id in victims { expected[id] = nil }
                if round == 1 { try index.checkpoint() }
            }
            try index.checkpoint()
            try index.upsert([DocumentUpsert(id: "after", vector: [Float](repeating: 0.5, count: 8))])
            expected["after"] = [Float](repeating: 0.5, count: 8)
            index.close()
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertEqual(
            files, ["LOCK", "MANIFEST", "documents-2.bin", "graph-2.bin", "vectors-2.bin", "wal-2.log"],
            "a checkpoint removes the files it supersedes")
        let reopened = try open(directory, dimension: 8)
        XCTAssertEqual(reopened.count, expected.count)
        var seen: [String: [Float]] = [:]
        try reopened.forEachDocument { seen[$0.id] = $0.vector }
        XCTAssertEqual(seen, expected)
    }

    func testCompactReclaimsDeadSlotsAndKeepsOldSnapshotsWorking() throws {
        let directory = makeTemporaryDirectory(self)
        let index = try open(directory)
        try index.upsert((0..<10).map { DocumentUpsert(id: "d\($0)", vector: [Float($0), 0, 0]) })
        try index.upsert((0..<5).map { DocumentUpsert(id: "d\($0)", vector: [Float($0), 1, 0]) })
        try index.delete(ids: ["d9", "d8"])
        let before = index.snapshot()
        XCTAssertEqual(before.slotCount, 15)
        XCTAssertEqual(index.statistics().deadFraction, 7.0 / 15.0)
        try index.compact()
        let after = index.snapshot()
        XCTAssertEqual(after.slotCount, 8)
        let statistics = index.statistics()
        XCTAssertEqual(statistics.documents, 8)
        XCTAssertEqual(statistics.deadFraction, 0)
        XCTAssertEqual(statistics.checkpointGeneration, 1, "compaction checkpoints")
        XCTAssertEqual(statistics.logBytes, 0, "a checkpoint starts a new log")
        try index.delete(ids: ["d0"])
        XCTAssertGreaterThan(index.statistics().logBytes, 0)
        XCTAssertEqual(after.count, 8)
        let scorer = DotScorer(query: [1, 1, 1])
        XCTAssertEqual(
            try before.exactSearch(scorer: scorer, k: 8), try after.exactSearch(scorer: scorer, k: 8),
            "a snapshot taken before compaction still answers the same")
        index.close()
        XCTAssertEqual(try open(directory).count, 7)
    }

    func testWrongFingerprintDimensionAndNewerFormatAreRefused() throws {
        let directory = makeTemporaryDirectory(self)
        try open(directory).close()
        XCTAssertIndexError(try DocumentIndex.open(directory: directory, fingerprint: "other-model", dimension: 3)) {
            if case .fingerprintMismatch(let expected, let found, _) = $0 {
                return expected == "other-model" && found == self.fingerprint
            }
            return false
        }
        XCTAssertIndexError(try self.open(directory, dimension: 4)) {
            if case .dimensionMismatch(4, 3, _) = $0 { return true }
            return false
        }

        let manifestPath = directory + "/MANIFEST"
        let manifest = try Manifest.decode(Array(try Data(contentsOf: URL(fileURLWithPath: manifestPath))), path: manifestPath)
        var newer = manifest
        newer.formatVersion = Manifest.currentFormatVersion + 1
        try Data(newer.encoded()).write(to: URL(fileURLWithPath: manifestPath))
        XCTAssertIndexError(try self.open(directory)) {
            if case .unsupportedFormatVersion(_, Manifest.currentFormatVersion + 1, Manifest.currentFormatVersion) = $0 {
                return true
            }
            return false
        }
    }

    func testSecondOpenOfTheSameDirectoryIsRefused() throws {
        let directory = makeTemporaryDirectory(self)
        let first = try open(directory)
        XCTAssertIndexError(try self.open(directory)) {
            if case .directoryLocked = $0 { return true }
            return false
        }
        first.close()
    }

    func testClosedIndexRefusesUpdates() throws {
        let index = try open(makeTemporaryDirectory(self))
        index.close()
        XCTAssertIndexError(try index.upsert([DocumentUpsert(id: "a", vector: [1, 2, 3])])) { $0 == .closed }
    }

    func testHalfWidthStorageRoundsAndSurvivesReopen() throws {
        for storage in [VectorStorageType.float16, .bfloat16] {
            let directory = makeTemporaryDirectory(self)
            var options = IndexOptions()
            options.storage = storage
            let vector: [Float] = [1.0, -2.5, 0.1]
            do {
                let index = try open(directory, options: options)
                try index.upsert([DocumentUpsert(id: "a", vector: vector)])
                try index.checkpoint()
                try index.upsert([DocumentUpsert(id: "b", vector: vector)])
                index.close()
            }
            // Reopening with another storage option keeps the type recorded in the manifest.
            let reopened = try open(directory)
            XCTAssertEqual(reopened.storage, storage)
            let expected: [Float] =
                storage == .float16
                ? vector.map { Float(Float16($0)) }
                : vector.map { HalfFloat.bfloat16.widen(HalfFloat.bfloat16.narrow($0)) }
            XCTAssertEqual(try reopened.get(ids: ["a"])[0]?.vector, expected)
            XCTAssertEqual(try reopened.get(ids: ["b"])[0]?.vector, expected)
            XCTAssertEqual(expected[0], 1.0)
            XCTAssertNotEqual(expected[2], 0.1, "0.1 is not representable in half width")
            XCTAssertEqual(expected[2], 0.1, accuracy: 0.001)
        }
    }

    func testRequiredStorageRefusesAnotherStoredTypeAndLosesNothing() throws {
        let directory = makeTemporaryDirectory(self)
        var bf16 = IndexOptions()
        bf16.storage = .bfloat16
        bf16.requireStorage = true
        do {
            let index = try open(directory, options: bf16)
            try index.upsert([DocumentUpsert(id: "a", vector: [1, 2, 3])])
            index.close()
        }
        var f32 = IndexOptions()
        f32.requireStorage = true
        XCTAssertIndexError(try open(directory, options: f32)) {
            guard case .storageMismatch(let path, let stored, let requested) = $0 else { return false }
            return path == directory && stored == "bf16" && requested == "f32"
                && $0.description.contains("stores bf16 vectors, but f32 was asked for")
        }
        // The refusal touched nothing: asking for the stored type, or for none, opens it whole.
        let reopened = try open(directory, options: bf16)
        XCTAssertEqual(reopened.storage, .bfloat16)
        XCTAssertEqual(try reopened.get(ids: ["a"])[0]?.vector, [1, 2, 3])
        reopened.close()
        XCTAssertEqual(try open(directory).storage, .bfloat16)
    }
}
